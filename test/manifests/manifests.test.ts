// The knative/ manifests: they render with `kubectl kustomize`, every object validates against its Kubernetes or
// Knative schema, the references and filters make sense, RBAC is least-privilege, and the routing agrees with the
// event catalog (shared/events.ts). Each check also has a negative case, so a check that never fires cannot pass.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { crdValidator } from "../../sandbox/apiserver/validation/crd.ts";
import { Catalog, EventTypes, FunctionNames, isKnownType, serviceName, type EventType } from "../../shared/events.ts";
import { BROKER, CHECKS, NAMESPACE, semanticProblems } from "./checks.ts";
import { exactType, triggerMatches, type EventAttributes } from "./filters.ts";
import { checkRevisionSpec } from "./knative-shapes.ts";
import { KNATIVE_DIR, arr, clone, kustomize, label, parseObjects, rec, str, type KObject } from "./objects.ts";
import { can, type Request } from "./rbac.ts";
import { schemaProblems } from "./schemas.ts";

const rendered = await kustomize();
if (rendered.code !== 0) throw new Error(`kubectl kustomize knative/ failed (exit ${rendered.code}): ${rendered.stderr}`);
const objects: KObject[] = parseObjects(rendered.stdout);

const ofKind = (kind: string): KObject[] => objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string): KObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind} ${name} is not in the rendered manifests`);
  return o;
};

/** The rendered objects with one of them changed (a deep copy; the originals stay intact). */
function mutated(kind: string, name: string, change: (o: KObject) => void): KObject[] {
  const copy = clone(objects);
  const target = copy.find((o) => o.kind === kind && o.metadata.name === name);
  if (!target) throw new Error(`${kind} ${name} is not in the rendered manifests`);
  change(target);
  return copy;
}

/** Services that receive an event, one entry per matching Trigger (a duplicate means double delivery). */
function receivers(ev: EventAttributes, from: readonly KObject[] = objects): string[] {
  return from
    .filter((o) => o.kind === "Trigger" && triggerMatches(o, ev))
    .map((t) => str(rec(rec(rec(t.spec).subscriber).ref).name) ?? "?")
    .sort();
}

const ce = (type: string, source: string, ext: Record<string, string> = {}): EventAttributes => ({ specversion: "1.0", id: "1", type, source, ...ext });

describe("kubectl kustomize knative/", () => {
  it("renders without error or warning", () => {
    expect(rendered.code).toBe(0);
    expect(rendered.stderr).toBe("");
    expect(objects.length).toBeGreaterThan(0);
  });

  it("renders what the issue lists: namespace, broker, one Service per function, sources, RBAC, CRDs", () => {
    const count = (kind: string): number => ofKind(kind).length;
    expect({ ns: count("Namespace"), broker: count("Broker"), ping: count("PingSource"), api: count("ApiServerSource"), crd: count("CustomResourceDefinition") }).toEqual({
      ns: 1,
      broker: 1,
      ping: 2,
      api: 1,
      crd: 2,
    });
    expect(ofKind("Service").map((s) => s.metadata.name).sort()).toEqual(FunctionNames.map(serviceName).sort());
    expect(ofKind("ServiceAccount").map((s) => s.metadata.name).sort()).toEqual([...FunctionNames.map(serviceName), "rafdir-apiserversource", "rafdir-backup-pod"].sort());
  });

  it("lists every YAML file under knative/ (the sandbox reads the directory, kubectl the kustomization)", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((e) => (statSync(join(dir, e)).isDirectory() ? files(join(dir, e)) : /\.ya?ml$/.test(e) ? [join(dir, e)] : []));
    const listed = arr(rec(parse(readFileSync(join(KNATIVE_DIR, "kustomization.yaml"), "utf8"))).resources);
    const onDisk = files(KNATIVE_DIR).map((f) => relative(KNATIVE_DIR, f)).filter((f) => f !== "kustomization.yaml");
    expect([...listed].sort()).toEqual(onDisk.sort());
  });
});

describe("every rendered object validates against its schema", () => {
  it.each(objects.map((o) => [label(o), o] as const))("%s", (_, o) => {
    expect(schemaProblems(o)).toEqual([]);
  });

  it.each([
    ["an unknown kind", { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }, "no schema for example.com/v1/Widget"],
    ["a Trigger with a misspelt filter field", { ...named("Trigger", "rafdir-plan-backup-requested"), spec: { broker: "rafdir", filter: { attribute: { type: "x" } }, subscriber: { uri: "http://x" } } }, "attribute"],
    ["a PingSource with a misspelt field", { ...named("PingSource", "rafdir-janitor"), spec: { ...rec(named("PingSource", "rafdir-janitor").spec), schedual: "* * * * *" } }, "schedual"],
    ["a Broker with a Go-style duration", { ...named("Broker", BROKER), spec: { delivery: { backoffDelay: "500ms" } } }, "ISO-8601"],
    ["a Role whose verbs are a string", { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r", namespace: "backup" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: "get" }] }, "must be array"],
    ["a ServiceAccount with a misspelt field", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "s", namespace: "backup" }, automountServiceAccountTokens: false }, "unknown field automountServiceAccountTokens"],
  ])("reports %s", (_, obj, expected) => {
    expect(schemaProblems(parseObjects(JSON.stringify(obj))[0] as KObject).join("\n")).toContain(expected);
  });

  it("reports what Knative Serving refuses in a revision template, and the feature flags it gates", () => {
    const spec = clone(rec(rec(rec(named("Service", "rafdir-plan").spec).template).spec));
    const container = rec(arr(spec.containers)[0]);
    container.lifecycle = { preStop: { exec: { command: ["sleep", "1"] } } };
    spec.nodeSelector = { disk: "ssd" };
    const result = checkRevisionSpec(spec);
    expect(result.problems.join("\n")).toContain("containers[0].lifecycle is not allowed");
    expect(result.flags).toEqual(["kubernetes.podspec-fieldref", "kubernetes.podspec-nodeselector"]);
  });

  it("reports a CRD that is not structural or whose printer column points nowhere", () => {
    const crd = clone(named("CustomResourceDefinition", "backupruns.rafdir.io"));
    const version = rec(arr(rec(crd.spec).versions)[0]);
    const props = rec(rec(rec(rec(rec(version.schema).openAPIV3Schema).properties).spec).properties);
    props.untyped = { description: "no type" };
    arr(version.additionalPrinterColumns).push({ name: "Nope", type: "string", jsonPath: ".spec.nope" });
    const problems = schemaProblems(crd).join("\n");
    expect(problems).toContain("properties.untyped.type: a structural schema needs a type");
    expect(problems).toContain(".spec.nope is not in the schema");
  });
});

describe("semantic checks the schemas miss", () => {
  it.each(Object.keys(CHECKS))("%s: no problems", (name) => {
    expect(semanticProblems(objects)[name]).toEqual([]);
  });

  const trigger = "rafdir-plan-backup-requested";
  const cases: [string, () => KObject[], string, string][] = [
    ["a Trigger on another broker", () => mutated("Trigger", trigger, (t) => (rec(t.spec).broker = "default")), "triggers", "spec.broker must be rafdir"],
    ["a Trigger to an undefined Service", () => mutated("Trigger", trigger, (t) => (rec(rec(rec(t.spec).subscriber).ref).name = "rafdir-nope")), "triggers", "is not defined"],
    ["a legacy filter attribute with capitals", () => mutated("Trigger", trigger, (t) => (rec(rec(rec(t.spec).filter).attributes).Kind = "Pod")), "triggers", "Kind must match"],
    ["a filters entry with two dialects", () => mutated("Trigger", "rafdir-plan-schedule", (t) => (rec(arr(rec(t.spec).filters)[1]).exact = { type: "x" })), "triggers", "exactly one dialect"],
    ["a Trigger without an exact type", () => mutated("Trigger", trigger, (t) => (rec(rec(t.spec).filter).attributes = { source: "/x" })), "triggers", "one exact type"],
    ["a Trigger with its own delivery", () => mutated("Trigger", trigger, (t) => (rec(t.spec).delivery = { retry: 1 })), "triggers", "replaces the Broker's"],
    ["two identical Triggers", () => [...objects, { ...clone(named("Trigger", trigger)), metadata: { name: "twin", namespace: NAMESPACE } }], "triggers", "arrive twice"],
    ["a PingSource in a made-up time zone", () => mutated("PingSource", "rafdir-janitor", (p) => (rec(p.spec).timezone = "Mars/Olympus_Mons")), "pingSources", "not an IANA time zone"],
    ["a PingSource with data and dataBase64", () => mutated("PingSource", "rafdir-janitor", (p) => (rec(p.spec).dataBase64 = "e30=")), "pingSources", "exactly one of data"],
    ["a PingSource with @every", () => mutated("PingSource", "rafdir-janitor", (p) => (rec(p.spec).schedule = "@every 10m")), "pingSources", "five fields"],
    ["a PingSource with JSON content type and no JSON", () => mutated("PingSource", "rafdir-janitor", (p) => (rec(p.spec).data = "janitor")), "pingSources", "not JSON"],
    ["an ApiServerSource in Reference mode", () => mutated("ApiServerSource", "rafdir-resources", (s) => (rec(s.spec).mode = "Reference")), "apiServerSources", "mode must be Resource"],
    ["an ApiServerSource watching everything", () => mutated("ApiServerSource", "rafdir-resources", (s) => delete rec(arr(rec(s.spec).resources)[0]).selector), "apiServerSources", "selector must match"],
    ["an ApiServerSource without cluster-wide RBAC", () => objects.filter((o) => !(o.kind === "ClusterRoleBinding" && o.metadata.name === "rafdir-apiserversource")), "apiServerSources", "cannot get pods in all namespaces"],
    ["a Service with a missing ServiceAccount", () => mutated("Service", "rafdir-plan", (s) => (rec(rec(rec(s.spec).template).spec).serviceAccountName = "ghost")), "services", "ghost is not a ServiceAccount"],
    ["a public Service", () => mutated("Service", "rafdir-plan", (s) => delete s.metadata.labels?.["networking.knative.dev/visibility"]), "services", "cluster-local"],
    ["a Service with a second image", () => mutated("Service", "rafdir-plan", (s) => (rec(arr(rec(rec(rec(s.spec).template).spec).containers)[0]).image = "other:1")), "services", "one image"],
    ["a delivery timeout above the request timeout", () => mutated("Broker", BROKER, (b) => (rec(rec(b.spec).delivery).timeout = "PT5M")), "brokers", "exceeds"],
    ["Trigger filters on a broker class that ignores them", () => mutated("Broker", BROKER, (b) => ((b.metadata.annotations ??= {})["eventing.knative.dev/broker.class"] = "RabbitMQBroker")), "brokers", "ignores Trigger filters"],
    ["a dead-letter sink that is not deployed", () => mutated("Broker", BROKER, (b) => (rec(rec(rec(rec(b.spec).delivery).deadLetterSink).ref).name = "nowhere")), "brokers", "is not defined"],
    ["a namespaced object outside the backup namespace", () => mutated("ServiceAccount", "rafdir-plan", (s) => (s.metadata.namespace = "default")), "namespaces", "must be in namespace backup"],
    ["a deployed object labelled managed-by=rafdir", () => mutated("Service", "rafdir-plan", (s) => (rec(rec(rec(s.spec).template).metadata).labels = { "app.kubernetes.io/managed-by": "rafdir" })), "reservedLabel", "reserved"],
    ["a binding to an undefined role", () => mutated("RoleBinding", "rafdir-function", (b) => (rec(b.roleRef).name = "typo")), "rbac", "is not defined"],
  ];
  it.each(cases)("given %s, reports it", (_, make, check, expected) => {
    const fn = CHECKS[check];
    if (!fn) throw new Error(`no check ${check}`);
    expect(fn(make()).join("\n")).toContain(expected);
  });
});

describe("RBAC: each identity has only what its step needs", () => {
  const sa = (name: string) => ({ namespace: NAMESPACE, name });
  const req = (verb: string, resource: string, namespace: string, name?: string): Request => {
    const [group, plural] = resource.includes(":") ? (resource.split(":") as [string, string]) : ["", resource];
    return { verb, group, resource: plural, namespace, ...(name ? { name } : {}) };
  };
  const VS = "snapshot.storage.k8s.io:volumesnapshots";
  const VSC = "snapshot.storage.k8s.io:volumesnapshotcontents";
  const BR = "rafdir.io:backupruns";
  const rows: [string, string, string, string, string, boolean][] = [
    ["rafdir-apiserversource", "watch", "pods", "*", "", true],
    ["rafdir-apiserversource", "list", "persistentvolumeclaims", "*", "", true],
    ["rafdir-apiserversource", "watch", VS, "*", "", true],
    ["rafdir-apiserversource", "create", "pods", "app", "", false],
    ["rafdir-backup-pod", "create", "pods/exec", "app", "", true],
    ["rafdir-backup-pod", "get", "secrets", NAMESPACE, "rafdir", false],
    ["rafdir-backup-pod", "delete", "pods", "app", "", false],
    ["rafdir-run-restic", "list", "pods", "app", "", true],
    ["rafdir-plan", "list", "pods", "app", "", true],
    ["rafdir-plan", "get", "apps:statefulsets", "app", "", true],
    ["rafdir-plan", "create", BR, NAMESPACE, "", true],
    ["rafdir-plan", "delete", BR, NAMESPACE, "", false],
    ["rafdir-plan", "get", "secrets", NAMESPACE, "rafdir", false],
    ["rafdir-plan", "create", "pods/exec", "app", "", false],
    ["rafdir-plan", "update", "apps:deployments/scale", "app", "", false],
    ["rafdir-snapshot", "create", VS, "app", "", true],
    ["rafdir-snapshot", "patch", VSC, "", "", true],
    ["rafdir-snapshot", "create", "pods/exec", "app", "", true],
    ["rafdir-snapshot", "update", "apps:deployments/scale", "app", "", true],
    ["rafdir-snapshot", "create", "persistentvolumeclaims", NAMESPACE, "", true],
    ["rafdir-snapshot", "create", "persistentvolumeclaims", "app", "", false],
    ["rafdir-snapshot", "delete", "pods", "app", "", false],
    ["rafdir-snapshot", "get", "secrets", NAMESPACE, "rafdir", false],
    ["rafdir-run-restic", "create", "pods", NAMESPACE, "", true],
    ["rafdir-run-restic", "get", "pods/log", NAMESPACE, "", true],
    ["rafdir-run-restic", "create", "configmaps", NAMESPACE, "", true],
    ["rafdir-run-restic", "get", "secrets", NAMESPACE, "rafdir", true],
    ["rafdir-run-restic", "get", "secrets", NAMESPACE, "something-else", false],
    ["rafdir-run-restic", "create", "pods", "app", "", false],
    ["rafdir-run-restic", "delete", "pods", NAMESPACE, "", false],
    ["rafdir-cleanup", "delete", "pods", "app", "", true],
    ["rafdir-cleanup", "delete", "persistentvolumeclaims", NAMESPACE, "", true],
    ["rafdir-cleanup", "delete", "persistentvolumeclaims", "app", "", false],
    ["rafdir-cleanup", "delete", VS, "app", "", true],
    ["rafdir-cleanup", "delete", VSC, "", "", true],
    ["rafdir-cleanup", "update", "apps:statefulsets/scale", "app", "", true],
    ["rafdir-cleanup", "delete", BR, NAMESPACE, "", true],
    ["rafdir-cleanup", "get", "secrets", NAMESPACE, "rafdir", false],
    ["rafdir-restore", "create", "persistentvolumeclaims", "app", "", true],
    ["rafdir-restore", "delete", "persistentvolumeclaims", "app", "rafdir-x", true],
    ["rafdir-restore", "patch", "persistentvolumes", "", "", true],
    ["rafdir-restore", "delete", "persistentvolumes", "", "", false],
    ["rafdir-restore", "create", "pods", "app", "", true],
    ["rafdir-restore", "delete", "pods", NAMESPACE, "", true],
    ["rafdir-restore", "get", "namespaces", "", "app", true],
    ["rafdir-restore", "create", "configmaps", NAMESPACE, "", true],
    ["rafdir-restore", "create", "configmaps", "app", "", false],
    ["rafdir-restore", "delete", "rafdir.io:restoreruns", NAMESPACE, "", true],
    ["rafdir-restore", "delete", BR, NAMESPACE, "", false],
    ["rafdir-restore", "get", "pods/log", NAMESPACE, "", false],
    ["rafdir-restore", "create", "pods/exec", "app", "", false],
    ["rafdir-restore", "get", "secrets", NAMESPACE, "rafdir", false],
    ["rafdir-restore", "get", "secrets", "app", "rafdir", false],
  ];
  it.each(rows)("%s: %s %s in namespace %j, name %j → %s", (who, verb, resource, ns, name, allowed) => {
    expect(can(objects, sa(who), req(verb, resource, ns, name || undefined))).toBe(allowed);
  });

  const everyone = ofKind("ServiceAccount").map((s) => s.metadata.name);
  it.each(everyone)("%s cannot list secrets, touch RBAC, or impersonate", (who) => {
    const forbidden = [
      req("list", "secrets", NAMESPACE),
      req("list", "secrets", "*"),
      req("watch", "secrets", NAMESPACE),
      req("create", "rbac.authorization.k8s.io:rolebindings", NAMESPACE),
      req("create", "rbac.authorization.k8s.io:clusterrolebindings", ""),
      req("escalate", "rbac.authorization.k8s.io:roles", NAMESPACE),
      req("impersonate", "serviceaccounts", NAMESPACE),
      req("create", "serviceaccounts/token", NAMESPACE),
    ];
    expect(forbidden.filter((r) => can(objects, sa(who), r))).toEqual([]);
  });
});

describe("CRDs BackupRun and RestoreRun", () => {
  const crds = ["backupruns.rafdir.io", "restoreruns.rafdir.io"] as const;
  const kindOf = { "backupruns.rafdir.io": "BackupRun", "restoreruns.rafdir.io": "RestoreRun" } as const;
  const run = (crd: (typeof crds)[number], spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
    apiVersion: "rafdir.io/v1alpha1",
    kind: kindOf[crd],
    metadata: { name: "nightly-app-1", namespace: NAMESPACE },
    spec,
    ...(status ? { status } : {}),
  });

  const columns: Record<string, string[]> = {
    "backupruns.rafdir.io": ["PROFILE", "PHASE", "AGE", "MESSAGE"],
    "restoreruns.rafdir.io": ["PROFILE", "NAMESPACE", "PVC", "PHASE", "AGE", "MESSAGE"],
  };
  it.each(crds)("%s: v1alpha1, namespaced, status subresource, columns PROFILE (target) PHASE AGE MESSAGE", (name) => {
    const spec = rec(named("CustomResourceDefinition", name).spec);
    expect(spec.scope).toBe("Namespaced");
    const versions = arr(spec.versions).map(rec);
    expect(versions.map((v) => [v.name, v.served, v.storage])).toEqual([["v1alpha1", true, true]]);
    expect(rec(versions[0]?.subresources).status).toEqual({});
    expect(arr(versions[0]?.additionalPrinterColumns).map((c) => str(rec(c).name)?.toUpperCase())).toEqual(columns[name]);
  });

  it.each(crds)("%s: accepts a run, rejects one without profile or trigger, keeps the pipeline's status fields", (name) => {
    const v = crdValidator(named("CustomResourceDefinition", name), "v1alpha1");
    const ok = run(name, { profile: "app", trigger: "manual", requestedBy: "alice", force: true }, { phase: "Snapshotting", message: "", quiesce: { replicas: 2 } });
    expect(v.validate(ok)).toEqual([]);
    expect(v.validate(run(name, { trigger: "manual" })).map((c) => c.field)).toContain("spec.profile");
    expect(v.validate(run(name, { profile: "app" })).map((c) => c.field)).toContain("spec.trigger");
    expect(v.validate(run(name, { profile: "app", trigger: "manual", force: "yes" })).map((c) => c.field)).toContain("spec.force");
    const pruned = v.prune({ ...ok, spec: { ...ok.spec, bogus: 1 } });
    expect(rec(pruned.status).quiesce).toEqual({ replicas: 2 });
    expect(rec(pruned.spec).bogus).toBeUndefined();
  });

  it.each(crds)("%s: spec is immutable (the request), status is not", (name) => {
    const v = crdValidator(named("CustomResourceDefinition", name), "v1alpha1");
    const old = run(name, { profile: "app", trigger: "manual" }, { phase: "Pending" });
    expect(v.validate(run(name, { profile: "app", trigger: "manual" }, { phase: "Failed" }), old)).toEqual([]);
    expect(v.validate(run(name, { profile: "other", trigger: "manual" }), old).map((c) => c.message).join("\n")).toContain("spec is immutable");
  });
});

describe("routing agrees with the event catalog (shared/events.ts)", () => {
  const typeOfTrigger = ofKind("Trigger").map((t) => [t.metadata.name, exactType(t)] as const);
  const catalogTypes = Object.keys(Catalog).filter(isKnownType);
  const consumersOf = (type: EventType): string[] => Catalog[type].consumers.map(serviceName).sort();
  const subscribedTo = (type: EventType): string[] =>
    [...new Set(ofKind("Trigger").filter((t) => exactType(t) === type).map((t) => str(rec(rec(rec(t.spec).subscriber).ref).name) ?? "?"))].sort();

  it.each(typeOfTrigger)("Trigger %s filters on a catalog type (%s)", (_, type) => {
    expect(type !== undefined && isKnownType(type)).toBe(true);
  });

  it.each(catalogTypes)("%s: Triggers deliver it to exactly the catalog's consumers (none when terminal)", (type) => {
    const spec = Catalog[type];
    if (spec.terminal) expect(spec.consumers).toEqual([]);
    else expect(spec.consumers.length).toBeGreaterThan(0);
    expect(subscribedTo(type)).toEqual(consumersOf(type));
  });

  const rafdirTypes = catalogTypes.filter((t) => t.startsWith("io.rafdir."));
  it.each(rafdirTypes)("an event of type %s reaches its consumers once each", (type) => {
    const producer = Catalog[type].producers[0] ?? "user";
    expect(receivers(ce(type, `/rafdir/${producer}`, { rafdirrun: "run1", rafdirprofile: "app" }))).toEqual(consumersOf(type));
  });

  it("schedule ticks reach plan, janitor ticks reach cleanup, plan and restore, other pings reach nobody", () => {
    const ping = (ns: string, name: string): EventAttributes => ce(EventTypes.ping, `/apis/v1/namespaces/${ns}/pingsources/${name}`);
    for (const p of ofKind("PingSource")) {
      const expected = p.metadata.name === "rafdir-janitor" ? [serviceName("cleanup"), serviceName("plan"), serviceName("restore")] : [serviceName("plan")];
      expect(receivers(ping(NAMESPACE, p.metadata.name)), p.metadata.name).toEqual(expected);
    }
    expect(receivers(ping(NAMESPACE, "rafdir-schedule-weekly"))).toEqual([serviceName("plan")]);
    expect(receivers(ping("elsewhere", "rafdir-schedule-daily"))).toEqual([]);
    expect(receivers(ping(NAMESPACE, "someone-elses-ping"))).toEqual([]);
  });

  it("every PingSource is a schedule or the janitor, and its data passes the catalog's ping schema", () => {
    for (const p of ofKind("PingSource")) {
      const data: unknown = JSON.parse(str(rec(p.spec).data) ?? "null");
      expect(Catalog[EventTypes.ping].data.safeParse(data).success, p.metadata.name).toBe(true);
      const schedule = /^rafdir-schedule-(.+)$/.exec(p.metadata.name)?.[1];
      expect(data, p.metadata.name).toEqual(schedule !== undefined ? { schedule } : { janitor: true });
    }
    expect(rec(named("PingSource", "rafdir-schedule-daily").spec)).toMatchObject({ schedule: "0 2 * * *", timezone: "Etc/UTC", contentType: "application/json" });
    expect(rec(named("PingSource", "rafdir-janitor").spec)).toMatchObject({ schedule: "* * * * *", contentType: "application/json" });
  });

  const resourceTypes = [EventTypes.resourceAdded, EventTypes.resourceUpdated, EventTypes.resourceDeleted];
  // restore follows its pods (update) and PVCs (update, delete); it creates both itself, so it takes no add events.
  const byKind: [string, (type: EventType) => string[]][] = [
    ["Pod", (type) => [serviceName("run-restic"), ...(type === EventTypes.resourceUpdated ? [serviceName("restore")] : [])].sort()],
    ["PersistentVolumeClaim", (type) => [...(type === EventTypes.resourceAdded ? [] : [serviceName("restore")]), serviceName("snapshot")].sort()],
    ["VolumeSnapshot", () => [serviceName("snapshot")]],
    ["ConfigMap", () => []],
  ];
  it.each(resourceTypes.flatMap((type) => byKind.map(([kind, to]) => [type, kind, to(type)] as const)))("%s of a %s reaches %j", (type, kind, to) => {
    expect(receivers(ce(type, "https://10.96.0.1:443", { kind, name: "x", namespace: NAMESPACE }))).toEqual(to);
  });

  it("the ApiServerSource watches exactly the kinds the resource Triggers route", () => {
    const watched = arr(rec(named("ApiServerSource", "rafdir-resources").spec).resources).map((r) => `${String(rec(r).apiVersion)}/${String(rec(r).kind)}`);
    expect(watched.sort()).toEqual(["snapshot.storage.k8s.io/v1/VolumeSnapshot", "v1/PersistentVolumeClaim", "v1/Pod"]);
    const routedKinds = ofKind("Trigger").map((t) => str(rec(rec(rec(t.spec).filter).attributes).kind)).filter((k): k is string => k !== undefined);
    expect([...new Set(routedKinds)].sort()).toEqual(["PersistentVolumeClaim", "Pod", "VolumeSnapshot"]);
  });

  it.each([...FunctionNames])("function %s: Service rafdir-<fn>, one image, entry point `rafdir-function <fn>`, own account, namespace from the downward API", (fn) => {
    const spec = rec(rec(rec(named("Service", serviceName(fn)).spec).template).spec);
    const container = rec(arr(spec.containers)[0]);
    expect(container.image).toBe("ghcr.io/rafdir/rafdir:0.1.0");
    expect(container.command).toEqual(["rafdir-function", fn]);
    expect(spec.serviceAccountName).toBe(serviceName(fn));
    expect(spec.timeoutSeconds).toBe(60);
    expect(arr(container.env)).toContainEqual({ name: "RAFDIR_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } });
  });

  it("the Serving feature flags the Services need are documented in knative/README.md", () => {
    const flags = new Set(ofKind("Service").flatMap((s) => checkRevisionSpec(rec(rec(rec(s.spec).template).spec)).flags));
    const readme = readFileSync(join(KNATIVE_DIR, "README.md"), "utf8");
    expect([...flags]).toEqual(["kubernetes.podspec-fieldref"]);
    for (const flag of flags) expect(readme).toContain(flag);
  });
});
