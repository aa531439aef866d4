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

/** RFC 1123 label (a namespace) and subdomain (a PVC): checked here, so a hostile name never reaches the cluster. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const Namespace = z.string().max(63).regex(DNS_LABEL, "must be a DNS-1123 label (lowercase letters, digits, '-')");
const Subdomain = Name.regex(DNS_SUBDOMAIN, "must be a DNS-1123 subdomain (lowercase letters, digits, '-', '.')");
/** A Kubernetes quantity of bytes, e.g. "10Gi", "500M", "1073741824". */
const Quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, "must be a quantity such as 10Gi");
/** An absolute path inside a snapshot, without "." or ".." segments. */
const SnapshotPath = z
  .string()
  .startsWith("/", "must be an absolute path")
  .max(4096)
  .refine((p) => !p.includes("\n") && !p.split("/").some((seg) => seg === "." || seg === ".."), "must not contain '.' or '..' segments or newlines");

export const RestoreTarget = z.object({
  namespace: Namespace,
  pvc: Subdomain,
  /** Replace the contents of this PVC although it already exists (never implied). */
  existing: z.boolean().optional(),
  storageClass: Subdomain.optional(),
  /** A Kubernetes quantity, e.g. "10Gi"; default: the snapshot's restore size plus headroom. */
  size: Quantity.optional(),
});
export type RestoreTarget = z.infer<typeof RestoreTarget>;

/**
 * `snapshot` is a restic snapshot id of the profile; absent means the profile's latest. `path` is the folder of the
 * snapshot whose contents land at the PVC's root (default: the snapshot's only path). `force` restores into an
 * existing PVC even while a pod uses it.
 */
export const RestoreRequestedData = z.object({
  /** A profile name: a DNS-1123 label of at most 40 characters (it names the RestoreRun). */
  profile: z.string().max(40).regex(DNS_LABEL, "must be a profile name (a DNS-1123 label of at most 40 characters)"),
  snapshot: z.string().regex(/^[0-9a-f]{8,64}$/, "must be a restic snapshot id (8 to 64 hex digits)").optional(),
  repository: Name.optional(),
  path: SnapshotPath.optional(),
  force: z.boolean().optional(),
  requestedBy: z.string().max(253).optional(),
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
