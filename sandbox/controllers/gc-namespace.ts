// Namespace controller: empties a terminating namespace (every namespaced resource, custom ones included), waits
// for graceful deletions and finalizers, reports progress in status.conditions, then removes the namespace.
import type { KObject } from "../apiserver/types.ts";
import { isConflict, isNotFound, resources, type ControllerContext } from "./framework.ts";
import { FOREGROUND, ORPHAN, namespaceConditions, servedResources, type NamespaceContent } from "./gc-plan.ts";
import { QueuedController } from "./queued-controller.ts";
import { canonicalJson, dict, errorMessage, timestamp, writeStatus, type Condition } from "./workload-util.ts";

const RECHECK_MS = 1000;

export class NamespaceController extends QueuedController {
  private readonly r: ReturnType<typeof resources>;

  constructor(ctx: ControllerContext) {
    super("namespace-controller", ctx, 2000);
    this.r = resources(ctx.api);
  }

  protected subscribe(): Array<() => void> {
    return [
      this.api.store.subscribe((e) => {
        if (e.resource === "/namespaces") {
          if (e.type !== "DELETED" && e.object.metadata.deletionTimestamp) this.queue.enqueue(`/${e.object.metadata.name ?? ""}`);
          return;
        }
        const ns = e.object.metadata.namespace;
        if (!ns || (e.type !== "DELETED" && !e.object.metadata.deletionTimestamp)) return;
        if (this.api.store.get("/namespaces", undefined, ns)?.metadata.deletionTimestamp) this.queue.enqueue(`/${ns}`);
      }),
    ];
  }

  protected resync(): void {
    for (const ns of this.api.list(this.r.namespaces, undefined).items) {
      if (ns.metadata.deletionTimestamp) this.queue.enqueue(`/${ns.metadata.name ?? ""}`);
    }
  }

  protected reconcile(key: string): void {
    const name = key.slice(key.indexOf("/") + 1);
    const ns = this.api.tryGet(this.r.namespaces, undefined, name);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    const content = this.deleteContent(name);
    const holding = (ns.metadata.finalizers ?? []).filter((f) => f !== ORPHAN && f !== FOREGROUND);
    if (content.remaining.size === 0 && holding.length === 0) {
      this.ctx.log.info({ controller: this.name, namespace: name }, "namespace emptied, removing it");
      this.api.finalizeRemoval(this.r.namespaces, ns);
      return;
    }
    const status = dict(ns["status"]);
    const conditions = namespaceConditions((status["conditions"] ?? []) as Condition[], content, timestamp(this.ctx.now()));
    this.writeStatus(ns, { ...status, phase: "Terminating", conditions });
    this.queue.enqueue(key, RECHECK_MS);
  }

  private writeStatus(ns: KObject, status: Record<string, unknown>): void {
    writeStatus(this.api, this.r.namespaces, ns, status);
  }

  /** Deletes what is not yet being deleted; returns what is left and which finalizers hold it. */
  private deleteContent(namespace: string): NamespaceContent {
    const content: NamespaceContent = { remaining: new Map(), finalizers: new Map(), failures: [] };
    for (const info of servedResources(this.api.registry).values()) {
      if (!info.namespaced) continue;
      for (const obj of this.api.list(info, namespace).items) {
        if (obj.metadata.deletionTimestamp) continue;
        try {
          this.api.delete(info, namespace, obj.metadata.name ?? "", { propagationPolicy: "Background", preconditions: { uid: obj.metadata.uid } });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) content.failures.push(`${info.plural}.${info.group}: ${errorMessage(err)}`);
        }
      }
      const left: KObject[] = this.api.list(info, namespace).items;
      if (left.length === 0) continue;
      content.remaining.set(`${info.plural}.${info.group}`, left.length);
      for (const obj of left) {
        for (const f of obj.metadata.finalizers ?? []) content.finalizers.set(f, (content.finalizers.get(f) ?? 0) + 1);
      }
    }
    return content;
  }
}
