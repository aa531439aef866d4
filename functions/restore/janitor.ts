// The janitor tick for restores (PingSource rafdir-janitor, shared with cleanup): events get lost, so every tick
// re-drives each restore that is not final (its reconcile loop also fails it once its phase's deadline passed),
// repeats the teardown of ended restores whose teardown did not complete, and trims the RestoreRun history per
// profile (settings.history, as for BackupRuns). One restore's trouble never stops the others.
import { isTransient } from "../../shared/errors.ts";
import { runsToTrim } from "../../shared/runs/trim.ts";
import { RUN_API_VERSION } from "../../shared/runs/run.ts";
import { isRestoreFinal, parseRestoreStatus, RESTORE_KIND } from "../../shared/runs/restore-run.ts";
import { ConfigMissingError, runLog, type FunctionDeps } from "../common/index.ts";
import { tearDownRestore } from "./finish.ts";
import { reconcile } from "./reconcile.ts";
import { listRestores } from "./runs.ts";

export interface RestoreJanitorReport {
  redriven: string[];
  tornDown: string[];
  trimmed: string[];
  problems: string[];
}

export async function onRestoreJanitor(deps: FunctionDeps): Promise<RestoreJanitorReport> {
  const report: RestoreJanitorReport = { redriven: [], tornDown: [], trimmed: [], problems: [] };
  for (const run of await listRestores(deps)) {
    const name = run.metadata.name;
    const status = parseRestoreStatus(run);
    if (!status) continue;
    const log = runLog(deps.log, run);
    try {
      if (!isRestoreFinal(status.phase)) {
        const outcome = await reconcile({ ...deps, log }, name);
        if (outcome) await deps.emit(outcome);
        report.redriven.push(name);
      } else if (!status.tornDown) {
        await tearDownRestore({ ...deps, log }, run, status);
        report.tornDown.push(name);
      }
    } catch (err) {
      report.problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      log[isTransient(err) ? "info" : "error"]({ err }, "janitor: restore not settled yet; next tick");
    }
  }
  await trim(deps, report);
  if (report.redriven.length || report.tornDown.length || report.trimmed.length || report.problems.length) deps.log.info({ ...report }, "restore janitor tick done");
  return report;
}

async function trim(deps: FunctionDeps, report: RestoreJanitorReport): Promise<void> {
  let limits;
  try {
    limits = (await deps.loadConfig()).settings.history;
  } catch (err) {
    if (err instanceof ConfigMissingError) return;
    throw err;
  }
  const ended = (await listRestores(deps)).filter((r) => parseRestoreStatus(r)?.tornDown !== undefined);
  for (const name of runsToTrim(ended, limits)) {
    await deps.kube.remove({ apiVersion: RUN_API_VERSION, kind: RESTORE_KIND, namespace: deps.namespace, name });
    report.trimmed.push(name);
  }
}
