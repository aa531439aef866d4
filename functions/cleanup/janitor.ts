// The janitor tick (PingSource rafdir-janitor): events get lost (ApiServerSource relists, PingSource drops, an
// in-memory broker restarts), so every tick looks at each run that is not final and ends the ones that need it
// (decide.ts janitorAction), then sweeps objects labelled app.kubernetes.io/managed-by=rafdir whose run is final or
// gone. Outcome events go out through the emitter (a reply carries one event). One run's trouble never stops the
// others: it is logged and left for the next tick.
import { randomUUID } from "node:crypto";
import { isTransient } from "../../shared/errors.ts";
import type { Obj } from "../../shared/kube/port.ts";
import { isFinal, Labels, MANAGED_BY, objectName, parseStatus, RUN_API_VERSION, type BackupRun } from "../../shared/runs/run.ts";
import { listRuns, runLog, type FunctionDeps } from "../common/index.ts";
import type { BackupPodLike } from "../common/pod-result.ts";
import { janitorAction } from "./decide.ts";
import { currentSettings } from "../common/profile.ts";
import { finishRun } from "./finish.ts";
import { groupByRun, type TeardownObjects } from "./teardown-plan.ts";
import { observeManaged, tearDown } from "./teardown.ts";

export interface JanitorReport {
  finished: string[];
  swept: string[];
  problems: string[];
}

export async function onJanitor(deps: FunctionDeps, newToken: () => string = randomUUID): Promise<JanitorReport> {
  const report: JanitorReport = { finished: [], swept: [], problems: [] };
  const settings = await currentSettings(deps);
  const runs = await listRuns(deps);
  // Pods after runs: a run read as BackingUp had its pod before, so a pod missing from this list is really gone.
  const pods = new Map(
    (await deps.kube.list<BackupPodLike & Obj>("v1", "Pod", deps.namespace, `${Labels.managedBy}=${MANAGED_BY}`)).map((p) => [p.metadata.name, p]),
  );
  for (const run of runs) {
    const status = parseStatus(run);
    const name = run.metadata.name;
    const action = janitorAction(status, deps.now(), status?.pod ? pods.get(status.pod) : undefined, {
      run: name,
      profile: run.spec.profile,
      ...(run.metadata.creationTimestamp ? { created: run.metadata.creationTimestamp } : {}),
      podStartMs: settings.timeouts.podStartMs,
    });
    if (action.kind === "skip") continue;
    const log = runLog(deps.log, run);
    log.info({ why: action.why, cause: action.cause.kind }, "janitor: ending the run");
    try {
      const outcome = await finishRun({ ...deps, log }, name, action.cause, { token: newToken(), override: action.cause.kind === "redrive" });
      if (outcome) await deps.emit(outcome);
      report.finished.push(name);
    } catch (err) {
      report.problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      log[isTransient(err) ? "info" : "error"]({ err }, "janitor: run not finished yet; next tick");
    }
  }
  await sweep(deps, await listRuns(deps), report);
  deps.log.info({ ...report }, "janitor tick done");
  return report;
}

/** Leftovers of runs that are final or gone, in the safe order. Outside the backup namespace only objects named from their run. */
async function sweep(deps: FunctionDeps, runs: readonly BackupRun[], report: JanitorReport): Promise<void> {
  const byName = new Map(runs.map((r) => [r.metadata.name, r]));
  for (const [name, objects] of groupByRun(await observeManaged(deps))) {
    const run = byName.get(name);
    const status = run && parseStatus(run);
    if (run && (!status || !isFinal(status.phase))) continue; // still running (or unreadable): not ours to touch
    if (!run && (await restoreRunExists(deps, name))) continue; // a restore's objects: restore owns them
    const mine = scoped(objects, deps.namespace, objectName(name));
    try {
      const deleted = await tearDown(deps, mine, { stageWaitMs: 2_000 });
      if (deleted.length) deps.log.warn({ run: name, deleted, runState: status?.phase ?? "gone" }, "janitor: swept leftovers");
      report.swept.push(...deleted);
    } catch (err) {
      report.problems.push(`leftovers of ${name}: ${err instanceof Error ? err.message : String(err)}`);
      deps.log.info({ run: name, err }, "janitor: leftovers not gone yet; next tick");
    }
  }
}

/** Drops objects outside the backup namespace whose name does not derive from the run (never a user's object). */
function scoped(o: TeardownObjects, backupNamespace: string, prefix: string): TeardownObjects {
  const keep = (obj: Obj): boolean => obj.metadata.namespace === undefined || obj.metadata.namespace === backupNamespace || obj.metadata.name.startsWith(prefix);
  return { pods: o.pods.filter(keep), configMaps: o.configMaps.filter(keep), pvcs: o.pvcs.filter(keep), snapshots: o.snapshots.filter(keep), contents: o.contents };
}

async function restoreRunExists(deps: FunctionDeps, name: string): Promise<boolean> {
  try {
    return (await deps.kube.get({ apiVersion: RUN_API_VERSION, kind: "RestoreRun", name, namespace: deps.namespace })) !== undefined;
  } catch {
    return true; // cannot tell: leave the objects alone this tick
  }
}
