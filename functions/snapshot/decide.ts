// snapshot, pure: which step a run is at, what status a resolved target writes, how far its snapshots are, what
// un-quiescing is owed, whether the backup PVCs are ready. The clock is an argument; nothing here reads the cluster.
import type { Profile } from "../../shared/profiles/index.ts";
import { isFinal, objectName, Steps, type RunStatus, type RunVolume } from "../../shared/runs/run.ts";
import type { PvcLike } from "../../shared/targets/index.ts";
import type { ResolvedTarget } from "../../shared/targets/resolve.ts";
import type { AbortStep } from "../common/index.ts";
import type { ContentLike, SnapshotLike } from "./objects.ts";
import type { VerifiedVolume } from "./verify.ts";

export type Direct = NonNullable<RunStatus["direct"]>[number];

export const needsQuiesce = (p: Pick<Profile, "stop" | "commandBefore" | "commandAfter">): boolean => p.stop || !!p.commandBefore || !!p.commandAfter;

export type PlannedStep =
  | { kind: "skip"; reason: string }
  | { kind: "timeout"; step: AbortStep; message: string }
  | { kind: "resolve" }
  | { kind: "quiesce" }
  | { kind: "snapshot" };

/** Where io.rafdir.backup.planned picks a run up. Snapshotting without snapshotsRequested: creating them was cut short. */
export function plannedStep(status: RunStatus | undefined, quiesce: boolean, now: Date): PlannedStep {
  if (!status) return { kind: "skip", reason: "the run's status breaks the contract; not touching it" };
  const steps = status.steps ?? {};
  if (isFinal(status.phase)) return { kind: "skip", reason: `the run is ${status.phase}` };
  if (status.error) return { kind: "skip", reason: `the run was aborted (${status.error.reason}); cleanup tears it down` };
  const resumable = status.phase === "Pending" || (status.phase === "Snapshotting" && !steps[Steps.snapshotsRequested]);
  if (!resumable) return { kind: "skip", reason: `the run is past Pending (${status.phase})` };
  if (status.deadline && now.getTime() > Date.parse(status.deadline)) {
    const step: AbortStep = status.quiesce && !steps[Steps.quiesced] ? "quiesce" : "timeout";
    const what = step === "quiesce" ? "quiescing the application" : "starting the snapshots";
    return { kind: "timeout", step, message: `${what} did not finish by the deadline ${status.deadline}` };
  }
  if (!steps[Steps.targetResolved]) return { kind: "resolve" };
  if (quiesce && !steps[Steps.quiesced]) return { kind: "quiesce" };
  return { kind: "snapshot" };
}

/** status.volumes (one per source PVC, in target order) and status.direct (NFS / hostPath, one per mountPath). */
export function runVolumes(run: string, target: Pick<ResolvedTarget, "volumes">, verified: readonly VerifiedVolume[]): { volumes: RunVolume[]; direct: Direct[] } {
  const volumes: RunVolume[] = [];
  const direct: Direct[] = [];
  for (const source of target.volumes) {
    const mounts = dedupeMounts(source.mounts);
    if (source.kind === "pvc") {
      const i = volumes.length;
      const v = verified[i];
      volumes.push({
        sourcePvc: source.pvc,
        sourceSnapshot: objectName(run, i),
        mounts,
        ...(v ? { driver: v.driver, snapshotClass: v.snapshotClass, storageClass: v.storageClass } : {}),
        ...(source.capacity ? { capacity: source.capacity } : {}),
        ...(source.nodeLocal ? { nodeLocal: true } : {}),
      });
    } else if (source.kind === "nfs") {
      const { server, path } = source.nfs;
      for (const m of mounts) direct.push({ kind: "nfs", source: `${server}:${path}`, nfs: { server, path }, ...m });
    } else {
      for (const m of mounts) direct.push({ kind: "hostPath", source: source.hostPath, hostPath: source.hostPath, ...m });
    }
  }
  return { volumes, direct };
}

function dedupeMounts(mounts: ReadonlyArray<{ mountPath: string; subPath?: string }>): RunVolume["mounts"] {
  const seen = new Map<string, RunVolume["mounts"][number]>();
  for (const m of mounts) if (!seen.has(m.mountPath)) seen.set(m.mountPath, { mountPath: m.mountPath, ...(m.subPath ? { subPath: m.subPath } : {}) });
  return [...seen.values()];
}

