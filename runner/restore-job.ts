// The jobs of a restore's pods (functions/restore builds them), and what each reports in its termination message:
//  - inspect (backup namespace): find the snapshot (the given id, else the profile's latest) and its restore size;
//  - restore (backup namespace): restore `<id>:<path>` into the staging PVC mounted at `target`;
//  - copy (target namespace, no repository access): make `to` an exact copy of `from` (an existing PVC's restore).
// Inspect and restore read a job file like a backup (RAFDIR_RUNNER_JOB); copy takes its two paths as arguments.
import { z } from "zod";

const Name = z.string().min(1).max(253);
const SnapshotId = z.string().regex(/^[0-9a-f]{8,64}$/);
const AbsPath = z.string().startsWith("/");

const Common = {
  run: Name,
  /** The rafdir profile: every snapshot of it carries this tag. */
  profile: Name,
  /** The profile's restic host. */
  host: Name,
  resticprofileConfigPath: z.string().min(1),
  /** The generated resticprofile profile of the repository (`<profile>-<repository>`): repository and credentials. */
  resticprofile: Name,
};

export const InspectJob = z.object({
  action: z.literal("inspect"),
  ...Common,
  /** Absent: the newest snapshot with the profile's host and tag. */
  snapshot: SnapshotId.optional(),
});
export type InspectJob = z.infer<typeof InspectJob>;

export const RestoreJob = z.object({
  action: z.literal("restore"),
  ...Common,
  /** The full id the inspect pod resolved. */
  snapshot: SnapshotId,
  /** The folder of the snapshot whose contents are restored to `target`. */
  path: AbsPath,
  target: AbsPath,
});
export type RestoreJob = z.infer<typeof RestoreJob>;

export const RestoreRunnerJob = z.discriminatedUnion("action", [InspectJob, RestoreJob]);
export type RestoreRunnerJob = z.infer<typeof RestoreRunnerJob>;

/** Where the copy pod mounts the two volumes. */
export const COPY_FROM = "/rafdir/from";
export const COPY_TO = "/rafdir/to";
/** Where the restore pod mounts the staging PVC. */
export const RESTORE_TARGET = "/rafdir/restore";

const ResultCommon = {
  ok: z.boolean(),
  error: z.string().optional(),
  durationMs: z.number().optional(),
  /** The error text (and an inspect's `snapshot.paths`) were shortened to fit the termination message. */
  truncated: z.boolean().optional(),
};

export const InspectResult = z.object({
  action: z.literal("inspect"),
  run: z.string(),
  profile: z.string(),
  ...ResultCommon,
  snapshot: z
    .object({ id: z.string(), time: z.string(), host: z.string(), tags: z.array(z.string()), paths: z.array(z.string()) })
    .optional(),
  /** `restic stats --mode restore-size`: bytes and files a restore of the whole snapshot writes. */
  restoreSize: z.number().optional(),
  files: z.number().optional(),
});
export type InspectResult = z.infer<typeof InspectResult>;

export const RestoreResult = z.object({
  action: z.literal("restore"),
  run: z.string(),
  profile: z.string(),
  ...ResultCommon,
  snapshot: z.string().optional(),
  path: z.string().optional(),
  /** From restic's restore summary. */
  files: z.number().optional(),
  bytes: z.number().optional(),
  exitCode: z.number().optional(),
});
export type RestoreResult = z.infer<typeof RestoreResult>;

export const CopyResult = z.object({
  action: z.literal("copy"),
  ...ResultCommon,
  files: z.number().optional(),
  bytes: z.number().optional(),
  /** Entries of `to` that were not in `from` and were removed. */
  removed: z.number().optional(),
  /** Of `files`: already identical in `to` (size and mtime), not rewritten. */
  unchanged: z.number().optional(),
  /** Sockets, fifos and devices of `from`: not copied. */
  skipped: z.number().optional(),
});
export type CopyResult = z.infer<typeof CopyResult>;

export const RestorePodResult = z.discriminatedUnion("action", [InspectResult, RestoreResult, CopyResult]);
export type RestorePodResult = z.infer<typeof RestorePodResult>;
