// Ending a run, in a straight line every entry point shares (pod.finished, backup.aborted, dead letters, the
// janitor): decide and record the outcome (phase CleaningUp), give the application back, tear everything down in
// the safe order, then record the final phase — exactly once, claimed on the run — trim the profile's history and
// return io.rafdir.backup.succeeded / .failed. A run already final gives nothing (a duplicate is answered 202).
import type { CloudEvent } from "cloudevents";
import { TransientError } from "../../shared/errors.ts";
import { EventTypes, functionSource, newEvent } from "../../shared/events.ts";
import { isFinal, Labels, parseStatus, RUN_API_VERSION, RUN_KIND, type BackupRun } from "../../shared/runs/run.ts";
import { runsToTrim } from "../../shared/runs/trim.ts";
import { claimRun, getRun, listRuns, patchRunStatus, recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import { currentSettings } from "../common/profile.ts";
import { cleanupStart, finalOutcome, type Cause } from "./decide.ts";
import { undoQuiesce } from "./quiesce.ts";
import { observeRun, tearDown, type TeardownOptions } from "./teardown.ts";

export interface FinishOptions {
  /** Identifies this delivery in the run's claims (unique per delivery). */
  token: string;
  /** The janitor taking over a stalled teardown: proceed even if another delivery claimed the outcome. */
  override?: boolean;
  teardown?: TeardownOptions;
}

const OUTCOME_CLAIM = "outcome";

export async function finishRun(deps: FunctionDeps, runName: string, cause: Cause, opts: FinishOptions): Promise<CloudEvent<unknown> | undefined> {
  let run = await getRun(deps, runName);
  if (!run) return void deps.log.info({ run: runName }, "BackupRun not found; nothing to clean up");
  const d: FunctionDeps = { ...deps, log: runLog(deps.log, run) };
  const start = cleanupStart(parseStatus(run), cause, d.now());
  if (start.kind === "skip") return void d.log.info({ reason: start.reason, cause: cause.kind }, "cleanup: nothing to do");
  if (start.kind === "start") {
    run = await patchRunStatus(d, runName, start.patch);
    const error = parseStatus(run)?.error;
    await recordRunEvent(d, run, error ? "Warning" : "Normal", "CleaningUp", error ? `${error.step} failed (${error.reason}); removing what the run created` : "backup done; removing what the run created");
  }
  const status = parseStatus(run);
  if (!status) return undefined;

  run = await undoQuiesce(d, run, status, opts.token);
  await tearDown(d, await observeRun(d, run), opts.teardown);

  const fresh = await getRun(d, runName);
  const current = fresh && parseStatus(fresh);
  if (!fresh || !current || isFinal(current.phase)) return undefined;
  if (!(await claimOutcome(d, fresh, opts))) return undefined;
  const final = finalOutcome(current, d.now());
  run = await patchRunStatus(d, runName, final.patch);
  const failed = final.phase === "Failed";
  await recordRunEvent(d, run, failed ? "Warning" : "Normal", failed ? "BackupFailed" : "BackupSucceeded", final.data.message);
  d.log[failed ? "warn" : "info"]({ phase: final.phase, reason: final.data.reason, message: final.data.message }, "run finished");
  await trimHistory(d, run.spec.profile);
  const type = failed ? EventTypes.backupFailed : EventTypes.backupSucceeded;
  return newEvent(type, functionSource(d.name), { run: runName, profile: run.spec.profile, ...final.data }, { id: `${runName}-${final.phase.toLowerCase()}` });
}

/** True when this delivery records the outcome; false when the run became final meanwhile. */
async function claimOutcome(deps: FunctionDeps, run: BackupRun, opts: FinishOptions): Promise<boolean> {
  if (await claimRun(deps, run, OUTCOME_CLAIM, opts.token)) return true;
  const now = await getRun(deps, run.metadata.name);
  const status = now && parseStatus(now);
  if (!now || !status || isFinal(status.phase)) return false;
  if (opts.override) return true;
  throw new TransientError(`another delivery is recording the outcome of BackupRun ${run.metadata.name}`, { retryAfterSeconds: 1 });
}

/** Keeps settings.history per profile (always the newest success); best effort — the next run trims again. */
async function trimHistory(deps: FunctionDeps, profile: string): Promise<void> {
  try {
    const settings = await currentSettings(deps);
    const runs = await listRuns(deps, `${Labels.profile}=${profile}`);
    const doomed = runsToTrim(runs, settings.history);
    for (const name of doomed) await deps.kube.remove({ apiVersion: RUN_API_VERSION, kind: RUN_KIND, name, namespace: deps.namespace });
    if (doomed.length) deps.log.info({ trimmed: doomed, keep: settings.history }, "history trimmed");
  } catch (err) {
    deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "history not trimmed");
  }
}