export interface Progress {
  /** Every snapshot is bound both ways to a content that has a snapshotHandle: un-quiescing is allowed. */
  handles: boolean;
  /** Every snapshot is readyToUse (and has its handle). */
  ready: boolean;
  /** `<snapshot>: <why not yet>` for each snapshot that is not ready. */
  waiting: string[];
  /** status.error messages of snapshots and contents (not terminal: the controllers retry). */
  errors: string[];
}

export function snapshotProgress(volumes: readonly RunVolume[], snapshots: ReadonlyMap<string, SnapshotLike>, contents: ReadonlyMap<string, ContentLike>): Progress {
  let handles = true;
  let ready = true;
  const waiting: string[] = [];
  const errors: string[] = [];
  for (const v of volumes) {
    const vs = snapshots.get(v.sourceSnapshot);
    const bound = vs?.status?.boundVolumeSnapshotContentName;
    const content = bound ? contents.get(bound) : undefined;
    const ref = content?.spec?.volumeSnapshotRef;
    const pointsBack = !!content && ref?.name === vs?.metadata.name && ref?.namespace === vs?.metadata.namespace && (!ref?.uid || !vs?.metadata.uid || ref.uid === vs.metadata.uid);
    const hasHandle = pointsBack && !!content?.status?.snapshotHandle;
    const isReady = hasHandle && vs?.status?.readyToUse === true;
    for (const e of [vs?.status?.error?.message, content?.status?.error?.message]) if (e) errors.push(`${v.sourceSnapshot}: ${e}`);
    handles &&= hasHandle;
    ready &&= isReady;
    if (!isReady) waiting.push(`${v.sourceSnapshot}: ${!vs ? "missing" : !bound ? "not bound to a content yet" : !hasHandle ? "no snapshot handle yet" : "not ready to use yet"}`);
  }
  return { handles, ready, waiting, errors };
}

export type Unquiesce =
  | { kind: "none" }
  | { kind: "scaleBack"; workload: { kind: "Deployment" | "StatefulSet"; namespace: string; name: string }; replicas: number }
  | { kind: "commandAfter"; namespace: string; pod: string; container?: string; command: string[] };

/** What un-quiescing is still owed by the run's quiesce record. */
export function unquiesceAction(status: RunStatus): Unquiesce {
  const q = status.quiesce;
  if (!q) return { kind: "none" };
  if (q.kind === "stop") return q.restored ? { kind: "none" } : { kind: "scaleBack", workload: q.workload, replicas: q.originalReplicas };
  if (!q.afterOwed || !q.commandAfter?.length) return { kind: "none" };
  return { kind: "commandAfter", namespace: q.namespace, pod: q.pod, ...(q.container ? { container: q.container } : {}), command: q.commandAfter };
}

export interface PvcReadiness {
  ready: boolean;
  pvcs: Array<{ name: string; phase: "Bound" | "WaitingForFirstConsumer" }>;
  waiting: string[];
}

/** Backup PVCs are ready when Bound, or Pending on a WaitForFirstConsumer class (the backup pod binds them). */
export function pvcReadiness(volumes: readonly RunVolume[], pvcs: ReadonlyMap<string, PvcLike>, bindingModes: ReadonlyMap<string, string | undefined>): PvcReadiness {
  const out: PvcReadiness = { ready: true, pvcs: [], waiting: [] };
  for (const v of volumes) {
    const name = v.backupPvc;
    const pvc = name ? pvcs.get(name) : undefined;
    const phase = pvc?.status?.phase;
    const wffc = bindingModes.get(v.storageClass ?? pvc?.spec?.storageClassName ?? "") === "WaitForFirstConsumer";
    if (name && phase === "Bound") out.pvcs.push({ name, phase: "Bound" });
    else if (name && pvc && phase !== "Lost" && wffc) out.pvcs.push({ name, phase: "WaitingForFirstConsumer" });
    else {
      out.ready = false;
      out.waiting.push(`${name ?? v.sourcePvc}: ${!name || !pvc ? "not created yet" : (phase ?? "no phase")}`);
    }
  }
  return out;
}
