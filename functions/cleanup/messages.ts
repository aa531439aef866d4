// What a person reads about a run's end, pure: the error of a failed backup (from the runner's result), of a run
// that timed out (which step, which deadline), of an event that could not be delivered; and the summary of a
// successful one. Reasons are CamelCase machine words; messages name the repository, pod or event involved.
import { describeOutcome, exitOutcome, type ResticOutcome } from "../../shared/restic/summary.ts";
import { formatDuration } from "../../shared/profiles/index.ts";
import type { RunStatus } from "../../shared/runs/run.ts";
import type { RepositoryResult, RunnerResult } from "../../runner/result.ts";
import type { BackupPodLike } from "../common/pod-result.ts";

export type RunError = NonNullable<RunStatus["error"]>;

const REASONS: Record<ResticOutcome["kind"], string> = {
  ok: "ResticFailed",
  incomplete: "SnapshotIncomplete",
  repoMissing: "RepositoryMissing",
  lockFailed: "RepositoryLocked",
  wrongPassword: "WrongPassword",
  interrupted: "Interrupted",
  fatal: "ResticFailed",
};

function repositoryFailure(r: RepositoryResult): string {
  if (r.exitCode === -1) return `repository ${r.name} was not backed up: ${r.error ?? "resticprofile did not run"}`;
  return `resticprofile failed for repository ${r.name}: ${r.error ?? describeOutcome(exitOutcome(r.exitCode))} (exit ${r.exitCode})`;
}

function dumpFailure(stdin: NonNullable<RunnerResult["stdin"]>): string {
  if (stdin.exitCode !== undefined && stdin.exitCode !== 0) {
    // The runner's text repeats the exit code and the bytes; only what the command said on stderr is new.
    const at = stdin.error?.indexOf("; stderr: ") ?? -1;
    const said = stdin.error && at >= 0 ? ` (${stdin.error.slice(at + 2)})` : "";
    return `stdin dump cut short: exec exit ${stdin.exitCode} after ${stdin.bytes} bytes${said}`;
  }
  return `stdin dump failed after ${stdin.bytes} bytes${stdin.error ? `: ${stdin.error}` : ""}`;
}

/**
 * A repository of a failed dump: the runner stopped it (not run, or interrupted so it saved nothing) and repeats the
 * dump's reason as its error. Only what it adds (restic's own error, a failed forget) is worth saying.
 */
function afterDump(r: RepositoryResult, dumpError: string | undefined): string | undefined {
  if (r.exitCode === -1) return undefined;
  if (dumpError && r.error?.startsWith(dumpError)) {
    const extra = r.error.slice(dumpError.length).replace(/^;\s*/, "");
    return extra ? `repository ${r.name}: ${extra}` : undefined;
  }
  return exitOutcome(r.exitCode).kind === "interrupted" ? undefined : repositoryFailure(r);
}

/** Why a backup pod's run failed; undefined when it succeeded (pod Succeeded and the runner said ok). */
export function backupError(phase: "Succeeded" | "Failed", result: RunnerResult): RunError | undefined {
  if (phase === "Succeeded" && result.ok) return undefined;
  const problems: string[] = [];
  let reason: string | undefined;
  const stdin = result.stdin;
  if (stdin && (stdin.error !== undefined || (stdin.exitCode !== undefined && stdin.exitCode !== 0))) {
    problems.push(dumpFailure(stdin));
    reason = "DumpFailed";
  }
  for (const r of result.repositories.filter((x) => !x.ok)) {
    const problem = reason === "DumpFailed" ? afterDump(r, stdin?.error) : repositoryFailure(r);
    if (problem) problems.push(problem);
    reason ??= r.exitCode === -1 ? "NotBackedUp" : REASONS[exitOutcome(r.exitCode).kind];
  }
  if (problems.length === 0) {
    const message = result.error ?? (result.ok ? "the backup pod failed although its runner reported success" : "the backup pod reported a failure without details");
    return { step: "backup", reason: "BackupPodFailed", message };
  }
  if (result.error) problems.push(result.error);
  return { step: "backup", reason: reason ?? "BackupFailed", message: problems.join("; ") };
}

