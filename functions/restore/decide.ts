// The restore's decisions, pure (docs/adr/0004). A restore is a small reconcile loop: every event about a run (the
// request, a pod or PVC of it changing, the janitor tick) observes the cluster and takes the one next step that the
// RestoreRun's phase and the observed objects call for. Effects live in reconcile.ts.
//
//   Pending ─ inspect pod ─> Inspecting ─ staging PVC + restore pod ─> Restoring ─ staging volume set to Retain,
//   staging PVC deleted ─> Releasing ─ volume re-bound to a PVC in the target namespace ─> Binding ─> Succeeded
//                                                        (existing target: copy pod ─> Copying ─> Succeeded)
import { isWithin } from "../../shared/profiles/index.ts";
import { bytesToQuantity, formatBytes, quantityToBytes } from "../../shared/kube/quantity.ts";
import type { ResolvedSnapshot, RestorePhase, RestoreSpec, RestoreStatus } from "../../shared/runs/restore-run.ts";
import type { CopyResult, InspectResult, RestoreResult } from "../../runner/restore-job.ts";
import type { BackupPodLike, Termination } from "../common/pod-result.ts";

export interface PvcLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { volumeName?: string; storageClassName?: string; resources?: { requests?: Record<string, string> } };
  status?: { phase?: string };
}

export interface PvLike {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: {
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    capacity?: Record<string, string>;
    claimRef?: { namespace?: string; name?: string; uid?: string };
    nodeAffinity?: { required?: unknown };
  };
  status?: { phase?: string };
}

/** What the reconcile loop sees of one restore. Pods' results are parsed by the caller (pod-result.ts). */
export interface Observed {
  run: string;
  spec: RestoreSpec;
  status: RestoreStatus;
  /** The profile's restic host (from the current configuration): its snapshots carry it. */
  host: string;
  /** The profile backs up a stdin dump alone: its snapshots hold one file, restored from "/" by default. */
  stdinOnly?: boolean;
  inspect?: Observation<InspectResult>;
  restore?: Observation<RestoreResult>;
  copy?: Observation<CopyResult>;
  /** The staging PVC in the backup namespace. */
  stagingPvc?: PvcLike;
  /** The PVC the staging volume moves to: the new target PVC, or (existing target) the temporary source PVC. */
  movedPvc?: PvcLike;
}

/** A pod: still running (`done` undefined) or finished with its termination result. */
export interface Observation<T> {
  pod: BackupPodLike;
  done?: Termination<T>;
}

export interface Failure {
  reason: string;
  message: string;
}

export type Action =
  | { kind: "wait"; why: string }
  | ({ kind: "fail" } & Failure)
  | { kind: "inspect" }
  | { kind: "restore"; snapshot: ResolvedSnapshot; size: string }
  | { kind: "release"; result?: RestoreResult }
  | { kind: "bind" }
  | { kind: "copy" }
  | { kind: "succeed"; copied?: CopyResult };

const fail = (reason: string, message: string): Action => ({ kind: "fail", reason, message });
const wait = (why: string): Action => ({ kind: "wait", why });

export function nextAction(o: Observed): Action {
  const { status, spec } = o;
  switch (status.phase) {
    case "Pending":
      return { kind: "inspect" };
    case "Inspecting": {
      if (!o.inspect) return { kind: "inspect" };
      if (!o.inspect.done) return wait(`inspect pod is ${o.inspect.pod.status?.phase ?? "starting"}`);
      if (!o.inspect.done.ok) return fail("InspectFailed", o.inspect.done.error);
      const found = o.inspect.done.value;
      if (!found.ok) return fail("SnapshotNotFound", found.error ?? "the inspect pod found no snapshot");
      const snapshot = resolveSnapshot(found, spec, o.host, o.stdinOnly);
      if ("reason" in snapshot) return { kind: "fail", ...snapshot };
      const size = stagingSize(snapshot.restoreSize + 4096 * (snapshot.files ?? 0), spec.target.size);
      if (typeof size !== "string") return { kind: "fail", ...size };
      return { kind: "restore", snapshot, size };
    }
    case "Restoring": {
      if (!status.snapshot || !status.size) return fail("StatusInvalid", "the RestoreRun is Restoring but records no snapshot or size");
      if (!o.restore) return { kind: "restore", snapshot: status.snapshot, size: status.size };
      if (!o.restore.done) return wait(`restore pod is ${o.restore.pod.status?.phase ?? "starting"}`);
      if (!o.restore.done.ok) return fail("RestoreFailed", o.restore.done.error);
      const restored = o.restore.done.value;
      if (!restored.ok) return fail("RestoreFailed", restored.error ?? "restic restore failed");
      return { kind: "release", result: restored };
    }
    case "Releasing":
      if (o.stagingPvc && !o.stagingPvc.metadata.deletionTimestamp) return { kind: "release" };
      if (o.stagingPvc) return wait("the staging PVC is being deleted (its volume is kept)");
      return { kind: "bind" };
    case "Binding": {
      const pvc = o.movedPvc;
      if (!pvc) return { kind: "bind" };
      if (pvc.metadata.labels?.["rafdir.io/run"] !== o.run) {
        return fail("TargetExists", `PVC ${spec.target.namespace}/${pvc.metadata.name} was created by someone else while restoring; nothing was changed in it`);
      }
      const volume = status.volume?.name;
      if (pvc.spec?.volumeName && volume && pvc.spec.volumeName !== volume) {
        return fail("BoundElsewhere", `PVC ${spec.target.namespace}/${pvc.metadata.name} bound volume ${pvc.spec.volumeName} instead of the restored ${volume}`);
      }
      if (pvc.status?.phase !== "Bound") return wait(`PVC ${spec.target.namespace}/${pvc.metadata.name} is ${pvc.status?.phase ?? "Pending"}`);
      return spec.target.existing ? { kind: "copy" } : { kind: "succeed" };
    }
    case "Copying": {
      if (!o.copy) return { kind: "copy" };
      if (!o.copy.done) return wait(`copy pod is ${o.copy.pod.status?.phase ?? "starting"}`);
      const partly = `PVC ${spec.target.namespace}/${spec.target.pvc} may now be partly replaced; run the restore again`;
      if (!o.copy.done.ok) return fail("CopyFailed", `${partly}: ${o.copy.done.error}`);
      if (!o.copy.done.value.ok) return fail("CopyFailed", `${partly}: ${o.copy.done.value.error ?? "the copy failed"}`);
      return { kind: "succeed", copied: o.copy.done.value };
    }
    case "Succeeded":
    case "Failed":
      return wait("final");
  }
}

