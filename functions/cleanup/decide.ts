// cleanup, pure: whether an event starts, resumes or skips a run's teardown, what the run records when it starts
// (the outcome is decided then: status.error or none) and when it ends, what un-quiescing is owed, and what the
// janitor does with each run. The clock is an argument; nothing here reads the cluster.
import { EventTypes, parseEventData, type EventData } from "../../shared/events.ts";
import { isFinal, Steps, type RunStatus } from "../../shared/runs/run.ts";
import { RunnerResult } from "../../runner/result.ts";
import { finishedPhase, podRunnerResult, type BackupPodLike, type FinishedPhase } from "../common/pod-result.ts";
import type { RunStatusPatch } from "../common/index.ts";
import { backupError, podStartError, successMessage, timeoutError, type RunError } from "./messages.ts";

/** Why a run is being torn down. */
export type Cause =
  /** io.rafdir.pod.finished (or the janitor reading a finished pod whose event was lost). */
  | { kind: "finished"; pod: string; phase: FinishedPhase; result: RunnerResult }
  /** io.rafdir.backup.aborted, a dead letter, a deadline: the first error recorded on the run wins. */
  | { kind: "aborted"; error: RunError; result?: RunnerResult }
  /** The janitor finishing a teardown that stalled: the outcome recorded when it began stands. */
  | { kind: "redrive" };

/** How long a run without a deadline (not queued) may exist before the janitor ends it. */
export const UNSTARTED_TIMEOUT_MS = 60 * 60_000;

/** How long a teardown may take before the janitor takes it over. */
export const CLEANUP_TIMEOUT_MS = 2 * 60_000;

/** The runner's result as the run records it (status.result) and the outcome event carries it (summary). */
export type RunSummary = Omit<RunnerResult, "run" | "profile">;
export const runSummary = ({ run: _run, profile: _profile, ...summary }: RunnerResult): RunSummary => summary;

export type Start = { kind: "skip"; reason: string } | { kind: "resume" } | { kind: "start"; patch: RunStatusPatch };

export function cleanupStart(status: RunStatus | undefined, cause: Cause, now: Date): Start {
  if (!status) return { kind: "skip", reason: "the run's status breaks the contract; not touching it" };
  if (isFinal(status.phase)) return { kind: "skip", reason: `the run is ${status.phase} already` };
  if (cause.kind === "finished" && status.pod !== undefined && status.pod !== cause.pod) {
    return { kind: "skip", reason: `pod ${cause.pod} is not the run's backup pod (${status.pod})` };
  }
  if (status.phase === "CleaningUp") return { kind: "resume" };
  const causeError = cause.kind === "finished" ? backupError(cause.phase, cause.result) : cause.kind === "aborted" ? cause.error : undefined;
  if (cause.kind === "redrive" && !status.error) return { kind: "skip", reason: "no outcome was decided for this run" };
  const error = status.error ?? causeError;
  const result = cause.kind === "redrive" ? undefined : cause.result;
  return {
    kind: "start",
    patch: {
      phase: "CleaningUp",
      steps: { [Steps.cleanupStarted]: now.toISOString() },
      deadline: new Date(now.getTime() + CLEANUP_TIMEOUT_MS).toISOString(),
      message: error ? `${error.step} failed: ${error.message}; cleaning up` : "backup done; cleaning up",
      ...(error ? { error } : {}),
      ...(result ? { result: runSummary(result) } : {}),
    },
  };
}

export interface Final {
  phase: "Succeeded" | "Failed";
  patch: RunStatusPatch;
  /** The outcome event's data beside run and profile. */
  data: { reason?: string; message: string; summary?: unknown };
}

/** The run's end: Failed when an error was recorded, else Succeeded, with the summary a person reads. */
export function finalOutcome(status: RunStatus, now: Date): Final {
  const error = status.error;
  const summary = status.result as RunSummary | undefined;
  const phase = error ? "Failed" : "Succeeded";
  const warnings = [...(status.warnings ?? [])];
  const q = status.quiesce;
  if (q?.kind === "command" && q.afterOwed) {
    warnings.push(`command-after ${JSON.stringify(q.commandAfter ?? [])} may not have run in pod ${q.namespace}/${q.pod}; check the application and run it by hand if needed`);
  }
  const base = error ? `${error.step} failed: ${error.message}` : successMessage(summary);
  const message = warnings.length ? `${base}; warnings: ${warnings.join("; ")}` : base;
  return {
    phase,
    patch: { phase, finishedAt: now.toISOString(), deadline: null, steps: { [Steps.tornDown]: now.toISOString() }, message },
    data: { ...(error ? { reason: error.reason } : {}), message, ...(summary !== undefined ? { summary } : {}) },
  };
}

export type Undo =
  | { kind: "none" }
  | { kind: "scaleBack"; workload: { kind: "Deployment" | "StatefulSet"; namespace: string; name: string }; replicas: number }
  | { kind: "commandAfter"; namespace: string; pod: string; container?: string; command: string[] };

/** What the quiesce record still owes the application. */
export function owedUndo(status: RunStatus): Undo {
  const q = status.quiesce;
  if (!q) return { kind: "none" };
  if (q.kind === "stop") return q.restored ? { kind: "none" } : { kind: "scaleBack", workload: q.workload, replicas: q.originalReplicas };
  if (!q.afterOwed || !q.commandAfter?.length) return { kind: "none" };
  return { kind: "commandAfter", namespace: q.namespace, pod: q.pod, ...(q.container ? { container: q.container } : {}), command: q.commandAfter };
}

