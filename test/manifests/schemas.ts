// Schema validation of every rendered object. Kubernetes built-ins: the kubernetes-models class of the kind plus a
// strict unknown-field check (as `kubectl apply --validate=strict` would do). Knative kinds: the
// @kubernetes-models/knative class plus the strict v1.15+ shapes of knative-shapes.ts. CRDs: the model, the API
// server's CRD rules (the sandbox's implementation) and a structural-schema check. A kind with no schema here fails.
import { createRequire } from "node:module";
import { validateCrd } from "../../sandbox/apiserver/validation/crd-rules.ts";
import { modelTypes } from "../../sandbox/apiserver/validation/model-types.ts";
import { crdProblems } from "./crd-checks.ts";
import { KNATIVE_SHAPES, REVISION_FIELDS, checkRevisionSpec } from "./knative-shapes.ts";
import { groupOf, isRecord, rec, type JsonRecord, type KObject } from "./objects.ts";

const require = createRequire(import.meta.url);

type ModelClass = new (data: JsonRecord) => { validate(): void };

const K8S = "kubernetes-models";
const KN = "@kubernetes-models/knative";

/** "apiVersion/Kind" -> [module, export name] of its model class. Anything else is an unknown kind. */
const MODELS: ReadonlyMap<string, readonly [string, string]> = new Map<string, readonly [string, string]>([
  ["v1/Namespace", [`${K8S}/v1/Namespace`, "Namespace"]],
  ["v1/ServiceAccount", [`${K8S}/v1/ServiceAccount`, "ServiceAccount"]],
  ["v1/ConfigMap", [`${K8S}/v1/ConfigMap`, "ConfigMap"]],
  ["rbac.authorization.k8s.io/v1/Role", [`${K8S}/rbac.authorization.k8s.io/v1/Role`, "Role"]],
  ["rbac.authorization.k8s.io/v1/ClusterRole", [`${K8S}/rbac.authorization.k8s.io/v1/ClusterRole`, "ClusterRole"]],
  ["rbac.authorization.k8s.io/v1/RoleBinding", [`${K8S}/rbac.authorization.k8s.io/v1/RoleBinding`, "RoleBinding"]],
  ["rbac.authorization.k8s.io/v1/ClusterRoleBinding", [`${K8S}/rbac.authorization.k8s.io/v1/ClusterRoleBinding`, "ClusterRoleBinding"]],
  ["apiextensions.k8s.io/v1/CustomResourceDefinition", [`${K8S}/apiextensions.k8s.io/v1/CustomResourceDefinition`, "CustomResourceDefinition"]],
  ["eventing.knative.dev/v1/Broker", [`${KN}/eventing.knative.dev/v1/Broker`, "Broker"]],
  ["eventing.knative.dev/v1/Trigger", [`${KN}/eventing.knative.dev/v1/Trigger`, "Trigger"]],
  ["sources.knative.dev/v1/PingSource", [`${KN}/sources.knative.dev/v1/PingSource`, "PingSource"]],
  ["sources.knative.dev/v1/ApiServerSource", [`${KN}/sources.knative.dev/v1/ApiServerSource`, "ApiServerSource"]],
  ["sources.knative.dev/v1/SinkBinding", [`${KN}/sources.knative.dev/v1/SinkBinding`, "SinkBinding"]],
  ["serving.knative.dev/v1/Service", [`${KN}/serving.knative.dev/v1/Service`, "Service"]],
]);

/** Kinds without a namespace. Everything else rafdir deploys is namespaced. */
export const CLUSTER_SCOPED = new Set(["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"]);

export function kindKey(o: Pick<KObject, "apiVersion" | "kind">): string {
  return `${o.apiVersion}/${o.kind}`;
}

export function isKnative(o: Pick<KObject, "apiVersion">): boolean {
  return groupOf(o.apiVersion).endsWith(".knative.dev");
}

function modelClass(key: string): ModelClass | undefined {
  const entry = MODELS.get(key);
  if (!entry) return undefined;
  const mod: unknown = require(entry[0]);
  const cls = isRecord(mod) ? mod[entry[1]] : undefined;
  return typeof cls === "function" ? (cls as ModelClass) : undefined;
}

/** The model's own validation (ajv against the generated OpenAPI schema), one message per error. */
function modelProblems(Model: ModelClass, o: KObject): string[] {
  try {
    new Model(structuredClone(o)).validate();
    return [];
  } catch (e) {
    const errors = isRecord(e) && Array.isArray(e.errors) ? e.errors : [];
    const msgs = errors.map((x) => {
      const r = rec(x);
      return `${String(r.instancePath ?? "")} ${String(r.message ?? r.keyword ?? "invalid")}`.trim();
    });
    return msgs.length > 0 ? msgs : [e instanceof Error ? e.message : String(e)];
  }
}

function unknownFieldProblems(model: string, value: unknown, prefix: string): string[] {
  return modelTypes.unknownFields(model, value).map((f) => `unknown field ${prefix}${f}`);
}

function knativeProblems(o: KObject): string[] {
  const key = kindKey(o);
  const problems: string[] = [];
  const shape = KNATIVE_SHAPES.get(key);
  if (!shape) return [`no Knative v1.15+ shape for ${key}`];
  const parsed = shape.safeParse(o);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  problems.push(...unknownFieldProblems("V1ObjectMeta", o.metadata, "metadata."));
  if (key === "serving.knative.dev/v1/Service") {
    const spec = rec(rec(rec(o.spec).template).spec);
    const revision = checkRevisionSpec(spec);
    problems.push(...revision.problems);
    const podSpec = Object.fromEntries(Object.entries(spec).filter(([k]) => !REVISION_FIELDS.has(k)));
    problems.push(...unknownFieldProblems("V1PodSpec", podSpec, "spec.template.spec."));
  }
  return problems;
}

/** Every schema problem of one rendered object; [] when it is valid. */
export function schemaProblems(o: KObject): string[] {
  const key = kindKey(o);
  const Model = modelClass(key);
  if (!Model) return [`no schema for ${key}: an unknown kind cannot be validated (add it to test/manifests/schemas.ts)`];
  const problems = modelProblems(Model, o);
  if (isKnative(o)) {
    problems.push(...knativeProblems(o));
  } else {
    const model = modelTypes.modelFor(o.apiVersion, o.kind);
    if (model) problems.push(...unknownFieldProblems(model, o, ""));
    else problems.push(`no field list for ${key}`);
  }
  if (key === "apiextensions.k8s.io/v1/CustomResourceDefinition") {
    problems.push(...validateCrd(o).map((c) => `${c.field}: ${c.message}`), ...crdProblems(o));
  }
  return problems;
}