/** The snapshot the inspect pod found, checked against the request: it must be the profile's, and hold the path. */
export function resolveSnapshot(found: InspectResult, spec: RestoreSpec, host: string, stdinOnly = false): ResolvedSnapshot | Failure {
  const snap = found.snapshot;
  if (!snap) return { reason: "SnapshotNotFound", message: found.error ?? "the inspect pod reported no snapshot" };
  const short = snap.id.slice(0, 8);
  if (!snap.tags.includes(spec.profile) || snap.host !== host) {
    return {
      reason: "SnapshotNotOfProfile",
      message: `snapshot ${short} (host ${snap.host}, tags ${snap.tags.join(",") || "none"}) is not a snapshot of profile "${spec.profile}" (host ${host}, tag ${spec.profile}); nothing was restored`,
    };
  }
  let path = spec.path;
  // Paths dropped to fit the termination message: only an explicit path is trusted (restic checks it).
  const listed = !found.truncated;
  if (path === undefined && stdinOnly) {
    path = "/"; // the dump is a file; restic restores folders
  } else if (path === undefined) {
    if (snap.paths.length !== 1 || !listed) {
      const paths = listed ? `${snap.paths.length} paths (${snap.paths.join(", ")})` : `more paths than can be listed (${snap.paths.join(", ")}, …)`;
      return { reason: "PathRequired", message: `snapshot ${short} of profile "${spec.profile}" holds ${paths}: set path to the one to restore into the PVC` };
    }
    path = snap.paths[0] as string;
  } else if (listed && path !== "/" && !snap.paths.some((p) => isWithin(p, path as string))) {
    return { reason: "PathNotInSnapshot", message: `path ${path} is not in snapshot ${short} of profile "${spec.profile}" (it holds ${snap.paths.join(", ")})` };
  }
  return {
    id: snap.id,
    time: snap.time,
    host: snap.host,
    tags: snap.tags,
    paths: snap.paths,
    path,
    restoreSize: Math.max(0, Math.round(found.restoreSize ?? 0)),
    ...(found.files !== undefined ? { files: found.files } : {}),
  };
}

const MIB = 2 ** 20;

/**
 * The staging (and target) PVC's size for `restoreSize` bytes (the snapshot's bytes plus a 4 KiB block per file and
 * folder): the requested size when it holds them, else a failure; by default plus 20 % and 64 MiB of headroom for
 * file-system overhead, in whole GiB.
 */
export function stagingSize(restoreSize: number, requested: string | undefined): string | Failure {
  if (requested !== undefined) {
    const bytes = quantityToBytes(requested);
    if (bytes === undefined) return { reason: "SizeInvalid", message: `target.size ${JSON.stringify(requested)} is not a quantity such as 10Gi` };
    if (bytes < restoreSize) {
      return { reason: "SizeTooSmall", message: `target.size ${requested} is smaller than the snapshot's restore size (${formatBytes(restoreSize)}); ask for at least ${bytesToQuantity(restoreSize * 1.2 + 64 * MIB)}` };
    }
    return requested;
  }
  return bytesToQuantity(restoreSize * 1.2 + 64 * MIB);
}

/** How long a phase may take before the janitor fails the restore. */
export function phaseDeadline(phase: RestorePhase, now: Date, t: { podStartMs: number; backupMs: number }): string | undefined {
  const ms: Partial<Record<RestorePhase, number>> = {
    Pending: t.podStartMs,
    Inspecting: t.podStartMs + 10 * 60_000,
    Restoring: t.podStartMs + t.backupMs,
    Releasing: t.podStartMs,
    Binding: t.podStartMs,
    Copying: t.podStartMs + t.backupMs,
  };
  const d = ms[phase];
  return d === undefined ? undefined : new Date(now.getTime() + d).toISOString();
}

/** The phase an action moves the restore to (the same phase when it only repeats an effect). */
export function phaseAfter(action: Action, spec: RestoreSpec): RestorePhase | undefined {
  switch (action.kind) {
    case "inspect":
      return "Inspecting";
    case "restore":
      return "Restoring";
    case "release":
      return "Releasing";
    case "bind":
      return "Binding";
    case "copy":
      return spec.target.existing ? "Copying" : undefined;
    case "succeed":
      return "Succeeded";
    case "fail":
      return "Failed";
    case "wait":
      return undefined;
  }
}