export type JanitorAction = { kind: "skip"; reason: string } | { kind: "finish"; cause: Cause; why: string };

/**
 * One run at a janitor tick: a stalled teardown is taken over, an aborted run that was never torn down is, a
 * finished backup pod whose event was lost ends its run, and a run past its deadline is aborted (step "timeout").
 */
export function janitorAction(status: RunStatus | undefined, now: Date, pod: BackupPodLike | undefined, ident: { run: string; profile: string; created?: string; podStartMs?: number }): JanitorAction {
  if (!status) return { kind: "skip", reason: "status breaks the contract" };
  if (isFinal(status.phase)) return { kind: "skip", reason: status.phase };
  if (status.phase === "Queued") return { kind: "skip", reason: "queued: plan starts it when a slot is free" };
  const overdue = status.deadline !== undefined && now.getTime() > Date.parse(status.deadline);
  if (status.phase === "CleaningUp") return overdue ? { kind: "finish", cause: { kind: "redrive" }, why: "teardown stalled" } : { kind: "skip", reason: "teardown under way" };
  if (status.error) return { kind: "finish", cause: { kind: "aborted", error: status.error }, why: "aborted but not torn down" };
  const phase = pod && status.phase === "BackingUp" && status.pod === pod.metadata.name ? finishedPhase(pod) : undefined;
  if (pod && phase) return { kind: "finish", cause: { kind: "finished", pod: pod.metadata.name, phase, result: podRunnerResult(pod, ident) }, why: `backup pod ${phase}` };
  const created = Date.parse(status.steps?.[Steps.podCreated] ?? "");
  if (status.phase === "BackingUp" && pod && (pod.status?.phase ?? "Pending") === "Pending" && ident.podStartMs !== undefined && now.getTime() - created > ident.podStartMs) {
    return { kind: "finish", cause: { kind: "aborted", error: podStartError(status, pod, ident.podStartMs) }, why: "backup pod never started" };
  }
  if (status.phase === "BackingUp" && status.pod && !pod) {
    // BackingUp is recorded only after the pod exists: it was deleted or evicted before it reported (not 4 h later).
    const message = `backup pod ${status.pod} disappeared before it reported a result (deleted or evicted); the backup was not taken`;
    return { kind: "finish", cause: { kind: "aborted", error: { step: "backup", reason: "PodGone", message } }, why: "backup pod gone" };
  }
  if (!status.deadline) {
    // A run whose status never got a deadline (its plan crashed between create and status): an hour from creation.
    const created = ident.created ? Date.parse(ident.created) : Number.NaN;
    if (Number.isNaN(created) || now.getTime() <= created + UNSTARTED_TIMEOUT_MS) return { kind: "skip", reason: "no deadline" };
    return { kind: "finish", cause: { kind: "aborted", error: timeoutError(status, pod) }, why: "never started (no deadline) an hour after its creation" };
  }
  if (!overdue) return { kind: "skip", reason: `in time (deadline ${status.deadline})` };
  return { kind: "finish", cause: { kind: "aborted", error: timeoutError(status, pod) }, why: "deadline passed" };
}

/** io.rafdir.pod.finished → its cause; a result that is not the runner's counts as a failure (fail closed). */
export function finishedCause(data: EventData<typeof EventTypes.podFinished>): Cause {
  const parsed = RunnerResult.safeParse(data.result);
  const result = parsed.success
    ? parsed.data
    : { run: data.run, profile: data.profile ?? "", ok: false, repositories: [], error: `io.rafdir.pod.finished for pod ${data.pod} carried no readable runner result` };
  return { kind: "finished", pod: data.pod, phase: data.phase, result };
}

export type DeadLetterPlan = { kind: "ignore"; reason: string } | { kind: "finish"; cause: Cause };

/**
 * A dead-lettered event of a run. pod.finished and backup.aborted mean what they meant (cleanup itself could not
 * take them, or another subscriber — restore — failed on them); an event whose step the run has already passed is
 * stale (another subscriber of the same type failed); anything else stops the run with `error` (step "delivery").
 */
export function deadLetterPlan(type: string, data: unknown, status: RunStatus | undefined, error: RunError): DeadLetterPlan {
  if (!status) return { kind: "ignore", reason: "the run's status breaks the contract" };
  if (isFinal(status.phase)) return { kind: "ignore", reason: `the run is ${status.phase} already` };
  const steps = status.steps ?? {};
  /** Event type → the step it drives, and whether the run is past it. */
  const drives: Record<string, [string, boolean]> = {
    [EventTypes.backupPlanned]: ["planning", status.phase !== "Pending"],
    [EventTypes.snapshotReady]: ["the copy", !!steps[Steps.copied]],
    [EventTypes.pvcBound]: ["creating the backup pod", !!steps[Steps.podCreated]],
  };
  if (type === EventTypes.podFinished) {
    const d = parseEventData(EventTypes.podFinished, data);
    if (d.ok) return { kind: "finish", cause: finishedCause(d.data) };
  } else if (type === EventTypes.backupAborted) {
    const d = parseEventData(EventTypes.backupAborted, data);
    if (d.ok) return { kind: "finish", cause: { kind: "aborted", error: { step: d.data.step, reason: d.data.reason, message: d.data.message } } };
  } else {
    const [step, past] = drives[type] ?? ["", false];
    if (past) return { kind: "ignore", reason: `the run is past ${step}` };
  }
  return { kind: "finish", cause: { kind: "aborted", error } };
}
