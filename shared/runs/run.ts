// The BackupRun record (docs/adr/0003): its name, the labels of everything it creates, and the shape of its status —
// the single source of truth of a run. Pure; the functions read and merge-patch it through the Kubernetes port.
import { z } from "zod";

export const RUN_API_VERSION = "rafdir.io/v1alpha1";
export const RUN_KIND = "BackupRun";
export const RUN_PLURAL = "backupruns";

export const Labels = {
  managedBy: "app.kubernetes.io/managed-by",
  run: "rafdir.io/run",
  profile: "rafdir.io/profile",
} as const;
export const MANAGED_BY = "rafdir";

/** `<profile>-<yyyymmddhhmmss>` in UTC: sortable, readable, a valid label value (profiles are ≤ 40 chars). */
export function runName(profile: string, now: Date): string {
  const ts = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return `${profile}-${ts}`;
}

/** Labels on every object a run creates (the janitor finds leftovers by them). */
export function runLabels(run: string, profile: string): Record<string, string> {
  return { [Labels.managedBy]: MANAGED_BY, [Labels.run]: run, [Labels.profile]: profile };
}

/** Name of the n-th object of a kind a run creates: `rafdir-<run>-<n>` (or `rafdir-<run>` for singletons). */
export function objectName(run: string, n?: number): string {
  return n === undefined ? `rafdir-${run}` : `rafdir-${run}-${n}`;
}

export const Phases = ["Pending", "Snapshotting", "Copying", "BackingUp", "CleaningUp", "Succeeded", "Failed"] as const;
export type Phase = (typeof Phases)[number];
export const isFinal = (p: Phase | undefined): boolean => p === "Succeeded" || p === "Failed";

const Ref = z.object({ namespace: z.string(), name: z.string() });

/** How the app was quiesced, persisted BEFORE quiescing so any later step (or the janitor) can undo it. */
export const QuiesceRecord = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("stop"),
    workload: z.object({ kind: z.enum(["Deployment", "StatefulSet"]), namespace: z.string(), name: z.string() }),
    originalReplicas: z.number().int().min(0),
    restored: z.boolean(),
  }),
  z.object({
    kind: z.literal("command"),
    namespace: z.string(),
    pod: z.string(),
    container: z.string().optional(),
    commandAfter: z.array(z.string()).optional(),
    /** command-after still has to run (set when command-before ran). */
    afterOwed: z.boolean(),
  }),
]);
export type QuiesceRecord = z.infer<typeof QuiesceRecord>;

/** One volume of the run: source PVC → source snapshot → copy (content + snapshot) → backup PVC. */
export const RunVolume = z.object({
  sourcePvc: z.string(),
  sourceSnapshot: z.string(), // in the target namespace
  content: z.string().optional(), // the Retain copy (cluster-scoped)
  backupSnapshot: z.string().optional(), // in the backup namespace
  backupPvc: z.string().optional(), // in the backup namespace
  /** Where the PVC is mounted in the backup pod, as in the app pod. */
  mounts: z.array(z.object({ mountPath: z.string(), subPath: z.string().optional() })),
});
export type RunVolume = z.infer<typeof RunVolume>;

export const RunStatus = z.object({
  phase: z.enum(Phases),
  message: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** When the current step must be done by; the janitor aborts the run after it. */
  deadline: z.string().optional(),
  steps: z.record(z.string(), z.string()).optional(), // step name → RFC3339 time it completed
  target: z.object({ namespace: z.string(), pod: z.string().optional(), node: z.string().optional() }).optional(),
  quiesce: QuiesceRecord.optional(),
  volumes: z.array(RunVolume).optional(),
  /** NFS / hostPath sources backed up directly. */
  direct: z.array(z.object({ kind: z.enum(["nfs", "hostPath"]), source: z.string(), mountPath: z.string() })).optional(),
  pod: z.string().optional(),
  configMap: z.string().optional(),
  result: z.unknown().optional(),
  error: z.object({ step: z.string(), reason: z.string(), message: z.string() }).optional(),
});
export type RunStatus = z.infer<typeof RunStatus>;

export interface BackupRun {
  apiVersion: typeof RUN_API_VERSION;
  kind: typeof RUN_KIND;
  metadata: { name: string; namespace: string; uid?: string; labels?: Record<string, string>; creationTimestamp?: string };
  spec: { profile: string; trigger: string; requestedBy?: string; force?: boolean; repositories?: string[] };
  status?: RunStatus;
}

export function runRef(namespace: string, name: string) {
  return { apiVersion: RUN_API_VERSION, kind: RUN_KIND, plural: RUN_PLURAL, namespace, name };
}

/** The run's status, parsed; a missing or unreadable status reads as a fresh Pending run. */
export function statusOf(run: { status?: unknown }): RunStatus {
  const parsed = RunStatus.safeParse(run.status);
  return parsed.success ? parsed.data : { phase: "Pending" };
}
