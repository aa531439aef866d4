// The backup pod's work, one of:
//  - folders: each repository's profile in turn (one resticprofile backup each);
//  - folders + dump (upstream): the dump is written into the first folder, then the folders backups; a failed dump
//    backs up nothing;
//  - dump alone: streamed into every repository's restic at once (stdin-backup.ts).
// The result is ok only if every repository (and the dump) succeeded.
import type { Logger } from "../shared/log.ts";
import { resticprofileBackupArgv } from "../shared/restic/argv.ts";
import type { RunOptions, RunResult } from "../shared/restic/run.ts";
import type { PodExec } from "./exec.ts";
import type { JobProfile, RunnerJob } from "./job.ts";
import { interpretBackup, type RepositoryResult, type RunnerResult } from "./result.ts";
import { backupStdin } from "./stdin-backup.ts";
import { dumpToFile } from "./stdin-file.ts";

export interface RunnerDeps {
  /** `runCommand` from shared/restic/run.ts. */
  run: (argv: readonly string[], opts: RunOptions) => Promise<RunResult>;
  /** Needed only for a stdin job. */
  exec?: PodExec;
  /** resticprofile's and restic's environment (repository credentials). Never logged. */
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Pod termination: interrupts restic (no snapshot is saved) and the dump. */
  signal?: AbortSignal;
}

export async function runJob(job: RunnerJob, deps: RunnerDeps): Promise<RunnerResult> {
  const log = deps.log.child({ run: job.run, profile: job.profile });
  log.info({ step: "job", repositories: job.profiles.map((p) => `${p.repository}/${p.kind}`) }, "backup job started");
  const repositories: RepositoryResult[] = [];
  let stdin: RunnerResult["stdin"];
  const folders = job.profiles.filter((p) => p.kind === "folders");
  const streamed = job.profiles.filter((p) => p.kind === "stdin");
  if (job.stdin?.path !== undefined) stdin = await dumpToFile({ ...job.stdin, path: job.stdin.path }, deps, log);
  for (const profile of folders) {
    repositories.push(stdin?.error === undefined ? await backupFolders(job, profile, deps, log) : notRun(profile, "the dump failed"));
  }
  if (streamed.length > 0 && job.stdin) {
    const r = await backupStdin(job, job.stdin, streamed, deps, log);
    repositories.push(...r.repositories);
    stdin = r.stdin;
  }
  const ok = repositories.every((r) => r.ok) && stdin?.error === undefined;
  log.info({ step: "job", ok }, "backup job finished");
  return { run: job.run, profile: job.profile, ok, repositories, ...(stdin ? { stdin } : {}) };
}

function notRun(profile: JobProfile, why: string): RepositoryResult {
  const zero = { filesNew: 0, filesChanged: 0, filesUnmodified: 0, bytesAdded: 0, totalBytes: 0, durationSeconds: 0 };
  return { name: profile.repository, kind: profile.kind, ok: false, ...zero, exitCode: -1, error: `not backed up: ${why}` };
}

async function backupFolders(job: RunnerJob, profile: JobProfile, deps: RunnerDeps, log: Logger): Promise<RepositoryResult> {
  log.info({ step: "backup", repository: profile.repository, resticprofile: profile.name }, "backup started");
  const run = await deps.run(resticprofileBackupArgv(job.resticprofileConfigPath, profile.name), { env: deps.env, signal: deps.signal });
  const r = interpretBackup(profile, run);
  const { name: repository, ...fields } = r;
  log[r.ok ? "info" : "error"]({ step: "backup", repository, ...fields }, "backup finished");
  return r;
}
