// StatefulSet controller: pods `<sts>-<ordinal>` created in order (or in parallel), claims from
// volumeClaimTemplates that outlive the pods, scale-down from the highest ordinal, rolling update by partition.
import { deepCopy } from "../apiserver/store.ts";
import type { KObject } from "../apiserver/types.ts";
import { objectKey, onResources, resources, splitKey, type ControllerContext } from "./framework.ts";
import { QueuedController } from "./queued-controller.ts";
import {
  claimFor,
  claimName,
  decideStatefulSet,
  ordinalOf,
  podFor,
  statefulSetStatus,
  stsPod,
  stsSpec,
  updateRevision,
  type StsPod,
} from "./statefulset-plan.ts";
import {
  claimObjects,
  controllerRef,
  errorMessage,
  isAlreadyExists,
  isDeleting,
  isNotFoundError,
  isPermanent,
  num,
  selectorMatches,
  writeStatus,
} from "./workload-util.ts";

export class StatefulSetController extends QueuedController {
  private readonly r: ReturnType<typeof resources>;

  constructor(ctx: ControllerContext) {
    super("statefulset-controller", ctx, 5000);
    this.r = resources(ctx.api);
  }

  protected subscribe(): Array<() => void> {
    return [
      onResources(this.api, ["apps/statefulsets", "/pods"], (e) => {
        if (e.resource === "apps/statefulsets") {
          if (e.type !== "DELETED") this.queue.enqueue(objectKey(e.object));
          return;
        }
        const ns = e.object.metadata.namespace ?? "";
        const ref = controllerRef(e.object) ?? (e.old ? controllerRef(e.old) : undefined);
        if (ref?.kind === "StatefulSet") this.queue.enqueue(`${ns}/${ref.name}`);
        else if (!ref && e.type !== "DELETED") {
          for (const sts of this.api.list(this.r.statefulsets, ns).items) {
            if (selectorMatches(stsSpec(sts).selector, e.object.metadata.labels)) this.queue.enqueue(objectKey(sts));
          }
        }
      }),
    ];
  }

  protected resync(): void {
    for (const sts of this.api.list(this.r.statefulsets, undefined).items) this.queue.enqueue(objectKey(sts));
  }

  protected reconcile(key: string): void {
    const { namespace, name } = splitKey(key);
    const sts = this.api.tryGet(this.r.statefulsets, namespace, name);
    if (!sts) return;
    const spec = stsSpec(sts);
    const claim = () =>
      claimObjects(this.api, this.r.pods, sts, this.api.list(this.r.pods, namespace).items, (p) =>
        selectorMatches(spec.selector, p.metadata.labels) && ordinalOf(name, p.metadata.name ?? "") !== undefined,
      );
    let pods = claim();
    if (!isDeleting(sts)) {
      const revision = updateRevision(sts);
      const views = pods.map((p) => stsPod(name, p)).filter((p): p is StsPod => p !== undefined);
      const replicas = num(spec.replicas, 1);
      const start = num(spec.ordinals?.start, 0);
      const plan = decideStatefulSet({
        replicas,
        start,
        ordered: spec.podManagementPolicy !== "Parallel",
        partition: spec.updateStrategy?.type === "OnDelete" ? undefined : num(spec.updateStrategy?.rollingUpdate?.partition, 0),
        updateRevision: revision,
        pods: views,
      });
      for (const ordinal of plan.create) {
        if (!this.createPod(key, sts, ordinal, revision)) break;
      }
      for (const podName of plan.delete) {
        const view = views.find((v) => v.name === podName);
        const condemned = view !== undefined && (view.ordinal < start || view.ordinal >= start + replicas);
        this.deletePod(sts, pods.find((p) => p.metadata.name === podName), condemned);
      }
      if (plan.create.length > 0 || plan.delete.length > 0) pods = claim();
    }
    const { status, requeueMs } = statefulSetStatus(sts, pods, this.ctx.now().getTime());
    writeStatus(this.api, this.r.statefulsets, sts, status);
    if (requeueMs !== undefined) this.queue.enqueue(key, requeueMs);
  }

  /** Creates the ordinal's claims (when missing) and its pod; false when it must wait or the API refused. */
  private createPod(key: string, sts: KObject, ordinal: number, revision: string): boolean {
    const setName = sts.metadata.name ?? "";
    const podName = `${setName}-${ordinal}`;
    const ns = sts.metadata.namespace;
    try {
      for (const template of stsSpec(sts).volumeClaimTemplates ?? []) {
        const claim = claimName(template, setName, ordinal);
        const existing = this.api.tryGet(this.r.pvcs, ns, claim);
        if (existing && isDeleting(existing)) {
          this.api.recordEvent(sts, "Warning", "FailedCreate", `create Pod ${podName} in StatefulSet ${setName} failed error: pvc ${claim} is being deleted`, this.name);
          this.queue.enqueue(key, 1000);
          return false;
        }
        if (existing) continue;
        try {
          this.api.create(this.r.pvcs, ns, claimFor(sts, template, ordinal));
          this.api.recordEvent(sts, "Normal", "SuccessfulCreate", `create Claim ${claim} Pod ${podName} in StatefulSet ${setName} success`, this.name);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
      }
      this.api.create(this.r.pods, ns, podFor(sts, ordinal, revision));
      this.api.recordEvent(sts, "Normal", "SuccessfulCreate", `create Pod ${podName} in StatefulSet ${setName} successful`, this.name);
      return true;
    } catch (err) {
      if (!isPermanent(err)) throw err;
      this.api.recordEvent(sts, "Warning", "FailedCreate", `create Pod ${podName} in StatefulSet ${setName} failed error: ${errorMessage(err)}`, this.name);
      return false;
    }
  }

  private deletePod(sts: KObject, pod: KObject | undefined, condemned: boolean): void {
    if (!pod) return;
    const setName = sts.metadata.name ?? "";
    const ordinal = ordinalOf(setName, pod.metadata.name ?? "");
    if (condemned && ordinal !== undefined && stsSpec(sts).persistentVolumeClaimRetentionPolicy?.whenScaled === "Delete") {
      for (const template of stsSpec(sts).volumeClaimTemplates ?? []) this.handClaimToPod(pod, claimName(template, setName, ordinal));
    }
    try {
      this.api.delete(this.r.pods, pod.metadata.namespace, pod.metadata.name ?? "", { preconditions: { uid: pod.metadata.uid } });
      this.api.recordEvent(sts, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata.name ?? ""} in StatefulSet ${setName} successful`, this.name);
    } catch (err) {
      if (!isNotFoundError(err)) throw err;
    }
  }

  /** whenScaled: Delete — the claim becomes the pod's dependent, so the garbage collector removes it after the pod. */
  private handClaimToPod(pod: KObject, claim: string): void {
    const pvc = this.api.tryGet(this.r.pvcs, pod.metadata.namespace, claim);
    if (!pvc || (pvc.metadata.ownerReferences ?? []).some((r) => r.uid === pod.metadata.uid)) return;
    const next = deepCopy(pvc);
    next.metadata.ownerReferences = [{ apiVersion: "v1", kind: "Pod", name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "", blockOwnerDeletion: true }];
    this.api.update(this.r.pvcs, pvc.metadata.namespace, claim, next);
  }
}
