// The zod `data` schemas of the event catalog (shared/events.ts binds each to its type). Kept small on purpose:
// state lives in the cluster (BackupRun/RestoreRun), events only point at it. Unknown keys are dropped, except in
// Kubernetes objects, which pass through whole.
import { z } from "zod";

/** A Kubernetes object name (run, profile, PVC, pod, namespace...). */
const Name = z.string().min(1).max(253);

/** Data that may be absent altogether (a bare PingSource tick, "back up everything") parses as `{}`. */
const orEmpty = (v: unknown): unknown => v ?? {};

/** `dev.knative.sources.ping`: the PingSource's `data`, `{"schedule":"<name>"}` or `{"janitor":true}`. */
export const PingData = z.preprocess(
  orEmpty,
  z.object({ schedule: Name.optional(), janitor: z.boolean().optional() }),
);

/** `io.rafdir.backup.requested`: no profiles means every enabled profile; force ignores "not due". */
export const BackupRequestedData = z.preprocess(
  orEmpty,
  z.object({
    profiles: z.array(Name).optional(),
    repositories: z.array(Name).optional(),
    force: z.boolean().optional(),
  }),
);

/** Every event inside a run names the run (BackupRun/RestoreRun) and its profile. */
const RunRef = { run: Name, profile: Name };

export const BackupPlannedData = z.object({ ...RunRef });

export const SnapshotReadyData = z.object({
  ...RunRef,
  snapshots: z.array(z.object({ pvc: Name, volumeSnapshot: Name, namespace: Name })),
});

export const PvcBoundData = z.object({
  ...RunRef,
  pvcs: z.array(z.object({ name: Name, phase: z.enum(["Bound", "WaitingForFirstConsumer"]) })),
});

/** The backup or restore pod reached a final phase; `result` is the parsed restic summary, refined later. */
export const PodFinishedData = z.object({
  run: Name,
  profile: Name.optional(),
  pod: Name,
  phase: z.enum(["Succeeded", "Failed"]),
  result: z.unknown().optional(),
});

/** A step gave up on a run; `reason` is a CamelCase machine word, `message` says what a person can do. */
export const BackupAbortedData = z.object({
  ...RunRef,
  step: z.enum(["plan", "target", "quiesce", "snapshot", "copy", "backup", "timeout", "delivery"]),
  reason: z.string().min(1),
  message: z.string().min(1),
});

const Outcome = {
  ...RunRef,
  reason: z.string().min(1).optional(),
  message: z.string().optional(),
  summary: z.unknown().optional(),
};

export const BackupOutcomeData = z.object({ ...Outcome });

const RestoreTarget = z.object({
  namespace: Name,
  pvc: Name,
  /** Restore into this PVC although it already exists (never implied). */
  existing: z.boolean().optional(),
  storageClass: Name.optional(),
  /** A Kubernetes quantity, e.g. "10Gi"; default: the snapshot's size. */
  size: z.string().min(1).optional(),
});

/** `snapshot` is a restic snapshot id; absent means the latest for the profile's host. */
export const RestoreRequestedData = z.object({
  profile: Name,
  snapshot: z.string().min(1).optional(),
  repository: Name.optional(),
  target: RestoreTarget,
});

export const RestoreOutcomeData = z.object({
  ...Outcome,
  target: RestoreTarget.pick({ namespace: true, pvc: true }).optional(),
  snapshot: z.string().min(1).optional(),
});

/** One profile failed validation; the others go on. `value` is omitted for secret fields. */
export const ConfigInvalidData = z.object({
  profile: Name,
  field: z.string().min(1),
  value: z.unknown().optional(),
  message: z.string().min(1),
});

/** ApiServerSource in Resource mode: the whole object, passed through untouched. */
export const KubeObjectData = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: Name, namespace: Name.optional() }),
});
