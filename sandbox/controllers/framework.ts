// What every in-process sandbox controller shares: the API, a work queue with retries, and store-event subscriptions.
import type { Api } from "../apiserver/api.ts";
import type { StoreEvent } from "../apiserver/store.ts";
import { ApiError, type KObject, type ResourceInfo } from "../apiserver/types.ts";

export interface Logger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
  debug(obj: Record<string, unknown>, msg: string): void;
}

export interface ControllerContext {
  api: Api;
  /** The sandbox directory: volumes, snapshots, pod state live below it. */
  dataDir: string;
  log: Logger;
  now: () => Date;
}

export interface Controller {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

/** A keyed, de-duplicating work queue that runs one reconcile at a time per key and retries failures with backoff. */
export class WorkQueue {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private stopped = false;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly name: string,
    private readonly reconcile: (key: string) => Promise<void> | void,
    private readonly log: Logger,
  ) {}

  enqueue(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    const existing = this.pending.get(key);
    if (existing) {
      if (delayMs > 0) return; // an earlier (or equal) run is already scheduled
      clearTimeout(existing);
    }
    this.pending.set(key, setTimeout(() => this.run(key), delayMs));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private run(key: string): void {
    this.pending.delete(key);
    if (this.stopped) return;
    this.running.add(key);
    const p = (async () => {
      try {
        await this.reconcile(key);
        this.failures.delete(key);
      } catch (err) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        const level = err instanceof ApiError && err.code === 409 ? "debug" : "warn";
        this.log[level]({ controller: this.name, key, err: err instanceof Error ? err.message : String(err), attempt: n }, "reconcile failed, will retry");
        this.running.delete(key);
        this.enqueue(key, Math.min(5000, 50 * 2 ** Math.min(n, 7)));
        return;
      } finally {
        this.running.delete(key);
      }
      if (this.again.delete(key)) this.enqueue(key);
    })();
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }
}

export function objectKey(obj: KObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf("/");
  const ns = key.slice(0, i);
  return { namespace: ns === "" ? undefined : ns, name: key.slice(i + 1) };
}

/** Calls `onEvent` for every store change to one of the given resources ("<group>/<plural>"). Returns an unsubscribe. */
export function onResources(api: Api, resources: string[], onEvent: (e: StoreEvent) => void): () => void {
  const wanted = new Set(resources);
  return api.store.subscribe((e) => {
    if (wanted.has(e.resource)) onEvent(e);
  });
}

/** Runs `fn` every `ms` until stopped; returns the stopper. */
export function every(ms: number, fn: () => void): () => void {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
}

/** Well-known resources, looked up once per controller. */
export function resources(api: Api) {
  const r = (group: string, version: string, plural: string): ResourceInfo => api.resource(group, version, plural);
  return {
    namespaces: r("", "v1", "namespaces"),
    pods: r("", "v1", "pods"),
    pvcs: r("", "v1", "persistentvolumeclaims"),
    pvs: r("", "v1", "persistentvolumes"),
    nodes: r("", "v1", "nodes"),
    configmaps: r("", "v1", "configmaps"),
    secrets: r("", "v1", "secrets"),
    deployments: r("apps", "v1", "deployments"),
    replicasets: r("apps", "v1", "replicasets"),
    statefulsets: r("apps", "v1", "statefulsets"),
    storageclasses: r("storage.k8s.io", "v1", "storageclasses"),
  };
}

/** snapshot.storage.k8s.io resources (served once the CRDs are installed). */
export function snapshotResources(api: Api) {
  return {
    snapshots: api.resource("snapshot.storage.k8s.io", "v1", "volumesnapshots"),
    contents: api.resource("snapshot.storage.k8s.io", "v1", "volumesnapshotcontents"),
    classes: api.resource("snapshot.storage.k8s.io", "v1", "volumesnapshotclasses"),
  };
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409;
}
