// ApiServerSource: watches the sandbox API server in process for the listed kinds and label selectors (in the
// source's namespace, or the namespaces its namespaceSelector picks) from the current resourceVersion — objects
// present at start send no add, as the real adapter — and emits dev.knative.apiserver.{resource,ref}.* events.
import { randomUUID } from "node:crypto";
import type { Api, WatchEvent } from "../apiserver/api.ts";
import { labelSelectorFromObject } from "../apiserver/selectors.ts";
import type { KObject, ResourceInfo } from "../apiserver/types.ts";
import type { Envelope } from "./envelope.ts";
import type { ApiServerSourceObject, Destination, LabelSelector } from "./manifest-schemas.ts";
import { AsyncQueue } from "./queue.ts";
import { sendFromSource, type SourceDeps } from "./source-send.ts";

export type Action = "add" | "update" | "delete";

export const ACTIONS: Readonly<Record<WatchEvent["type"], Action>> = { ADDED: "add", MODIFIED: "update", DELETED: "delete" };

export interface ApiSourceRuntime {
  namespace: string;
  name: string;
  mode: "Reference" | "Resource";
  resources: Array<{ apiVersion: string; kind: string; labelSelector: string }>;
  /** Undefined: only the source's namespace. */
  namespaceSelector: LabelSelector | undefined;
  owner: { apiVersion: string; kind: string } | undefined;
  sink: Destination;
  extensions: Record<string, string>;
}

/** Validates selectors; throws a message naming the bad one. */
export function apiSourceRuntime(obj: ApiServerSourceObject, namespace: string): ApiSourceRuntime {
  const s = obj.spec;
  if (s.namespaceSelector) labelSelectorFromObject(s.namespaceSelector);
  return {
    namespace,
    name: obj.metadata.name,
    mode: s.mode,
    resources: s.resources.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, labelSelector: r.selector ? labelSelectorFromObject(r.selector).toString() : "" })),
    namespaceSelector: s.namespaceSelector,
    owner: s.owner,
    sink: s.sink,
    extensions: { ...(s.ceOverrides?.extensions ?? {}) },
  };
}

/** `/apis/<apiVersion>/namespaces/<ns>/<plural>/<name>` — `/apis/v1/...` for the core group too, as Knative does. */
export function selfLink(apiVersion: string, namespace: string, plural: string, name: string): string {
  return `/apis/${apiVersion}/namespaces/${namespace}/${plural}/${name}`;
}

/** One event as the Knative adapter sends it. */
export function apiServerEvent(action: Action, obj: KObject, plural: string, src: Pick<ApiSourceRuntime, "mode" | "extensions">, apiServerUrl: string, id: string, now: Date): Envelope {
  const name = obj.metadata.name ?? "";
  const namespace = obj.metadata.namespace ?? "";
  const data =
    src.mode === "Resource" ? obj : { apiVersion: obj.apiVersion, kind: obj.kind, name, namespace };
  return {
    attrs: {
      ...src.extensions,
      specversion: "1.0",
      id,
      type: `dev.knative.apiserver.${src.mode === "Resource" ? "resource" : "ref"}.${action}`,
      source: apiServerUrl,
      subject: selfLink(obj.apiVersion, namespace, plural, name),
      time: now.toISOString(),
      datacontenttype: "application/json",
      kind: obj.kind,
      apiversion: obj.apiVersion,
      name,
      namespace,
    },
    data: Buffer.from(JSON.stringify(data), "utf8"),
  };
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
}

export function ownedBy(obj: KObject, owner: { apiVersion: string; kind: string } | undefined): boolean {
  if (!owner) return true;
  return (obj.metadata.ownerReferences ?? []).some((r) => r.kind === owner.kind && groupOf(r.apiVersion) === groupOf(owner.apiVersion));
}

export interface ApiSourceDeps extends SourceDeps {
  api: Api;
  apiServerUrl: string;
  now: () => Date;
}

const RETRY_WATCH_MS = 2000;

export class ApiServerSources {
  private readonly stops: Array<() => void> = [];
  private readonly queues: Array<AsyncQueue<Envelope>> = [];
  private stopped = false;

  constructor(
    private readonly sources: readonly ApiSourceRuntime[],
    private readonly deps: ApiSourceDeps,
  ) {}

  start(): void {
    for (const src of this.sources) {
      const by = `ApiServerSource ${src.namespace}/${src.name}`;
      // One ordered queue per source: events leave in watch order.
      const queue = new AsyncQueue<Envelope>((ev) => sendFromSource(ev, src.sink, src.namespace, by, this.deps).then(() => undefined), 1, (err) =>
        this.deps.log.error({ source: by, err: String(err) }, "ApiServerSource send crashed"),
      );
      this.queues.push(queue);
      for (const r of src.resources) this.watch(src, r, queue, by);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.stops.splice(0)) s();
    for (const q of this.queues) q.stop();
  }

  /** Resolves when every queued event has been sent (tests). */
  async idle(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.idle()));
  }

  private watch(src: ApiSourceRuntime, r: ApiSourceRuntime["resources"][number], queue: AsyncQueue<Envelope>, by: string): void {
    if (this.stopped) return;
    let info: ResourceInfo;
    try {
      info = this.deps.api.forKind(r.apiVersion, r.kind);
    } catch {
      this.deps.log.warn({ source: by, apiVersion: r.apiVersion, kind: r.kind }, "ApiServerSource: kind not served (yet); retrying");
      const t = setTimeout(() => this.watch(src, r, queue, by), RETRY_WATCH_MS);
      t.unref();
      this.stops.push(() => clearTimeout(t));
      return;
    }
    const nsScope = src.namespaceSelector === undefined ? src.namespace : undefined;
    const nsMatcher = src.namespaceSelector ? labelSelectorFromObject(src.namespaceSelector) : undefined;
    const namespaces = this.deps.api.resource("", "v1", "namespaces");
    const opts = { labelSelector: r.labelSelector || undefined };
    const { resourceVersion } = this.deps.api.list(info, nsScope, opts);
    const stop = this.deps.api.watch(info, nsScope, { ...opts, resourceVersion }, (e) => {
      const obj = e.object;
      if (nsMatcher && info.namespaced) {
        const ns = this.deps.api.tryGet(namespaces, undefined, obj.metadata.namespace ?? "");
        if (!nsMatcher.matches(ns?.metadata.labels)) return;
      }
      if (!ownedBy(obj, src.owner)) return;
      queue.push(apiServerEvent(ACTIONS[e.type], obj, info.plural, src, this.deps.apiServerUrl, randomUUID(), this.deps.now()));
    });
    this.stops.push(stop);
  }
}
