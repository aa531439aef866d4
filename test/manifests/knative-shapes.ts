// Strict shapes of the Knative objects rafdir deploys, at the Knative Serving/Eventing v1.15+ API. The generated
// @kubernetes-models/knative schemas type-check the fields they know but predate `filters`, `delivery.timeout` and
// friends and accept any unknown field, so a typo (`spec.filter.attribute`, `spec.schedual`) would pass them; these
// shapes reject every field the v1.15+ API does not have. Serving's PodSpec subset and its feature flags are here too.
import { z } from "zod";
import { isRecord, type JsonRecord } from "./objects.ts";

const stringMap = z.record(z.string(), z.string());

/** ISO-8601 duration as Knative parses it (PT0.5S, PT30S, P1D). */
export const ISO_DURATION = /^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

/** Seconds of a duration that uses only days, hours, minutes and seconds; undefined otherwise. */
export function durationSeconds(iso: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso);
  if (!m || iso === "P" || iso.endsWith("T")) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? 0 : Number(x)));
  return (d ?? 0) * 86400 + (h ?? 0) * 3600 + (min ?? 0) * 60 + (s ?? 0);
}

const duration = z.string().regex(ISO_DURATION, "must be an ISO-8601 duration such as PT0.5S");

const kReference = z.strictObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  group: z.string().optional(),
  address: z.string().optional(),
});

const destination = z
  .strictObject({ ref: kReference.optional(), uri: z.string().min(1).optional(), CACerts: z.string().optional(), audience: z.string().optional() })
  .refine((d) => d.ref !== undefined || d.uri !== undefined, "a destination needs ref or uri");

const delivery = z.strictObject({
  deadLetterSink: destination.optional(),
  retry: z.number().int().min(0).optional(),
  backoffPolicy: z.enum(["linear", "exponential"]).optional(),
  backoffDelay: duration.optional(),
  timeout: duration.optional(),
  retryAfterMax: duration.optional(),
  format: z.enum(["json", "binary"]).optional(),
});

const ceOverrides = z.strictObject({ extensions: stringMap.optional() });

const labelSelector = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(z.strictObject({ key: z.string().min(1), operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]), values: z.array(z.string()).optional() }))
    .optional(),
});

/** One `spec.filters` entry; "one dialect per entry" is a semantic check (checks.ts), not a shape. */
export interface FilterEntry {
  exact?: Record<string, string>;
  prefix?: Record<string, string>;
  suffix?: Record<string, string>;
  all?: FilterEntry[];
  any?: FilterEntry[];
  not?: FilterEntry;
  cesql?: string;
}

const filterEntry: z.ZodType<FilterEntry> = z.lazy(() =>
  z.strictObject({
    exact: stringMap.optional(),
    prefix: stringMap.optional(),
    suffix: stringMap.optional(),
    all: z.array(filterEntry).optional(),
    any: z.array(filterEntry).optional(),
    not: filterEntry.optional(),
    cesql: z.string().optional(),
  }),
);

/** A whole object: nothing beside apiVersion, kind, metadata (checked as ObjectMeta elsewhere) and spec. */
const resourceSpec = <T extends z.ZodRawShape>(kind: string, apiVersion: string, spec: T) =>
  z.strictObject({ apiVersion: z.literal(apiVersion), kind: z.literal(kind), metadata: z.record(z.string(), z.unknown()), spec: z.strictObject(spec) });

/** Shape of every Knative kind rafdir uses, by "apiVersion/Kind". The Service's pod template is checked separately. */
export const KNATIVE_SHAPES: ReadonlyMap<string, z.ZodType> = new Map<string, z.ZodType>([
  ["eventing.knative.dev/v1/Broker", resourceSpec("Broker", "eventing.knative.dev/v1", { config: kReference.optional(), delivery: delivery.optional() })],
  [
    "eventing.knative.dev/v1/Trigger",
    resourceSpec("Trigger", "eventing.knative.dev/v1", {
      broker: z.string().min(1),
      brokerRef: kReference.optional(),
      filter: z.strictObject({ attributes: stringMap.optional() }).optional(),
      filters: z.array(filterEntry).optional(),
      subscriber: destination,
      delivery: delivery.optional(),
    }),
  ],
  [
    "sources.knative.dev/v1/PingSource",
    resourceSpec("PingSource", "sources.knative.dev/v1", {
      schedule: z.string().min(1).optional(),
      timezone: z.string().min(1).optional(),
      contentType: z.string().min(1).optional(),
      data: z.string().optional(),
      dataBase64: z.string().optional(),
      sink: destination,
      ceOverrides: ceOverrides.optional(),
    }),
  ],
  [
    "sources.knative.dev/v1/ApiServerSource",
    resourceSpec("ApiServerSource", "sources.knative.dev/v1", {
      resources: z.array(z.strictObject({ apiVersion: z.string().min(1), kind: z.string().min(1), selector: labelSelector.optional() })).min(1),
      owner: z.strictObject({ apiVersion: z.string().min(1), kind: z.string().min(1) }).optional(),
      mode: z.enum(["Reference", "Resource"]).optional(),
      serviceAccountName: z.string().min(1).optional(),
      namespaceSelector: labelSelector.optional(),
      filters: z.array(filterEntry).optional(),
      sink: destination,
      ceOverrides: ceOverrides.optional(),
    }),
  ],
  [
    "sources.knative.dev/v1/SinkBinding",
    resourceSpec("SinkBinding", "sources.knative.dev/v1", {
      subject: z
        .strictObject({
          apiVersion: z.string().min(1),
          kind: z.string().min(1),
          namespace: z.string().min(1).optional(),
          name: z.string().min(1).optional(),
          selector: labelSelector.optional(),
        })
        .refine((s) => (s.name === undefined) !== (s.selector === undefined), "subject needs exactly one of name and selector"),
      sink: destination,
      ceOverrides: ceOverrides.optional(),
    }),
  ],
  [
    "serving.knative.dev/v1/Service",
    resourceSpec("Service", "serving.knative.dev/v1", {
      template: z.strictObject({
        metadata: z.strictObject({ name: z.string().optional(), labels: stringMap.optional(), annotations: stringMap.optional() }).optional(),
        spec: z.record(z.string(), z.unknown()),
      }),
      traffic: z.array(z.record(z.string(), z.unknown())).optional(),
    }),
  ],
]);

