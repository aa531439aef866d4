// Resolving a Knative destination (Trigger subscriber, dead-letter sink, source sink) to a local URL, pure.
// Service refs map through the runner's table (service → local base URL); Broker refs go to the local ingress;
// cluster-local URIs (<svc>.<ns>.svc.cluster.local, broker-ingress.knative-eventing…) are mapped as well.
import type { Destination } from "./manifest-schemas.ts";

export interface ResolveContext {
  /** http://127.0.0.1:<port> of the broker ingress. */
  ingressBase: string;
  /** Known brokers as "namespace/name". */
  brokers: ReadonlySet<string>;
  /** Local base URLs by "namespace/name" or, as a fallback, by bare service name. */
  services: ReadonlyMap<string, string>;
}

export type Resolved = { ok: true; url: string } | { ok: false; error: string };

const BROKER_INGRESS_HOSTS = new Set(["broker-ingress.knative-eventing.svc.cluster.local", "broker-ingress.knative-eventing.svc"]);

function join(base: string, uri: string | undefined): string {
  if (!uri) return base;
  return new URL(uri, base.endsWith("/") ? base : `${base}/`).toString();
}

function service(ctx: ResolveContext, ns: string, name: string): string | undefined {
  return ctx.services.get(`${ns}/${name}`) ?? ctx.services.get(name);
}

export function resolveDestination(dest: Destination, namespace: string, ctx: ResolveContext): Resolved {
  if (dest.ref) {
    const ns = dest.ref.namespace ?? namespace;
    const group = (dest.ref.apiVersion ?? "").split("/")[0] ?? "";
    const what = `${dest.ref.kind} ${ns}/${dest.ref.name}`;
    if (dest.ref.kind === "Broker" && (group === "eventing.knative.dev" || group === "")) {
      if (!ctx.brokers.has(`${ns}/${dest.ref.name}`)) return { ok: false, error: `${what} does not exist in the sandbox` };
      return { ok: true, url: `${ctx.ingressBase}/${ns}/${dest.ref.name}` };
    }
    if (dest.ref.kind === "Service" && (group === "serving.knative.dev" || group === "v1" || group === "")) {
      const base = service(ctx, ns, dest.ref.name);
      if (!base) return { ok: false, error: `${what} is not running locally (no function started for it)` };
      return { ok: true, url: join(base, dest.uri) };
    }
    return { ok: false, error: `cannot resolve ${dest.ref.apiVersion ?? ""} ${what} locally` };
  }
  const uri = dest.uri ?? "";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, error: `invalid uri ${JSON.stringify(uri)}` };
  }
  const path = `${url.pathname}${url.search}`;
  if (BROKER_INGRESS_HOSTS.has(url.hostname)) return { ok: true, url: `${ctx.ingressBase}${path}` };
  const labels = url.hostname.split(".");
  const clusterLocal = labels.length === 2 || (labels.length === 3 && labels[2] === "svc") || url.hostname.endsWith(".svc.cluster.local");
  if (clusterLocal && labels.length >= 2) {
    const base = service(ctx, labels[1] ?? "", labels[0] ?? "");
    if (base) return { ok: true, url: join(base, path) };
  }
  return { ok: true, url: url.toString() };
}
