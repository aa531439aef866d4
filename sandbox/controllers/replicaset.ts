// ReplicaSet controller: keeps spec.replicas active pods from the template, adopting matching orphans,
// deleting surplus (least useful first) and reporting replicas/ready/available in status.
import { deepCopy } from "../apiserver/store.ts";
import type { KObject } from "../apiserver/types.ts";
import { objectKey, resources, splitKey, onResources, type ControllerContext } from "./framework.ts";
import { QueuedController } from "./queued-controller.ts";
import {
  claimObjects,
  controllerRef,
  controllerRefTo,
  dict,
  errorMessage,
  isDeleting,
  isNotFoundError,
  isPermanent,
  isPodActive,
  isPodReady,
  msUntilAvailable,
  num,
  omitZero,
  podPhase,
  selectorMatches,
  setCondition,
  timestamp,
  writeStatus,
  type Condition,
  type Dict,
  type PodTemplate,
} from "./workload-util.ts";

interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector?: { matchLabels?: Record<string, string> };
  template?: PodTemplate;
}

export interface ReplicaSetPlan {
  /** How many pods to create. */
  create: number;
  /** Names of pods to delete, most expendable first. */
  delete: string[];
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Orders pods most expendable first (controller.ActivePods): unscheduled, pending, not ready, newest. */
export function compareForDeletion(a: KObject, b: KObject): number {
  const assigned = (p: KObject) => (dict(p["spec"])["nodeName"] ? 1 : 0);
  const phase = (p: KObject) => PHASE_RANK[podPhase(p)] ?? 0;
  const ready = (p: KObject) => (isPodReady(p) ? 1 : 0);
  const created = (p: KObject) => p.metadata.creationTimestamp ?? "";
  return (
    assigned(a) - assigned(b) ||
    phase(a) - phase(b) ||
    ready(a) - ready(b) ||
    created(b).localeCompare(created(a)) ||
    (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "")
  );
}

/** What to do about the pods a ReplicaSet controls so that `replicas` are active. */
export function decideReplicaSetPods(replicas: number, pods: KObject[]): ReplicaSetPlan {
  const active = pods.filter(isPodActive);
  const diff = active.length - Math.max(0, replicas);
  if (diff < 0) return { create: -diff, delete: [] };
  if (diff === 0) return { create: 0, delete: [] };
  return { create: 0, delete: [...active].sort(compareForDeletion).slice(0, diff).map((p) => p.metadata.name ?? "") };
}

export interface ReplicaSetStatusResult {
  status: Dict;
  /** When a ready pod becomes available (minReadySeconds), reconcile again after this many ms. */
  requeueMs?: number;
}

/** The status a ReplicaSet reports for the pods it controls. */
export function replicaSetStatus(rs: KObject, pods: KObject[], nowMs: number, failure?: string): ReplicaSetStatusResult {
  const spec = dict(rs["spec"]) as ReplicaSetSpec;
  const minReady = num(spec.minReadySeconds, 0);
  const templateLabels = spec.template?.metadata?.labels ?? {};
  const active = pods.filter(isPodActive);
  let requeueMs: number | undefined;
  let available = 0;
  for (const pod of active) {
    const wait = msUntilAvailable(pod, minReady, nowMs);
    if (wait === 0) available++;
    else if (wait !== undefined) requeueMs = Math.min(requeueMs ?? wait, wait);
  }
  const now = timestamp(new Date(nowMs));
  const old = (dict(rs["status"])["conditions"] ?? []) as Condition[];
  const conditions = failure
    ? setCondition(old, { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: failure }, now)
    : old.filter((c) => c.type !== "ReplicaFailure");
  const status = omitZero(
    {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 0,
      conditions: conditions.length > 0 ? conditions : undefined,
    } as Dict,
    ["fullyLabeledReplicas", "readyReplicas", "availableReplicas", "conditions"],
  );
  return requeueMs === undefined ? { status } : { status, requeueMs: requeueMs + 10 };
}

/** The pod a ReplicaSet creates: template labels, annotations and spec, controlled by the ReplicaSet. */
export function podFromReplicaSet(rs: KObject): KObject {
  const template = dict(dict(rs["spec"])["template"]) as PodTemplate;
  const name = rs.metadata.name ?? "";
  const metadata: KObject["metadata"] = {
    generateName: `${name.length > 57 ? name.slice(0, 57) : name}-`,
    namespace: rs.metadata.namespace,
    labels: { ...(template.metadata?.labels ?? {}) },
    ownerReferences: [controllerRefTo(rs)],
  };
  if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
  return { apiVersion: "v1", kind: "Pod", metadata, spec: deepCopy(template.spec ?? {}) };
}

export class ReplicaSetController extends QueuedController {
  private readonly r: ReturnType<typeof resources>;

