// What the backup pod reports, in its termination message (≤ 4096 bytes): per repository the snapshot and restic's
// counters, and for a streamed dump its byte count and exit code. `interpretBackup` turns one resticprofile run into
// a repository result; `encodeTerminationMessage` keeps the JSON under the limit.
import { z } from "zod";
import type { RunResult } from "../shared/restic/run.ts";
import { describeOutcome, exitOutcome, parseBackupOutput, type ResticOutcome } from "../shared/restic/summary.ts";
import type { JobProfile } from "./job.ts";

export const RepositoryResult = z.object({
  name: z.string(),
  kind: z.enum(["folders", "stdin"]),
  ok: z.boolean(),
  snapshotId: z.string().optional(),
  filesNew: z.number(),
  filesChanged: z.number(),
  filesUnmodified: z.number(),
  bytesAdded: z.number(),
  totalBytes: z.number(),
  durationSeconds: z.number(),
  /** restic's own exit code (from its exit_error line), else resticprofile's; -1 when it did not run. */
  exitCode: z.number(),
  error: z.string().optional(),
  /** A snapshot a failed dump left behind that could not be forgotten: someone must forget it. */
  leftoverSnapshotId: z.string().optional(),
});
export type RepositoryResult = z.infer<typeof RepositoryResult>;

export const StdinResult = z.object({
  bytes: z.number(),
  /** The command's exit code; absent when the stream ended without a status. */
  exitCode: z.number().optional(),
  error: z.string().optional(),
});
export type StdinResult = z.infer<typeof StdinResult>;

export const RunnerResult = z.object({
  run: z.string(),
  profile: z.string(),
  ok: z.boolean(),
  repositories: z.array(RepositoryResult),
  stdin: StdinResult.optional(),
  error: z.string().optional(),
  /** Error texts were shortened or dropped to fit the termination message. */
  truncated: z.boolean().optional(),
});
export type RunnerResult = z.infer<typeof RunnerResult>;

export const TERMINATION_MESSAGE_LIMIT = 4096;

/** One repository's result from its resticprofile backup run. */
export function interpretBackup(profile: JobProfile, run: RunResult): RepositoryResult {
  const out = parseBackupOutput(run.stdout, run.stderr);
  const exitCode = out.exitError?.code ?? run.code;
  const outcome = exitOutcome(exitCode);
  const s = out.summary;
  // exit 3 (unreadable files) passes only when resticprofile itself succeeded (`no-error-on-warning`).
  const accepted = outcome.kind === "ok" || (outcome.kind === "incomplete" && run.code === 0);
  const ok = accepted && s !== undefined;
  let error: string | undefined;
  if (!ok) error = outcome.kind === "ok" ? "restic printed no backup summary" : failure(out.exitError?.message, outcome, out.errors, run);
  else if (out.errors.length > 0) error = `${describeOutcome(outcome)}: ${out.errors.slice(0, 3).join("; ")}`;
  return {
    name: profile.repository,
    kind: profile.kind,
    ok,
    ...(s?.snapshot_id !== undefined ? { snapshotId: s.snapshot_id } : {}),
    filesNew: s?.files_new ?? 0,
    filesChanged: s?.files_changed ?? 0,
    filesUnmodified: s?.files_unmodified ?? 0,
    bytesAdded: s?.data_added ?? 0,
    totalBytes: s?.total_bytes_processed ?? 0,
    durationSeconds: round3(s?.total_duration ?? run.durationMs / 1000),
    exitCode,
    ...(error !== undefined ? { error } : {}),
  };
}

/**
 * Why a restic run through resticprofile failed: restic's own exit code (from its `exit_error` line, else
 * resticprofile's) and a text that starts with what the code means, e.g. "wrong repository password: Fatal: …".
 */
export function resticFailure(run: RunResult): { exitCode: number; error: string } {
  const out = parseBackupOutput(run.stdout, run.stderr);
  const exitCode = out.exitError?.code ?? run.code;
  return { exitCode, error: failure(out.exitError?.message, exitOutcome(exitCode), out.errors, run) };
}

function failure(message: string | undefined, outcome: ResticOutcome, errors: string[], run: RunResult): string {
  const head = message ?? run.error ?? lastLine(run.stderr) ?? resticprofileMessage(run.stdout);
  const detail = errors.length > 0 ? ` (${errors.slice(0, 3).join("; ")})` : "";
  return `${describeOutcome(outcome)}${head ? `: ${head}` : ""}${detail}`;
}

/** The last non-JSON line of restic's stderr (restic < 0.18 has no exit_error). */
function lastLine(text: string): string | undefined {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("{"));
  return lines[lines.length - 1];
}

const LOG_LINE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} (.+)$/;

/** resticprofile logs its own failures (profile not found, bad config…) to stdout: the first such log line. */
function resticprofileMessage(stdout: string): string | undefined {
  for (const line of stdout.split("\n")) {
    const m = LOG_LINE.exec(line.trim());
    if (m?.[1] && !/: (starting|finished) '/.test(m[1]) && !/ on profile '.*': exit status \d+$/.test(m[1])) return m[1];
  }
  return undefined;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** The result as JSON within `limit` bytes: error texts are shortened, then dropped, before anything else goes. */
export function encodeTerminationMessage(result: RunnerResult, limit = TERMINATION_MESSAGE_LIMIT): string {
  const full = JSON.stringify(result);
  if (Buffer.byteLength(full) <= limit) return full;
  for (const max of [300, 120, 40, 0]) {
    const text = JSON.stringify(shortenErrors(result, max));
    if (Buffer.byteLength(text) <= limit) return text;
  }
  return JSON.stringify({ run: result.run, profile: result.profile, ok: result.ok, repositories: [], truncated: true });
}

function shortenErrors(result: RunnerResult, max: number): RunnerResult {
  const cut = (e: string | undefined): string | undefined => (e === undefined || max === 0 ? undefined : e.length > max ? `${e.slice(0, max - 1)}…` : e);
  const repositories = result.repositories.map((r) => {
    const { error, ...rest } = r;
    const e = cut(error);
    return e === undefined ? rest : { ...rest, error: e };
  });
  const stdinError = cut(result.stdin?.error);
  const stdin = result.stdin && { bytes: result.stdin.bytes, ...(result.stdin.exitCode !== undefined ? { exitCode: result.stdin.exitCode } : {}), ...(stdinError ? { error: stdinError } : {}) };
  const error = cut(result.error);
  return { run: result.run, profile: result.profile, ok: result.ok, repositories, ...(stdin ? { stdin } : {}), ...(error ? { error } : {}), truncated: true };
}