/** Revision fields Knative adds to the PodSpec. */
export const REVISION_FIELDS = new Set(["containerConcurrency", "timeoutSeconds", "responseStartTimeoutSeconds", "idleTimeoutSeconds"]);

/** PodSpec fields Knative Serving accepts with its default config-features. */
const PODSPEC_ALLOWED = new Set(["containers", "volumes", "serviceAccountName", "imagePullSecrets", "enableServiceLinks", "automountServiceAccountToken"]);

/** PodSpec fields behind a Serving feature flag (knative-serving/config-features), by field. */
const PODSPEC_FLAGS: Readonly<Record<string, string>> = {
  affinity: "kubernetes.podspec-affinity",
  nodeSelector: "kubernetes.podspec-nodeselector",
  tolerations: "kubernetes.podspec-tolerations",
  securityContext: "kubernetes.podspec-securitycontext",
  runtimeClassName: "kubernetes.podspec-runtimeclassname",
  priorityClassName: "kubernetes.podspec-priorityclassname",
  schedulerName: "kubernetes.podspec-schedulername",
  hostAliases: "kubernetes.podspec-hostaliases",
  topologySpreadConstraints: "kubernetes.podspec-topologyspreadconstraints",
  dnsPolicy: "kubernetes.podspec-dnspolicy",
  dnsConfig: "kubernetes.podspec-dnsconfig",
  hostNetwork: "kubernetes.podspec-hostnetwork",
  hostPID: "kubernetes.podspec-hostpid",
  hostIPC: "kubernetes.podspec-hostipc",
  initContainers: "kubernetes.podspec-init-containers",
  shareProcessNamespace: "kubernetes.podspec-shareprocessnamespace",
};

/** Container fields Knative Serving accepts (others, e.g. lifecycle or stdin, are rejected by its webhook). */
const CONTAINER_ALLOWED = new Set([
  "name", "image", "command", "args", "env", "envFrom", "imagePullPolicy", "ports", "resources", "securityContext",
  "livenessProbe", "readinessProbe", "startupProbe", "terminationMessagePath", "terminationMessagePolicy", "volumeMounts", "workingDir",
]);

export interface RevisionCheck {
  problems: string[];
  /** Serving feature flags the template needs enabled beyond the defaults. */
  flags: string[];
}

/** What Knative Serving's webhook would say about a revision template's spec (the fields it gates or refuses). */
export function checkRevisionSpec(spec: JsonRecord): RevisionCheck {
  const problems: string[] = [];
  const flags = new Set<string>();
  for (const key of Object.keys(spec)) {
    if (REVISION_FIELDS.has(key) || PODSPEC_ALLOWED.has(key)) continue;
    const flag = PODSPEC_FLAGS[key];
    if (flag) flags.add(flag);
    else problems.push(`spec.template.spec.${key} is not allowed in a Knative revision`);
  }
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  if (containers.length !== 1) problems.push(`a Knative revision here has exactly one container, found ${containers.length}`);
  containers.forEach((c, i) => {
    if (!isRecord(c)) return;
    for (const key of Object.keys(c)) {
      if (!CONTAINER_ALLOWED.has(key)) problems.push(`spec.template.spec.containers[${i}].${key} is not allowed by Knative Serving`);
    }
    const ports = Array.isArray(c.ports) ? c.ports : [];
    if (ports.length > 1) problems.push(`spec.template.spec.containers[${i}].ports: Knative allows one port`);
    for (const p of ports) {
      const name = isRecord(p) ? p.name : undefined;
      if (name !== undefined && name !== "http1" && name !== "h2c") problems.push(`port name ${String(name)} must be http1 or h2c`);
    }
    for (const e of Array.isArray(c.env) ? c.env : []) {
      const from = isRecord(e) && isRecord(e.valueFrom) ? e.valueFrom : {};
      if ("fieldRef" in from || "resourceFieldRef" in from) flags.add("kubernetes.podspec-fieldref");
    }
  });
  return { problems, flags: [...flags].sort() };
}
