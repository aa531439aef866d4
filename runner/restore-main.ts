// rafdir-runner's restore modes (main.ts dispatches): a job file with `action: inspect | restore`, and the
// `copy <from> <to>` command. Each writes its RestorePodResult to the termination message and returns the exit code:
// 0 ok, 1 failed, 2 bad job file or arguments.
import { isAbsolute } from "node:path";
import type { Logger } from "../shared/log.ts";
import type { RunOptions, RunResult } from "../shared/restic/run.ts";
import { copyTree } from "./copy.ts";
import { jobIdentity } from "./job.ts";
import { encodeTerminationMessage } from "./result.ts";
import { RestoreRunnerJob, type CopyResult, type RestorePodResult } from "./restore-job.ts";
import { runInspect, runRestore } from "./restore.ts";
import { encodeRestorePodResult, writeTerminationMessage } from "./termination.ts";

export interface ModeContext {
  run: (argv: readonly string[], opts: RunOptions) => Promise<RunResult>;
  env: NodeJS.ProcessEnv;
  log: Logger;
  terminationLog: string;
  signal: AbortSignal;
}

export const COPY_USAGE = "usage: rafdir-runner copy <from> <to> (two absolute paths)";

/** The `action` of a job file, when it has one (a restore pod's job); undefined for a backup job. */
export function jobAction(text: string): unknown {
  try {
    const raw = JSON.parse(text) as unknown;
    return typeof raw === "object" && raw !== null && "action" in raw ? (raw as { action: unknown }).action : undefined;
  } catch {
    return undefined;
  }
}

export async function runRestoreJobFile(text: string, ctx: ModeContext): Promise<number> {
  const parsed = RestoreRunnerJob.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const error = `invalid job file: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`;
    ctx.log.error({ step: "job", error }, "invalid job");
    const action = jobAction(text);
    const id = jobIdentity(text);
    if (action === "inspect" || action === "restore") await report(ctx, { action, ...id, ok: false, error });
    else await writeTerminationMessage(ctx.terminationLog, encodeTerminationMessage({ ...id, ok: false, repositories: [], error }), false, ctx.log);
    return 2;
  }
  const job = parsed.data;
  let result: RestorePodResult;
  try {
    result = job.action === "inspect" ? await runInspect(job, ctx) : await runRestore(job, ctx);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    ctx.log.error({ step: job.action, error }, "runner failed");
    result = { action: job.action, run: job.run, profile: job.profile, ok: false, error };
  }
  await report(ctx, result);
  return result.ok ? 0 : 1;
}

export async function runCopyCommand(args: readonly string[], ctx: ModeContext): Promise<number> {
  const [command, from, to, ...extra] = args;
  if (command !== "copy" || from === undefined || to === undefined || extra.length > 0 || !isAbsolute(from) || !isAbsolute(to)) {
    ctx.log.error({ step: "job", args }, COPY_USAGE);
    await report(ctx, { action: "copy", ok: false, error: COPY_USAGE });
    return 2;
  }
  const started = Date.now();
  ctx.log.info({ step: "copy", from, to }, "copy started");
  let result: CopyResult;
  try {
    const counts = await copyTree(from, to, { signal: ctx.signal });
    result = { action: "copy", ok: true, ...counts, durationMs: Date.now() - started };
  } catch (e) {
    result = { action: "copy", ok: false, error: e instanceof Error ? e.message : String(e), durationMs: Date.now() - started };
  }
  const { action: _action, ...fields } = result;
  ctx.log[result.ok ? "info" : "error"]({ step: "copy", ...fields }, "copy finished");
  await report(ctx, result);
  return result.ok ? 0 : 1;
}

const report = (ctx: ModeContext, result: RestorePodResult): Promise<void> =>
  writeTerminationMessage(ctx.terminationLog, encodeRestorePodResult(result), result.ok, ctx.log);