  constructor(ctx: ControllerContext) {
    super("replicaset-controller", ctx, 5000);
    this.r = resources(ctx.api);
  }

  protected subscribe(): Array<() => void> {
    const rsKey = "apps/replicasets";
    return [
      onResources(this.api, [rsKey, "/pods"], (e) => {
        if (e.resource === rsKey) {
          if (e.type !== "DELETED") this.queue.enqueue(objectKey(e.object));
          return;
        }
        for (const pod of e.old ? [e.object, e.old] : [e.object]) this.enqueueOwnerOf(pod, e.type === "DELETED");
      }),
    ];
  }

  protected resync(): void {
    for (const rs of this.api.list(this.r.replicasets, undefined).items) this.queue.enqueue(objectKey(rs));
  }

  private enqueueOwnerOf(pod: KObject, deleted: boolean): void {
    const ref = controllerRef(pod);
    const ns = pod.metadata.namespace ?? "";
    if (ref) {
      if (ref.kind === "ReplicaSet") this.queue.enqueue(`${ns}/${ref.name}`);
      return;
    }
    if (deleted) return;
    for (const rs of this.api.list(this.r.replicasets, ns).items) {
      if (selectorMatches(dict(rs["spec"])["selector"] as ReplicaSetSpec["selector"], pod.metadata.labels)) this.queue.enqueue(objectKey(rs));
    }
  }

  protected reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const rs = this.api.tryGet(this.r.replicasets, namespace, name);
    if (!rs) return; // the garbage collector takes care of its pods
    const spec = dict(rs["spec"]) as ReplicaSetSpec;
    const claim = () =>
      claimObjects(this.api, this.r.pods, rs, this.api.list(this.r.pods, namespace).items, (p) => selectorMatches(spec.selector, p.metadata.labels));
    let pods = claim();
    let failure: string | undefined;
    if (!isDeleting(rs)) {
      const plan = decideReplicaSetPods(num(spec.replicas, 1), pods);
      failure = this.createPods(rs, plan.create);
      for (const podName of plan.delete) this.deletePod(rs, pods.find((p) => p.metadata.name === podName));
      if (plan.create > 0 || plan.delete.length > 0) pods = claim();
    }
    const { status, requeueMs } = replicaSetStatus(rs, pods, this.ctx.now().getTime(), failure);
    writeStatus(this.api, this.r.replicasets, rs, status);
    if (requeueMs !== undefined) this.queue.enqueue(key, requeueMs);
  }

  /** Creates `count` pods; returns the failure message when the API refuses them for good. */
  private createPods(rs: KObject, count: number): string | undefined {
    for (let i = 0; i < count; i++) {
      try {
        const pod = this.api.create(this.r.pods, rs.metadata.namespace, podFromReplicaSet(rs)).object;
        this.api.recordEvent(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name ?? ""}`, this.name);
      } catch (err) {
        if (!isPermanent(err)) throw err;
        const message = errorMessage(err);
        this.api.recordEvent(rs, "Warning", "FailedCreate", `Error creating: ${message}`, this.name);
        return message;
      }
    }
    return undefined;
  }

  private deletePod(rs: KObject, pod: KObject | undefined): void {
    if (!pod) return;
    try {
      this.api.delete(this.r.pods, pod.metadata.namespace, pod.metadata.name ?? "", { preconditions: { uid: pod.metadata.uid } });
      this.api.recordEvent(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name ?? ""}`, this.name);
    } catch (err) {
      if (!isNotFoundError(err)) throw err;
    }
  }
}
