// Reading and writing a BackupRun from any function: the run record is the single source of truth (ADR 0003), so
// every step goes through these few helpers. Status writes are JSON merge patches of the status subresource: send
// only what changed; objects merge, arrays replace, null deletes.
import { newEvent, EventTypes, functionSource, type EventData } from "../../shared/events.ts";
import { isConflict, TransientError } from "../../shared/errors.ts";
import type { Obj } from "../../shared/kube/port.ts";
import type { Logger } from "../../shared/log.ts";
import { Labels, parseStatus, RUN_API_VERSION, RUN_KIND, runRef, type BackupRun, type RunMetadata, type RunStatus } from "../../shared/runs/run.ts";
import type { FunctionDeps } from "./deps.ts";

type RunObject = BackupRun & Obj;

/** A merge patch of T: every field optional, nested objects partial, null deletes; arrays are replaced whole. */
export type MergePatch<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: MergePatch<T[K]> | null } : T;
export type RunStatusPatch = MergePatch<RunStatus>;

export type AbortStep = EventData<typeof EventTypes.backupAborted>["step"];
export interface AbortReason {
  step: AbortStep;
  /** CamelCase machine word: NoPod, DriverMismatch, CommandBeforeFailed... */
  reason: string;
  /** What happened and what a person can do, naming the profile and the objects involved. */
  message: string;
}

const EVENT_MESSAGE_MAX = 1000;

export async function getRun(deps: FunctionDeps, name: string): Promise<BackupRun | undefined> {
  return deps.kube.get<RunObject>({ apiVersion: RUN_API_VERSION, kind: RUN_KIND, name, namespace: deps.namespace });
}

/** BackupRuns in the backup namespace, optionally by label selector (e.g. `rafdir.io/profile=db`). */
export async function listRuns(deps: FunctionDeps, labelSelector?: string): Promise<BackupRun[]> {
  return deps.kube.list<RunObject>(RUN_API_VERSION, RUN_KIND, deps.namespace, labelSelector);
}

export async function patchRunStatus(deps: FunctionDeps, name: string, patch: RunStatusPatch): Promise<BackupRun> {
  const out = await deps.kube.patchStatus(runRef(deps.namespace, name), patch as Record<string, unknown>);
  return out as unknown as BackupRun;
}

/** A run record: a BackupRun or a RestoreRun. */
export interface RunRecord {
  apiVersion: string;
  kind: string;
  metadata: RunMetadata;
  spec: { profile: string };
}

/** A child logger naming the run and its profile. */
export function runLog(log: Logger, run: Pick<RunRecord, "metadata" | "spec">): Logger {
  return log.child({ run: run.metadata.name, profile: run.spec?.profile ?? run.metadata.labels?.[Labels.profile] });
}

/**
 * A Kubernetes Event on the run record, so `kubectl describe backuprun|restorerun` shows the progress. Best effort:
 * a failure is logged, never thrown (observability must not fail a step).
 */
export async function recordRunEvent(deps: FunctionDeps, run: RunRecord, type: "Normal" | "Warning", reason: string, message: string): Promise<void> {
  const text = message.length > EVENT_MESSAGE_MAX ? `${message.slice(0, EVENT_MESSAGE_MAX - 1)}…` : message;
  try {
    await deps.kube.recordEvent(run as RunRecord & Obj, type, reason, text, `rafdir-${deps.name}`);
  } catch (err) {
    runLog(deps.log, run).warn({ err, reason }, `could not record an Event on the ${run.kind}`);
  }
}

/**
 * A step gave up: records the error on the run (the first error wins: it is the cause), a Warning Event, and
 * emits io.rafdir.backup.aborted for cleanup to tear the run down. The quiesce record is never touched, so cleanup
 * can always un-quiesce. The event id is deterministic per run and step, so a repeated abort is a duplicate.
 */
export async function abortRun(deps: FunctionDeps, run: BackupRun, why: AbortReason): Promise<void> {
  const log = runLog(deps.log, run);
  const status = parseStatus(run);
  const error = status?.error ?? { step: why.step, reason: why.reason, message: why.message };
  await patchRunStatus(deps, run.metadata.name, { error, message: `${why.step} failed: ${why.message}` });
  await recordRunEvent(deps, run, "Warning", why.reason, why.message);
  log.warn({ step: why.step, reason: why.reason, message: why.message }, "run aborted");
  const profile = run.spec.profile;
  await deps.emit(
    newEvent(EventTypes.backupAborted, functionSource(deps.name), { run: run.metadata.name, profile, ...why }, { id: `${run.metadata.name}-aborted-${why.step}` }),
  );
}

const CLAIM_PREFIX = "rafdir.io/claim-";
const CLAIM_ATTEMPTS = 5;

/**
 * Compare-and-set of annotation `rafdir.io/claim-<key>` on the BackupRun, for an effect that must happen at most
 * once even when deliveries race (command-before, command-after). True: this caller set it and owns the effect;
 * false: someone already did. Uses the run's resourceVersion as the precondition and re-reads on a conflict.
 */
export async function claimRun(deps: FunctionDeps, run: BackupRun, key: string, token: string): Promise<boolean> {
  const annotation = `${CLAIM_PREFIX}${key}`;
  let current: BackupRun | undefined = run;
  for (let attempt = 1; current; attempt++) {
    if (current.metadata.annotations?.[annotation] !== undefined) return false;
    const ref = { apiVersion: RUN_API_VERSION, kind: RUN_KIND, name: run.metadata.name, namespace: deps.namespace };
    try {
      await deps.kube.patch(ref, { metadata: { resourceVersion: current.metadata.resourceVersion, annotations: { [annotation]: token } } });
      return true;
    } catch (err) {
      if (!isConflict(err) || attempt >= CLAIM_ATTEMPTS) {
        if (isConflict(err)) throw new TransientError(`BackupRun ${run.metadata.name} kept changing while claiming ${key}`, { cause: err, retryAfterSeconds: 1 });
        throw err;
      }
    }
    current = await getRun(deps, run.metadata.name);
  }
  return false;
}

/** Whether a claim was taken (by anyone). */
export const isClaimed = (run: BackupRun, key: string): boolean => claimHolder(run, key) !== undefined;

/** The token a claim was taken with, if any (callers may encode who and when, to take over a stale claim). */
export const claimHolder = (run: BackupRun, key: string): string | undefined => run.metadata.annotations?.[`${CLAIM_PREFIX}${key}`];
