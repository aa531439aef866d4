// Garbage collector: cascades deletion along ownerReferences (background and foreground) and honours the
// orphan finalizer. It sweeps every stored object shortly after relevant store events, and periodically.
// The namespace controller lives in gc-namespace.ts and is re-exported here.
import type { Api } from "../apiserver/api.ts";
import type { StoreEvent } from "../apiserver/store.ts";
import type { KObject, OwnerReference, ResourceInfo } from "../apiserver/types.ts";
import { every, isConflict, isNotFound, type Controller, type ControllerContext } from "./framework.ts";
import { planGarbageCollection, servedResources, type GcAction, type GcNode, type OwnerKind } from "./gc-plan.ts";

export { NamespaceController } from "./gc-namespace.ts";
export { planGarbageCollection, namespaceConditions } from "./gc-plan.ts";

const SWEEP_DELAY_MS = 20;
const PERIODIC_SWEEP_MS = 3000;
/** Events pile up, neither own nor are owned by anything here, and leave with their namespace: not swept. */
const NOT_SWEPT: ReadonlySet<string> = new Set(["/events", "events.k8s.io/events"]);

/** Store changes after which a sweep may find something to do. */
export function gcRelevant(e: StoreEvent): boolean {
  if (e.type === "DELETED") return true;
  const meta = e.object.metadata;
  if (e.type === "ADDED") return (meta.ownerReferences ?? []).length > 0;
  const old = e.old?.metadata;
  if (!old) return true;
  if (JSON.stringify(old.ownerReferences ?? []) !== JSON.stringify(meta.ownerReferences ?? [])) return true;
  if (Boolean(old.deletionTimestamp) !== Boolean(meta.deletionTimestamp)) return true;
  return Boolean(meta.deletionTimestamp) && JSON.stringify(old.finalizers ?? []) !== JSON.stringify(meta.finalizers ?? []);
}

export class GarbageCollector implements Controller {
  readonly name = "garbage-collector";
  private readonly api: Api;
  private timer: NodeJS.Timeout | undefined;
  private stops: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly ctx: ControllerContext) {
    this.api = ctx.api;
  }

  start(): void {
    this.stopped = false;
    this.stops.push(this.api.store.subscribe((e) => !NOT_SWEPT.has(e.resource) && gcRelevant(e) && this.schedule()));
    this.stops.push(every(PERIODIC_SWEEP_MS, () => this.schedule()));
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const stop of this.stops) stop();
    this.stops = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Runs one pass now; returns the actions it took (tests and debugging). */
  sweep(): GcAction[] {
    const infos = servedResources(this.api.registry);
    const nodes: GcNode[] = [];
    for (const resource of new Set([...infos.keys(), ...this.api.store.resources()])) {
      if (!infos.has(resource) || NOT_SWEPT.has(resource)) continue; // e.g. left behind by a removed CRD
      for (const obj of this.api.store.list(resource)) nodes.push({ resource, obj });
    }
    const actions = planGarbageCollection(
      nodes,
      (ref) => this.kindOf(ref),
      (n) => n.resource === "/namespaces", // the namespace controller finalizes namespaces
    );
    let retry = false;
    for (const action of actions) {
      const info = infos.get(action.node.resource);
      if (!info) continue;
      try {
        this.apply(info, action);
      } catch (err) {
        if (isConflict(err)) retry = true;
        else if (!isNotFound(err)) {
          this.ctx.log.warn({ controller: this.name, action: action.type, object: describe(action.node.obj), err: String(err) }, "garbage collection step failed");
        }
      }
    }
    if (retry) this.schedule(200);
    return actions;
  }

  private schedule(delayMs = SWEEP_DELAY_MS): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.sweep();
    }, delayMs);
    this.timer.unref();
  }

  private kindOf(ref: OwnerReference): OwnerKind | undefined {
    const group = ref.apiVersion.includes("/") ? ref.apiVersion.split("/")[0] : "";
    const info = this.api.registry.forKind(ref.apiVersion, ref.kind) ?? this.api.registry.all().find((r) => r.group === group && r.kind === ref.kind);
    return info ? { resource: `${info.group}/${info.plural}`, namespaced: info.namespaced } : undefined;
  }

  private apply(info: ResourceInfo, action: GcAction): void {
    const { obj } = action.node;
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name ?? "";
    if (action.type === "delete") {
      this.ctx.log.debug({ controller: this.name, object: describe(obj), policy: action.policy }, "deleting dependent whose owners are gone");
      this.api.delete(info, ns, name, { propagationPolicy: action.policy, preconditions: { uid: obj.metadata.uid } });
      return;
    }
    const fresh = this.api.get(info, ns, name);
    if (fresh.metadata.uid !== obj.metadata.uid) return;
    if (action.type === "removeOwnerRefs") {
      const refs = (fresh.metadata.ownerReferences ?? []).filter((r) => !action.uids.includes(r.uid));
      if (refs.length > 0) fresh.metadata.ownerReferences = refs;
      else delete fresh.metadata.ownerReferences;
    } else {
      fresh.metadata.finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== action.finalizer);
    }
    this.api.update(info, ns, name, fresh);
  }
}

function describe(obj: KObject): string {
  return `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name ?? ""}`;
}
