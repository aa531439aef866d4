// Semantic checks the schemas miss: references that must resolve, filters the broker would reject or that route
// nothing, sources that would not start, RBAC that would not suffice. Each check takes every rendered object and
// returns its problems, one readable line each ([] = fine), so a test can show all of them at once and a negative
// test can prove a check actually fires.
import { Cron } from "croner";
import { exactType, filterSyntaxProblems } from "./filters.ts";
import { ISO_DURATION, durationSeconds } from "./knative-shapes.ts";
import { can, danglingBindings, wildcardRules } from "./rbac.ts";
import { CLUSTER_SCOPED } from "./schemas.ts";
import { arr, groupOf, isRecord, label, rec, str, type JsonRecord, type KObject } from "./objects.ts";

export const NAMESPACE = "backup";
export const BROKER = "rafdir";
/** Marks objects rafdir creates at runtime: the ApiServerSource watches them, the janitor deletes them. */
export const MANAGED_BY = ["app.kubernetes.io/managed-by", "rafdir"] as const;

const SERVICE_API = "serving.knative.dev/v1";
const BROKER_API = "eventing.knative.dev/v1";

export type Check = (objects: readonly KObject[]) => string[];

const ofKind = (objects: readonly KObject[], kind: string, apiVersion?: string): KObject[] =>
  objects.filter((o) => o.kind === kind && (apiVersion === undefined || o.apiVersion === apiVersion));

