// Giving the application back, whatever happened to the run: a stopped workload is scaled back to the replicas
// recorded before it was stopped (unless snapshot already did), and an owed command-after runs (at most once from
// cleanup: claimed on the run). Both are recorded, so a retry or the janitor never repeats them.
import { Steps, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { patchRunStatus, recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import { claimTransition } from "../common/claim-transition.ts";
import { COMMAND_CLAIM_STALE_MS, COMMAND_TIMEOUT_MS, outputTail, scaleWorkloadBack } from "../common/quiesce.ts";
import { owedUndo } from "./decide.ts";

export async function undoQuiesce(deps: FunctionDeps, run: BackupRun, status: RunStatus, token: string): Promise<BackupRun> {
  const action = owedUndo(status);
  const log = runLog(deps.log, run);
  const now = deps.now().toISOString();
  const steps = status.steps?.[Steps.unquiesced] ? {} : { steps: { [Steps.unquiesced]: now } };
  if (action.kind === "none") return run;

  if (action.kind === "scaleBack") {
    // Marked before scaling: a late snapshot delivery that scales the app down afterwards sees it and scales back.
    await patchRunStatus(deps, run.metadata.name, { quiesce: { scalingBackAt: deps.now().toISOString() } });
    const what = await scaleWorkloadBack(deps, log, action.workload, action.replicas);
    run = await patchRunStatus(deps, run.metadata.name, { quiesce: { restored: true }, ...steps });
    await recordRunEvent(deps, run, "Normal", "Restarted", `scaled ${what} back to ${action.replicas} replicas`);
    log.info({ workload: what, replicas: action.replicas }, "application restored");
    return run;
  }

  // snapshot claims "command-after" for its own run of it; a command-after it could not run stays owed, for us.
  // A claim of a cleanup delivery that died before running it is taken over once older than the exec can last.
  const claimed = await claimTransition(deps, run, "cleanup-command-after", token, COMMAND_CLAIM_STALE_MS);
  if (!claimed) return run;
  run = claimed;
  const where = `pod ${action.namespace}/${action.pod}${action.container ? ` container ${action.container}` : ""}`;
  const cmd = `command-after ${JSON.stringify(action.command)}`;
  let warning: string | undefined;
  try {
    const out = await deps.kube.exec(action.namespace, action.pod, action.container, action.command, undefined, { timeoutMs: COMMAND_TIMEOUT_MS });
    if (out.exitCode !== 0) warning = `${cmd} exited with ${out.exitCode} in ${where}: ${outputTail(out)}`;
  } catch (err) {
    warning = `${cmd} could not run in ${where}: ${err instanceof Error ? err.message : String(err)}`;
  }
  // snapshot's "could not run" warning about this command is answered now: only what happened here stays.
  const earlier = (status.warnings ?? []).filter((w) => !(w.startsWith(cmd) && w.includes(" could not run in ")));
  const warnings = warning ? [...earlier, warning] : earlier;
  run = await patchRunStatus(deps, run.metadata.name, { quiesce: { afterOwed: false }, ...steps, ...(warnings.length !== (status.warnings ?? []).length || warning ? { warnings } : {}) });
  await recordRunEvent(deps, run, warning ? "Warning" : "Normal", warning ? "CommandAfterFailed" : "CommandAfter", warning ?? `${cmd} ran in ${where}`);
  log.info({ where, ok: !warning }, "command-after ran");
  return run;
}
