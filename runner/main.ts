// rafdir-runner, the entry point of the backup and restore pods: run one job, write the result to the termination
// message, exit 0 only if it succeeded (1: it failed, 2: bad job file or arguments).
//   rafdir-runner                  the job file: a backup job (RunnerJob), or `action: inspect | restore`
//   rafdir-runner copy <from> <to> make `to` an exact copy of `from` (an existing PVC's restore)
//   node --import tsx runner/main.ts [copy <from> <to>]     (the image runs bin/rafdir-runner)
// Environment: RAFDIR_RUNNER_JOB (default /etc/rafdir/job.json), RAFDIR_TERMINATION_LOG (default
// /dev/termination-log), LOG_LEVEL; KUBECONFIG or the in-cluster service account for the exec of a stdin job;
// repository credentials (RESTIC_PASSWORD, AWS_*) pass through to resticprofile untouched.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { ConfigError, LogLevels, loadConfig } from "../shared/config.ts";
import { createLogger, type Logger } from "../shared/log.ts";
import { runCommand } from "../shared/restic/run.ts";
import { runJob } from "./backup.ts";
import { createPodExec } from "./exec.ts";
import { JobError, jobIdentity, parseJob, type RunnerJob } from "./job.ts";
import { encodeTerminationMessage, type RunnerResult } from "./result.ts";
import { jobAction, runCopyCommand, runRestoreJobFile, type ModeContext } from "./restore-main.ts";
import { writeTerminationMessage } from "./termination.ts";

const RunnerEnv = z.object({
  RAFDIR_RUNNER_JOB: z.string().min(1).default("/etc/rafdir/job.json"),
  RAFDIR_TERMINATION_LOG: z.string().min(1).default("/dev/termination-log"),
  LOG_LEVEL: z.enum(LogLevels).default("info"),
});

export async function main(env: NodeJS.ProcessEnv = process.env, args: readonly string[] = process.argv.slice(2)): Promise<number> {
  let cfg: z.output<typeof RunnerEnv>;
  try {
    cfg = loadConfig(RunnerEnv, env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`rafdir-runner: ${e.message}\n`);
    return 2;
  }
  const { RAFDIR_RUNNER_JOB: jobPath, RAFDIR_TERMINATION_LOG: terminationLog, LOG_LEVEL: level } = cfg;
  const log = createLogger({ name: "rafdir-runner", level });
  const mode = (signal: AbortSignal): ModeContext => ({ run: runCommand, env, log, terminationLog, signal });
  if (args.length > 0) return whileRunning(log, (signal) => runCopyCommand(args, mode(signal)));

  let text = "";
  let job: RunnerJob | undefined; // undefined: a restore pod's job (it has an `action`)
  try {
    text = await readFile(jobPath, "utf8");
    job = jobAction(text) === undefined ? parseJob(text) : undefined;
  } catch (e) {
    const error = e instanceof JobError ? e.message : `cannot read job file ${jobPath}: ${e instanceof Error ? e.message : String(e)}`;
    log.error({ step: "job", jobPath, error }, "invalid job");
    await report(terminationLog, { ...jobIdentity(text), ok: false, repositories: [], error }, log);
    return 2;
  }

  const restoreJob = text;
  if (job === undefined) return whileRunning(log, (signal) => runRestoreJobFile(restoreJob, mode(signal)));
  const backup = job;
  return whileRunning(log, async (signal) => {
    try {
      const result = await runJob(backup, {
        run: runCommand,
        exec: backup.stdin ? createPodExec(loadKubeConfig()) : undefined,
        env,
        log,
        signal,
      });
      await report(terminationLog, result, log);
      return result.ok ? 0 : 1;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      log.error({ step: "job", error }, "runner failed");
      await report(terminationLog, { run: backup.run, profile: backup.profile, ok: false, repositories: [], error }, log);
      return 1;
    }
  });
}

/** Runs `work` with a signal that SIGTERM/SIGINT (pod termination) abort: restic is interrupted, a copy stops. */
async function whileRunning(log: Logger, work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log.warn({ step: "job", signal }, "terminating: interrupting restic");
    stop.abort();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    return await work(stop.signal);
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

/** KUBECONFIG, ~/.kube/config, or the pod's service account. */
function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

const report = (path: string, result: RunnerResult, log: Logger): Promise<void> =>
  writeTerminationMessage(path, encodeTerminationMessage(result), result.ok, log);

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