function find(objects: readonly KObject[], apiVersion: string, kind: string, namespace: string | undefined, name: string): KObject | undefined {
  return objects.find((o) => o.apiVersion === apiVersion && o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
}

/** Problems of a sink/subscriber/dead-letter destination that must be a ref to an object in these manifests. */
function refProblems(objects: readonly KObject[], owner: KObject, dest: unknown, what: string, want: { apiVersion: string; kind: string; name?: string }): string[] {
  const ref = rec(rec(dest).ref);
  const apiVersion = str(ref.apiVersion);
  const kind = str(ref.kind);
  const name = str(ref.name) ?? "";
  const ns = str(ref.namespace) ?? owner.metadata.namespace;
  if (apiVersion !== want.apiVersion || kind !== want.kind) return [`${label(owner)}: ${what} must be a ref to a ${want.apiVersion} ${want.kind}`];
  if (want.name !== undefined && name !== want.name) return [`${label(owner)}: ${what} must be ${want.kind} ${want.name}, not ${name}`];
  if (!find(objects, apiVersion, kind, ns, name)) return [`${label(owner)}: ${what} ${kind} ${ns ?? ""}/${name} is not defined in the manifests`];
  return [];
}

export const namespaces: Check = (objects) => {
  const out: string[] = [];
  if (!objects.some((o) => o.kind === "Namespace" && o.metadata.name === NAMESPACE)) out.push(`Namespace ${NAMESPACE} is not defined`);
  const seen = new Set<string>();
  for (const o of objects) {
    const scoped = CLUSTER_SCOPED.has(o.kind);
    if (scoped && o.metadata.namespace !== undefined) out.push(`${label(o)}: cluster-scoped, must have no namespace`);
    if (!scoped && o.metadata.namespace !== NAMESPACE) out.push(`${label(o)}: must be in namespace ${NAMESPACE}`);
    const id = `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    if (seen.has(id)) out.push(`${label(o)}: defined twice`);
    seen.add(id);
  }
  return out;
};

export const brokers: Check = (objects) => {
  const out: string[] = [];
  const list = ofKind(objects, "Broker", BROKER_API);
  if (list.length !== 1 || list[0]?.metadata.name !== BROKER) return [`exactly one Broker, named ${BROKER}, expected; found [${list.map((b) => b.metadata.name).join(", ")}]`];
  const b = list[0];
  const cls = b.metadata.annotations?.["eventing.knative.dev/broker.class"];
  if (!cls) out.push(`${label(b)}: no eventing.knative.dev/broker.class annotation`);
  const usingFilters = ofKind(objects, "Trigger", BROKER_API).filter((t) => arr(rec(t.spec).filters).length > 0);
  if (usingFilters.length > 0 && cls !== "MTChannelBasedBroker" && cls !== "Kafka") {
    out.push(`${label(b)}: class ${String(cls)} ignores Trigger filters (only MTChannelBasedBroker and Kafka support them), used by ${usingFilters.map((t) => t.metadata.name).join(", ")}`);
  }
  const d = rec(rec(b.spec).delivery);
  if (typeof d.retry !== "number" || d.retry < 1) out.push(`${label(b)}: delivery.retry must be at least 1`);
  if (d.backoffPolicy !== "exponential" && d.backoffPolicy !== "linear") out.push(`${label(b)}: delivery.backoffPolicy must be set`);
  for (const f of ["backoffDelay", "timeout"]) {
    if (!ISO_DURATION.test(str(d[f]) ?? "")) out.push(`${label(b)}: delivery.${f} must be an ISO-8601 duration`);
  }
  const dls = rec(d.deadLetterSink);
  out.push(...refProblems(objects, b, dls, "delivery.deadLetterSink", { apiVersion: SERVICE_API, kind: "Service" }));
  const timeout = durationSeconds(str(d.timeout) ?? "");
  for (const s of ofKind(objects, "Service", SERVICE_API)) {
    const limit = rec(rec(rec(s.spec).template).spec).timeoutSeconds;
    if (timeout !== undefined && typeof limit === "number" && timeout > limit) out.push(`${label(b)}: delivery.timeout ${String(d.timeout)} exceeds ${label(s)} timeoutSeconds ${limit}`);
  }
  return out;
};

export const triggers: Check = (objects) => {
  const out: string[] = [];
  const routes = new Map<string, string>();
  for (const t of ofKind(objects, "Trigger", BROKER_API)) {
    const spec = rec(t.spec);
    if (spec.broker !== BROKER) out.push(`${label(t)}: spec.broker must be ${BROKER}, not ${String(spec.broker)}`);
    if (rec(spec.subscriber).uri !== undefined) out.push(`${label(t)}: subscriber must be a ref only, not a uri`);
    out.push(...refProblems(objects, t, spec.subscriber, "subscriber", { apiVersion: SERVICE_API, kind: "Service" }));
    out.push(...filterSyntaxProblems(t).map((p) => `${label(t)}: ${p}`));
    if (exactType(t) === undefined) out.push(`${label(t)}: must filter on one exact type`);
    if (spec.delivery !== undefined) out.push(`${label(t)}: own delivery replaces the Broker's retries and dead-letter sink entirely`);
    const route = JSON.stringify([spec.filter ?? null, spec.filters ?? null, rec(rec(spec.subscriber).ref).name ?? null]);
    const twin = routes.get(route);
    if (twin) out.push(`${label(t)}: same filter and subscriber as Trigger ${twin} (every event would arrive twice)`);
    routes.set(route, t.metadata.name);
  }
  return out;
};

/** Problems of a PingSource cron expression as Knative accepts it: five fields or a descriptor, never @every. */
export function cronProblems(schedule: string, timezone: string | undefined): string[] {
  const out: string[] = [];
  const descriptor = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(schedule);
  if (!descriptor && schedule.trim().split(/\s+/).length !== 5) out.push(`schedule "${schedule}" must have five fields (or be a descriptor; @every is rejected)`);
  try {
    new Cron(schedule, { paused: true, ...(timezone ? { timezone } : {}) }).stop();
  } catch (e) {
    out.push(`schedule "${schedule}": ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}

/** An IANA zone name (Etc/UTC, Europe/Berlin) as Intl knows them; UTC offsets like +02:00 are not zone names. */
export function isIanaTimeZone(tz: string): boolean {
  if (/^[+-]/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const pingSources: Check = (objects) =>
  ofKind(objects, "PingSource").flatMap((p) => {
    const spec = rec(p.spec);
    const out: string[] = [];
    const schedule = str(spec.schedule);
    const tz = str(spec.timezone);
    if (!schedule) out.push("no schedule (Knative would default to every minute)");
    else out.push(...cronProblems(schedule, tz && isIanaTimeZone(tz) ? tz : undefined));
    if (tz === undefined || !isIanaTimeZone(tz)) out.push(`timezone ${String(tz)} is not an IANA time zone`);
    const hasData = typeof spec.data === "string";
    const hasB64 = typeof spec.dataBase64 === "string";
    if (hasData === hasB64) out.push("exactly one of data and dataBase64 is needed");
    if (hasData && str(spec.contentType)?.startsWith("application/json")) {
      try {
        JSON.parse(str(spec.data) ?? "");
      } catch {
        out.push("contentType is application/json but data is not JSON");
      }
    }
    out.push(...refProblems(objects, p, spec.sink, "sink", { apiVersion: BROKER_API, kind: "Broker", name: BROKER }).map((x) => x.replace(`${label(p)}: `, "")));
    return out.map((x) => `${label(p)}: ${x}`);
  });

/** The plural resource Knative guesses for a kind (meta.UnsafeGuessKindToResource). */
export function guessResource(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith("s")) return `${k}es`;
  if (k.endsWith("y")) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

function selectsManaged(selector: unknown): boolean {
  return rec(rec(selector).matchLabels)[MANAGED_BY[0]] === MANAGED_BY[1];
}

export const apiServerSources: Check = (objects) =>
  ofKind(objects, "ApiServerSource").flatMap((s) => {
    const spec = rec(s.spec);
    const ns = s.metadata.namespace ?? NAMESPACE;
    const out: string[] = [];
    if (spec.mode !== "Resource") out.push(`mode must be Resource (full objects), not ${String(spec.mode ?? "Reference (default)")}`);
    const sa = str(spec.serviceAccountName);
    if (!sa || !find(objects, "v1", "ServiceAccount", ns, sa)) out.push(`serviceAccountName ${String(sa)} is not a ServiceAccount in ${ns}`);
    const allNamespaces = isRecord(spec.namespaceSelector) && Object.keys(spec.namespaceSelector).length === 0;
    arr(spec.resources).forEach((raw, i) => {
      const r = rec(raw);
      if (!selectsManaged(r.selector)) out.push(`resources[${i}] ${String(r.kind)}: selector must match ${MANAGED_BY.join("=")}`);
      const resource = guessResource(str(r.kind) ?? "");
      for (const verb of ["get", "list", "watch"]) {
        const req = { verb, group: groupOf(str(r.apiVersion) ?? ""), resource, namespace: allNamespaces ? "*" : ns };
        if (sa && !can(objects, { namespace: ns, name: sa }, req)) out.push(`${sa} cannot ${verb} ${resource} in ${allNamespaces ? "all namespaces" : ns}`);
      }
    });
    out.push(...refProblems(objects, s, spec.sink, "sink", { apiVersion: BROKER_API, kind: "Broker", name: BROKER }).map((x) => x.replace(`${label(s)}: `, "")));
    return out.map((x) => `${label(s)}: ${x}`);
  });

function intAnnotation(annotations: JsonRecord, key: string): number | undefined {
  const v = str(annotations[key]);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export const services: Check = (objects) => {
  const list = ofKind(objects, "Service", SERVICE_API);
  const images = new Set<string>();
  const out = list.flatMap((s) => {
    const ns = s.metadata.namespace ?? NAMESPACE;
    const template = rec(rec(s.spec).template);
    const spec = rec(template.spec);
    const annotations = rec(rec(template.metadata).annotations);
    const p: string[] = [];
    const sa = str(spec.serviceAccountName);
    if (!sa || !find(objects, "v1", "ServiceAccount", ns, sa)) p.push(`serviceAccountName ${String(sa)} is not a ServiceAccount in ${ns}`);
    if (s.metadata.labels?.["networking.knative.dev/visibility"] !== "cluster-local") p.push("must be labelled networking.knative.dev/visibility=cluster-local");
    const timeout = spec.timeoutSeconds;
    if (typeof timeout !== "number" || timeout < 1 || timeout > 600) p.push("timeoutSeconds must be set, 1..600 (max-revision-timeout-seconds)");
    const min = intAnnotation(annotations, "autoscaling.knative.dev/min-scale");
    const max = intAnnotation(annotations, "autoscaling.knative.dev/max-scale");
    if (min === undefined || max === undefined || max < 1 || min > max) p.push("needs integer min-scale <= max-scale annotations, max-scale >= 1");
    for (const c of arr(spec.containers)) {
      const image = str(rec(c).image);
      if (image) images.add(image);
      if (arr(rec(c).command).length === 0) p.push("container has no command");
    }
    return p.map((x) => `${label(s)}: ${x}`);
  });
  if (images.size > 1) out.push(`all functions run one image, found ${[...images].join(", ")}`);
  return out;
};

export const sinkBindings: Check = (objects) =>
  ofKind(objects, "SinkBinding").flatMap((b) => {
    const spec = rec(b.spec);
    const subject = rec(spec.subject);
    const wanted = rec(rec(subject.selector).matchLabels);
    const matched = objects.filter(
      (o) =>
        o.apiVersion === subject.apiVersion &&
        o.kind === subject.kind &&
        o.metadata.namespace === b.metadata.namespace &&
        (subject.name !== undefined ? o.metadata.name === subject.name : Object.entries(wanted).every(([k, v]) => o.metadata.labels?.[k] === v)),
    );
    const out = matched.length === 0 ? [`${label(b)}: subject matches no object in the manifests`] : [];
    return [...out, ...refProblems(objects, b, spec.sink, "sink", { apiVersion: BROKER_API, kind: "Broker", name: BROKER })];
  });

export const reservedLabel: Check = (objects) =>
  objects.flatMap((o) => {
    const own = o.metadata.labels?.[MANAGED_BY[0]] === MANAGED_BY[1];
    const template = rec(rec(rec(rec(o.spec).template).metadata).labels)[MANAGED_BY[0]] === MANAGED_BY[1];
    return own || template ? [`${label(o)}: ${MANAGED_BY.join("=")} is reserved for objects rafdir creates at runtime (watched and swept)`] : [];
  });

export const rbac: Check = (objects) => {
  const out = [...danglingBindings(objects), ...wildcardRules(objects)];
  for (const b of objects.filter((o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding")) {
    for (const s of arr(b.subjects)) {
      const x = rec(s);
      const ns = str(x.namespace) ?? b.metadata.namespace;
      if (x.kind === "ServiceAccount" && !find(objects, "v1", "ServiceAccount", ns, str(x.name) ?? "")) out.push(`${label(b)}: subject ServiceAccount ${ns ?? ""}/${String(x.name)} is not defined`);
    }
  }
  return out;
};

export const CHECKS: Readonly<Record<string, Check>> = { namespaces, brokers, triggers, pingSources, apiServerSources, services, sinkBindings, reservedLabel, rbac };

/** Every semantic problem, by check name. */
export function semanticProblems(objects: readonly KObject[]): Record<string, string[]> {
  return Object.fromEntries(Object.entries(CHECKS).map(([name, check]) => [name, check(objects)]));
}