const units = ["B", "KiB", "MiB", "GiB", "TiB"];
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** `backed up into local (snapshot 1ead12ab: 3 new, 0 changed files, 1.2 MiB added)`. */
export function successMessage(summary: { repositories: RepositoryResult[] } | undefined): string {
  const repos = summary?.repositories ?? [];
  if (repos.length === 0) return "backup done";
  const parts = repos.map((r) => `${r.name} (snapshot ${r.snapshotId?.slice(0, 8) ?? "none"}: ${r.filesNew} new, ${r.filesChanged} changed files, ${formatBytes(r.bytesAdded)} added)`);
  return `backed up into ${parts.join(", ")}`;
}

const PHASE_STEP: Record<string, string> = {
  Pending: "planning (target, quiesce)",
  Snapshotting: "snapshotting",
  Copying: "copying the snapshots into the backup namespace",
  BackingUp: "the backup",
};

/** The run passed its deadline in `status.phase`: which step timed out, and what was still missing. */
export function timeoutError(status: RunStatus, pod: BackupPodLike | undefined): RunError {
  const step = PHASE_STEP[status.phase] ?? status.phase;
  let detail = "";
  if (status.phase === "Snapshotting") detail = `: the snapshots in namespace ${status.target?.namespace ?? "?"} were not ready`;
  else if (status.phase === "Copying") detail = ": the backup PVCs were not ready";
  else if (status.phase === "BackingUp") detail = `: ${podState(status.pod, pod)}`;
  else if (status.message) detail = ` (last: ${status.message})`; // e.g. "waiting for 1 pod(s) of Deployment x/y to stop"
  const message = `${step} did not finish by the deadline ${status.deadline ?? "(none recorded: it never started)"}${detail}; the run was stopped and everything it created removed`;
  return { step: "timeout", reason: "DeadlineExceeded", message };
}

/** A backup pod that stayed Pending longer than settings.timeouts.podStart (unschedulable, image pull, volume). */
export function podStartError(status: RunStatus, pod: BackupPodLike, podStartMs: number): RunError {
  return {
    step: "backup",
    reason: "PodNotStarted",
    message: `${podState(status.pod, pod)} ${formatDuration(podStartMs)} after it was created (settings.timeouts.podStart); the run was stopped and everything it created removed`,
  };
}

function podState(name: string | undefined, pod: BackupPodLike | undefined): string {
  if (!name) return "no backup pod was created";
  if (!pod) return `backup pod ${name} is gone`;
  const cs = pod.status?.containerStatuses?.[0];
  const waiting = cs?.state?.waiting;
  const why = [waiting?.reason, waiting?.message ?? pod.status?.message].filter(Boolean).join(": ");
  return `backup pod ${pod.metadata.namespace ?? ""}/${name} was still ${pod.status?.phase ?? "without a phase"}${why ? ` (${why})` : ""}`;
}

/** knativeerrordata is base64 (reference/knative.md §1); shown as one short line. */
function decodeErrorData(data: unknown): string | undefined {
  if (typeof data !== "string" || data === "") return undefined;
  const text = Buffer.from(data, "base64").toString("utf8").replace(/\s+/g, " ").trim();
  if (text === "") return undefined;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** A dead-lettered event: which event could not be delivered where, and how the last attempt ended. */
export function deliveryError(type: string, attrs: { dest?: unknown; code?: unknown; data?: unknown }): RunError {
  const dest = typeof attrs.dest === "string" && attrs.dest ? attrs.dest : "its subscriber";
  const code = attrs.code === undefined || attrs.code === "" ? "unknown" : String(attrs.code);
  const said = decodeErrorData(attrs.data);
  const how = code === "0" ? "the subscriber could not be reached" : `the last attempt answered HTTP ${code}${said ? ` (${said})` : ""}`;
  return { step: "delivery", reason: "DeliveryFailed", message: `event ${type} could not be delivered to ${dest}: ${how}; the run was stopped and cleaned up` };
}
