// The RestoreRun record (docs/adr/0004): its name, the names of the objects it creates and the shape of its status —
// the single source of truth of one restore. Pure; functions/restore reads and merge-patches it.
import { createHash } from "node:crypto";
import { z } from "zod";
import { RestoreTarget } from "../event-data.ts";
import { RUN_API_VERSION, type RunMetadata } from "./run.ts";

export const RESTORE_KIND = "RestoreRun";
export const RESTORE_PLURAL = "restoreruns";

/** Label on a RestoreRun: a hash of the request event's source and id, so a redelivered request is recognised. */
export const REQUEST_LABEL = "rafdir.io/request";
/** The REQUEST_LABEL value of a request event: 20 hex digits of sha256(source + " " + id). */
export function requestHash(source: string, id: string): string {
  return createHash("sha256").update(`${source} ${id}`).digest("hex").slice(0, 20);
}

/** Annotation left on a restored PVC: the RestoreRun and snapshot it came from. */
export const RESTORED_FROM = "rafdir.io/restored-from";

/**
 * `<profile>-r<yyyymmddhhmmss>` in UTC. A BackupRun is `<profile>-<14 digits>`, so the two can never share a name,
 * nor the objects named after it.
 */
export function restoreRunName(profile: string, now: Date): string {
  const ts = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `${profile}-r${ts}`;
}

/** Objects of a restore, named from the run. The staging PVC and the ConfigMap are `rafdir-<run>`. */
export const restoreObjects = (run: string) => ({
  configMap: `rafdir-${run}`,
  /** In the backup namespace, restored into by the restore pod; its volume moves to the target afterwards. */
  stagingPvc: `rafdir-${run}`,
  inspectPod: `rafdir-${run}-inspect`,
  restorePod: `rafdir-${run}-restore`,
  /** existing targets: the staging volume, rebound in the target namespace, copied from by the copy pod. */
  sourcePvc: `rafdir-${run}`,
  copyPod: `rafdir-${run}-copy`,
});

export const RestorePhases = ["Pending", "Inspecting", "Restoring", "Releasing", "Binding", "Copying", "Succeeded", "Failed"] as const;
export type RestorePhase = (typeof RestorePhases)[number];
export const isRestoreFinal = (p: RestorePhase | undefined): boolean => p === "Succeeded" || p === "Failed";

/** The restic snapshot being restored, as the inspect pod found it. */
export const ResolvedSnapshot = z.object({
  id: z.string(),
  time: z.string(),
  host: z.string(),
  tags: z.array(z.string()),
  paths: z.array(z.string()),
  /** The folder whose contents land at the PVC's root. */
  path: z.string(),
  /** restic stats --mode restore-size of the snapshot, in bytes. */
  restoreSize: z.number().int().min(0),
  files: z.number().int().min(0).optional(),
});
export type ResolvedSnapshot = z.infer<typeof ResolvedSnapshot>;

export const RestoreStatus = z.object({
  phase: z.enum(RestorePhases),
  message: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** When the current phase must be done by; the janitor fails the restore after it. */
  deadline: z.string().optional(),
  /** The repository restored from (the request's, else the first configured). */
  repository: z.string().optional(),
  /** The staging volume's StorageClass (the request's, else the existing target's, else the default). */
  storageClass: z.string().optional(),
  /** The profile's restic host when the restore was accepted. */
  host: z.string().optional(),
  snapshot: ResolvedSnapshot.optional(),
  /** The size of the staging PVC (a quantity). */
  size: z.string().optional(),
  /** The staging volume: its PV and its reclaim policy before rafdir set Retain to move it. */
  volume: z.object({ name: z.string(), reclaimPolicy: z.string() }).optional(),
  /** What the restore pod (and the copy pod) reported. */
  result: z
    .object({ files: z.number().optional(), bytes: z.number().optional(), durationMs: z.number().optional(), removed: z.number().optional() })
    .optional(),
  error: z.object({ phase: z.string(), reason: z.string(), message: z.string() }).optional(),
  /** When everything the restore created (but the restored PVC) was removed; the janitor retries until set. */
  tornDown: z.string().optional(),
});
export type RestoreStatus = z.infer<typeof RestoreStatus>;

export const RestoreSpec = z.object({
  profile: z.string(),
  trigger: z.string(),
  requestedBy: z.string().optional(),
  force: z.boolean().optional(),
  snapshot: z.string().optional(),
  repository: z.string().optional(),
  path: z.string().optional(),
  target: RestoreTarget,
});
export type RestoreSpec = z.infer<typeof RestoreSpec>;

export interface RestoreRun {
  apiVersion: typeof RUN_API_VERSION;
  kind: typeof RESTORE_KIND;
  metadata: RunMetadata;
  spec: RestoreSpec;
  status?: unknown;
}

export function restoreRef(namespace: string, name: string) {
  return { apiVersion: RUN_API_VERSION, kind: RESTORE_KIND, plural: RESTORE_PLURAL, namespace, name };
}

/** The status, parsed; a missing status is a fresh Pending restore, an unreadable one undefined (never guess). */
export function parseRestoreStatus(run: { status?: unknown }): RestoreStatus | undefined {
  const raw = run.status;
  if (raw === undefined || raw === null || (typeof raw === "object" && Object.keys(raw).length === 0)) return { phase: "Pending" };
  const parsed = RestoreStatus.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
