// rafdir-runner, the entry point of the backup pod: read the job file, run the backups, write the result to the
// termination message, exit 0 only if every repository succeeded (1: a backup failed, 2: the job file is bad).
//   node --import tsx runner/main.ts        (the image runs bin/rafdir-runner)
// Environment: RAFDIR_RUNNER_JOB (default /etc/rafdir/job.json), RAFDIR_TERMINATION_LOG (default
// /dev/termination-log), LOG_LEVEL; KUBECONFIG or the in-cluster service account for the exec of a stdin job;
// repository credentials (RESTIC_PASSWORD, AWS_*) pass through to resticprofile untouched.
import { readFile, writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { createLogger, type Logger } from "../shared/log.ts";
import { runCommand } from "../shared/restic/run.ts";
import { runJob } from "./backup.ts";
import { createPodExec } from "./exec.ts";
import { JobError, jobIdentity, parseJob, type RunnerJob } from "./job.ts";
import { encodeTerminationMessage, type RunnerResult } from "./result.ts";

const RunnerEnv = z.object({
  RAFDIR_RUNNER_JOB: z.string().min(1).default("/etc/rafdir/job.json"),
  RAFDIR_TERMINATION_LOG: z.string().min(1).default("/dev/termination-log"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const cfg = RunnerEnv.safeParse(env);
  if (!cfg.success) {
    process.stderr.write(`rafdir-runner: bad environment: ${cfg.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}\n`);
    return 2;
  }
  const { RAFDIR_RUNNER_JOB: jobPath, RAFDIR_TERMINATION_LOG: terminationLog, LOG_LEVEL: level } = cfg.data;
  const log = createLogger({ name: "rafdir-runner", level });

  let text = "";
  let job: RunnerJob;
  try {
    text = await readFile(jobPath, "utf8");
    job = parseJob(text);
  } catch (e) {
    const error = e instanceof JobError ? e.message : `cannot read job file ${jobPath}: ${e instanceof Error ? e.message : String(e)}`;
    log.error({ step: "job", jobPath, error }, "invalid job");
    await report(terminationLog, { ...jobIdentity(text), ok: false, repositories: [], error }, log);
    return 2;
  }

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    log.warn({ step: "job", signal }, "terminating: interrupting restic");
    stop.abort();
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    const result = await runJob(job, {
      run: runCommand,
      exec: job.stdin ? createPodExec(loadKubeConfig()) : undefined,
      env,
      log,
      signal: stop.signal,
    });
    await report(terminationLog, result, log);
    return result.ok ? 0 : 1;
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    log.error({ step: "job", error }, "runner failed");
    await report(terminationLog, { run: job.run, profile: job.profile, ok: false, repositories: [], error }, log);
    return 1;
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

async function report(path: string, result: RunnerResult, log: Logger): Promise<void> {
  const message = encodeTerminationMessage(result);
  try {
    await writeFile(path, message);
    log.info({ step: "result", ok: result.ok, path, bytes: Buffer.byteLength(message) }, "result written");
  } catch (e) {
    log.error({ step: "result", path, error: e instanceof Error ? e.message : String(e) }, "cannot write the termination message");
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
