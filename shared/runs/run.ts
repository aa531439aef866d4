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

/** Queued: planned, waiting for a free slot under settings.concurrency (plan starts it when a run ends). */
export const Phases = ["Queued", "Pending", "Snapshotting", "Copying", "BackingUp", "CleaningUp", "Succeeded", "Failed"] as const;
export type Phase = (typeof Phases)[number];
export const isFinal = (p: Phase | undefined): boolean => p === "Succeeded" || p === "Failed";

/**
 * Names of `status.steps` entries (step → RFC3339 time it completed). A step recorded here is never redone; the
 * functions that own a step write it, everyone may read it.
 */
export const Steps = {
  /** plan: the BackupRun was created and announced. */
  planned: "planned",
  /** snapshot: target pod, volumes and classes resolved and verified (status.target/volumes/direct written). */
  targetResolved: "targetResolved",
  /** snapshot: the app is quiesced (pods of a stopped workload gone, command-before ran). */
  quiesced: "quiesced",
  /** snapshot: the source VolumeSnapshots exist. */
  snapshotsRequested: "snapshotsRequested",
  /** snapshot: un-quiesced right after every snapshot got its handle (scaled back / command-after ran). */
  unquiesced: "unquiesced",
  /** snapshot: every source snapshot is readyToUse; io.rafdir.snapshot.ready was sent (phase → Copying). */
  snapshotsReady: "snapshotsReady",
  /** snapshot: copy contents, backup snapshots and backup PVCs exist. */
  copied: "copied",
  /** snapshot: every backup PVC is Bound or waits for its first consumer; io.rafdir.pvc.bound was sent. */
  pvcsReady: "pvcsReady",
  /** run-restic: the per-run ConfigMap and the backup pod exist (status.configMap/pod written; phase → BackingUp). */
  podCreated: "podCreated",
  /** run-restic: the backup pod ended and io.rafdir.pod.finished was sent (with the runner's result). */
  podFinished: "podFinished",
  /** cleanup: the outcome is decided (status.error or none, status.result) and teardown began (phase → CleaningUp). */
  cleanupStarted: "cleanupStarted",
  /** cleanup: everything the run created is gone, or its deletion is requested (the source snapshots, last). */
  tornDown: "tornDown",
} as const;
export type Step = (typeof Steps)[keyof typeof Steps];

const Ref = z.object({ namespace: z.string(), name: z.string() });

/** How the app was quiesced, persisted BEFORE quiescing so any later step (or the janitor) can undo it. */
export const QuiesceRecord = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("stop"),
    workload: z.object({ kind: z.enum(["Deployment", "StatefulSet"]), namespace: z.string(), name: z.string() }),
    originalReplicas: z.number().int().min(0),
    restored: z.boolean(),
    /** When the workload was scaled to 0 (how long its pods have had to stop). */
    stoppingSince: z.string().optional(),
    /** Set BEFORE scaling back (restored is set after): a late scale-down that sees it undoes itself. */
    scalingBackAt: z.string().optional(),
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
  /** The CSI driver of the source PV; the snapshot class and the backup PVC's storage class were verified to match. */
  driver: z.string().optional(),
  /** The VolumeSnapshotClass of the source snapshot (the profile's snapshot-class, else the driver's default). */
  snapshotClass: z.string().optional(),
  /** The StorageClass of the backup PVC (the profile's storage-class, else the source PVC's). */
  storageClass: z.string().optional(),
  /** The source PVC's capacity (a quantity): the backup PVC's size when the snapshot has no restoreSize. */
  capacity: z.string().optional(),
  /** The source PV is node-local (TopoLVM, local volumes): the backup pod runs on the application's node. */
  nodeLocal: z.boolean().optional(),
});
export type RunVolume = z.infer<typeof RunVolume>;

export const RunStatus = z.object({
  phase: z.enum(Phases),
  message: z.string().optional(),
  /** When plan queued the run (phase Queued: the concurrency limit was reached). */
  queuedAt: z.string().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** When plan last re-sent io.rafdir.backup.planned for a run that made no progress (a lost event, a slow stop). */
  redrivenAt: z.string().optional(),
  /** When the current step must be done by; the janitor aborts the run after it. */
  deadline: z.string().optional(),
  steps: z.record(z.string(), z.string()).optional(), // step name → RFC3339 time it completed
  target: z.object({ namespace: z.string(), pod: z.string().optional(), node: z.string().optional() }).optional(),
  quiesce: QuiesceRecord.optional(),
  volumes: z.array(RunVolume).optional(),
  /** NFS / hostPath sources backed up directly (one entry per mountPath in the backup pod). */
  direct: z
    .array(
      z.object({
        kind: z.enum(["nfs", "hostPath"]),
        /** `server:/path` or the host path, for people. */
        source: z.string(),
        mountPath: z.string(),
        subPath: z.string().optional(),
        nfs: z.object({ server: z.string(), path: z.string() }).optional(),
        hostPath: z.string().optional(),
      }),
    )
    .optional(),
  pod: z.string().optional(),
  configMap: z.string().optional(),
  /** The backup's summary, recorded by cleanup: per repository the snapshot and restic's counters (RunSummary). */
  result: z.unknown().optional(),
  error: z.object({ step: z.string(), reason: z.string(), message: z.string() }).optional(),
  /** Problems that did not fail the run (e.g. command-after exited non-zero), for the outcome. */
  warnings: z.array(z.string()).optional(),
});
export type RunStatus = z.infer<typeof RunStatus>;

/** The metadata of a run record (BackupRun, RestoreRun) as the functions read it. */
export interface RunMetadata {
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}

export interface BackupRun {
  apiVersion: typeof RUN_API_VERSION;
  kind: typeof RUN_KIND;
  metadata: RunMetadata;
  spec: { profile: string; trigger: string; requestedBy?: string; force?: boolean; repositories?: string[] };
  status?: RunStatus;
}

export function runRef(namespace: string, name: string) {
  return { apiVersion: RUN_API_VERSION, kind: RUN_KIND, plural: RUN_PLURAL, namespace, name };
}

/** The run's status, parsed; undefined when a status is present but breaks the contract (never guess a phase). */
export function parseStatus(run: { status?: unknown }): RunStatus | undefined {
  const raw = run.status;
  if (raw === undefined || raw === null || (typeof raw === "object" && Object.keys(raw).length === 0)) return { phase: "Pending" };
  const parsed = RunStatus.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** The run's status, parsed; a missing or unreadable status reads as a fresh Pending run. */
export function statusOf(run: { status?: unknown }): RunStatus {
  const parsed = RunStatus.safeParse(run.status);
  return parsed.success ? parsed.data : { phase: "Pending" };
}
