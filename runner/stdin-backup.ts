// A streamed dump into every stdin repository at once: the command runs ONCE in the target pod (pods/exec), its
// stdout is teed into one `resticprofile … backup` (stdin: true) per repository, so all repositories hold the same
// dump and the database is dumped once. The slowest restic sets the pace.
//
// Fail closed: restic's stdin is only closed (EOF → snapshot) after the exec Status said Success and bytes came.
// Otherwise every restic is interrupted while its stdin is still open, so it saves no snapshot ("unable to save
// snapshot: context canceled"); should one have been saved anyway, it is forgotten, so a truncated dump never
// becomes "latest".
import type { Logger } from "../shared/log.ts";
import { forgetArgv, resticprofileBackupArgv, viaResticprofile } from "../shared/restic/argv.ts";
import { stdinArgv, type JobProfile, type RunnerJob, type StdinSource } from "./job.ts";
import type { RunnerDeps } from "./backup.ts";
import { interpretBackup, type RepositoryResult, type StdinResult } from "./result.ts";
import { judgeStdin } from "./stdin-verdict.ts";
import { Tee, newTarget } from "./tee.ts";

export interface StdinBackup {
  repositories: RepositoryResult[];
  stdin: StdinResult;
}

export async function backupStdin(job: RunnerJob, source: StdinSource, profiles: JobProfile[], deps: RunnerDeps, log: Logger): Promise<StdinBackup> {
  if (!deps.exec) throw new Error("a stdin backup needs the Kubernetes exec port");
  const execAbort = new AbortController();
  const stopExec = () => execAbort.abort();
  deps.signal?.addEventListener("abort", stopExec, { once: true });
  const sinks = profiles.map((profile) => ({ profile, target: newTarget(), abort: new AbortController(), exited: false, exitedOnItsOwn: false }));
  const tee = new Tee(sinks.map((s) => s.target), stopExec);

  log.info({ step: "stdin", namespace: source.namespace, pod: source.pod, container: source.container, filename: source.filename, repositories: profiles.map((p) => p.repository) }, "streaming dump");
  const runs = sinks.map((s) =>
    deps
      .run(resticprofileBackupArgv(job.resticprofileConfigPath, s.profile.name), { env: deps.env, stdin: s.target, signal: s.abort.signal })
      .finally(() => {
        s.exited = true;
        tee.drop(s.target);
      }),
  );
  const end = await deps.exec({ namespace: source.namespace, pod: source.pod, container: source.container, command: stdinArgv(source) }, tee, execAbort.signal);
  deps.signal?.removeEventListener("abort", stopExec);
  // Bytes the tee still holds must reach every restic before EOF; a failed dump is not worth waiting for.
  if (end.status?.status === "Success" && end.error === undefined) await new Promise<void>((resolve) => tee.end(resolve));
  const verdict = judgeStdin(end, tee.bytes);
  for (const s of sinks) {
    s.exitedOnItsOwn = s.exited;
    if (!verdict.ok) s.abort.abort();
    else if (!s.target.destroyed) s.target.end();
  }
  const stdin: StdinResult = {
    bytes: tee.bytes,
    ...(end.status?.exitCode !== undefined ? { exitCode: end.status.exitCode } : {}),
    ...(!verdict.ok ? { error: verdict.reason } : {}),
  };
  log.info({ step: "stdin", ok: verdict.ok, bytes: stdin.bytes, exitCode: stdin.exitCode, error: stdin.error }, "dump stream ended");

  const results = await Promise.all(runs);
  const repositories: RepositoryResult[] = [];
  for (const [i, run] of results.entries()) {
    const { profile, exitedOnItsOwn } = sinks[i] as (typeof sinks)[number];
    const own = interpretBackup(profile, run);
    const r = verdict.ok ? own : await failClosed(job, profile, own, exitedOnItsOwn ? own.error : undefined, verdict.reason, deps, log);
    const { name: repository, ...fields } = r;
    log[r.ok ? "info" : "error"]({ step: "backup", repository, ...fields }, "backup finished");
    repositories.push(r);
  }
  return { repositories, stdin };
}

/**
 * A repository result of a failed dump: never ok, and no snapshot of it survives. `ownError` is restic's error when
 * it stopped before the dump failed (e.g. a wrong password); after the abort its errors are only the abort's echo.
 */
async function failClosed(job: RunnerJob, profile: JobProfile, r: RepositoryResult, ownError: string | undefined, reason: string, deps: RunnerDeps, log: Logger): Promise<RepositoryResult> {
  const { snapshotId, ...rest } = r;
  const failed: RepositoryResult = { ...rest, ok: false, error: ownError ? `${reason}; restic: ${ownError}` : reason };
  if (snapshotId === undefined) return failed;
  const forgetError = await forgetSnapshot(job, profile, snapshotId, deps);
  log.warn({ step: "forget", repository: profile.repository, snapshotId, error: forgetError }, forgetError ? "could not forget the snapshot of a failed dump" : "forgot the snapshot of a failed dump");
  return forgetError ? { ...failed, leftoverSnapshotId: snapshotId, error: `${failed.error}; forget failed: ${forgetError}` } : failed;
}

/** Forgets one snapshot through the profile (scoped to the job's host and tag); returns the error, if any. */
export async function forgetSnapshot(job: RunnerJob, profile: JobProfile, snapshotId: string, deps: Pick<RunnerDeps, "run" | "env">): Promise<string | undefined> {
  const args = [...forgetArgv({ host: job.host, tags: [job.profile], snapshots: [snapshotId] }), "--retry-lock=2m"];
  const r = await deps.run(viaResticprofile(job.resticprofileConfigPath, profile.name, args), { env: deps.env });
  if (r.code === 0) return undefined;
  const lines = `${r.error ?? ""}\n${r.stderr}`.split("\n").filter((l) => l.trim() !== "");
  return lines[lines.length - 1] ?? `exit code ${r.code}`;
}
