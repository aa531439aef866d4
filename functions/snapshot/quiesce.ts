// Quiescing and un-quiescing the application. The record goes on the run BEFORE the app is touched, so whatever
// happens next (abort, crash, dead letter, janitor) cleanup can restore it; un-quiescing happens once, as soon as
// every snapshot has its handle, and is recorded.
import { TransientError } from "../../shared/errors.ts";
import type { Obj } from "../../shared/kube/port.ts";
import { fromKubeSelector, matchesSelector, type Profile } from "../../shared/profiles/index.ts";
import { isFinal, parseStatus, Steps, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import type { PodLike, WorkloadLike } from "../../shared/targets/index.ts";
import type { ResolvedTarget } from "../../shared/targets/resolve.ts";
import { abortRun, claimHolder, claimRun, getRun, patchRunStatus, recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import { COMMAND_CLAIM_STALE_MS, COMMAND_TIMEOUT_MS, outputTail, scaleWorkloadBack } from "../common/quiesce.ts";
import { unquiesceAction } from "./decide.ts";

type As<T> = T & Obj;

/** How long the broker's quick retries (503) wait for a stopped app's pods; after that the janitor tick looks again. */
export const STOP_RETRY_MS = 10_000;

/**
 * `stop`: record the replicas, scale to 0, and answer "not yet" until the pods are gone: a 503 (the broker retries
 * within seconds) for the first STOP_RETRY_MS, then "waiting" (202; plan re-sends io.rafdir.backup.planned at the
 * janitor tick, until the run's deadline) — a pod with a long grace period never exhausts the broker's retries. A
 * delivery that finds, right after its scale-down, that another one already restarted the app scales it back.
 */
export async function quiesceStop(deps: FunctionDeps, run: BackupRun, status: RunStatus, profile: Profile, token: string): Promise<BackupRun | "waiting"> {
  const t = profile.target;
  const namespace = profile.namespace;
  if ((t.kind !== "deployment" && t.kind !== "statefulset") || !namespace) throw new Error(`profile ${profile.name}: stop needs a deployment or statefulset`);
  const kind = t.kind === "deployment" ? "Deployment" : "StatefulSet";
  const what = `${kind} ${namespace}/${t.name}`;
  const recorded = await recordReplicas(deps, run, status, { kind, namespace, name: t.name }, token);
  if (recorded === "aborted") return "waiting";
  run = recorded;
  await deps.kube.setScale(kind, namespace, t.name, 0);
  // A delivery that read the run before another one went on and scaled the app back must not leave it at 0.
  const fresh = await getRun(deps, run.metadata.name);
  const now = fresh && parseStatus(fresh);
  const record = now?.quiesce ?? parseStatus(run)?.quiesce; // the run deleted meanwhile: our own copy of the record
  if (!now || isFinal(now.phase) || now.steps?.[Steps.unquiesced] || (record?.kind === "stop" && (record.restored || record.scalingBackAt))) {
    if (record?.kind === "stop") await scaleWorkloadBack(deps, runLog(deps.log, run), record.workload, record.originalReplicas);
    runLog(deps.log, run).info({ workload: what }, "another delivery already took the snapshot and restarted the app; scaled back, nothing to do");
    return "waiting";
  }
  run = fresh ?? run;
  const left = await workloadPods(deps, kind, namespace, t.name);
  if (left.length > 0) {
    const waiting = `waiting for ${left.length} pod(s) of ${what} to stop: ${left.join(", ")}`;
    const since = record?.kind === "stop" && record.stoppingSince ? Date.parse(record.stoppingSince) : deps.now().getTime();
    if (deps.now().getTime() - since < STOP_RETRY_MS) throw new TransientError(waiting, { retryAfterSeconds: 1 });
    if (now.message !== waiting) await patchRunStatus(deps, run.metadata.name, { message: waiting });
    runLog(deps.log, run).info({ workload: what, pods: left }, "still waiting for the pods to stop; the janitor tick looks again");
    return "waiting";
  }
  runLog(deps.log, run).info({ workload: what }, "application stopped");
  return patchRunStatus(deps, run.metadata.name, { steps: { [Steps.quiesced]: deps.now().toISOString() }, message: `${what} stopped` });
}

/**
 * The original replicas, recorded once, before anything is scaled. Claimed: a racing delivery reading the scale
 * after our scale-down would record 0. A retry of the same event may record (nothing was scaled before the record).
 */
async function recordReplicas(
  deps: FunctionDeps,
  run: BackupRun,
  status: RunStatus,
  workload: { kind: "Deployment" | "StatefulSet"; namespace: string; name: string },
  token: string,
): Promise<BackupRun | "aborted"> {
  if (status.quiesce) return run;
  const what = `${workload.kind} ${workload.namespace}/${workload.name}`;
  if (!(await claimRun(deps, run, "quiesce", token))) {
    const fresh = await getRun(deps, run.metadata.name);
    if (fresh && parseStatus(fresh)?.quiesce) return fresh;
    if (!fresh || claimHolder(fresh, "quiesce") !== token) throw new TransientError(`another delivery is recording the replicas of ${what}`, { retryAfterSeconds: 1 });
  }
  const replicas = await deps.kube.getScale(workload.kind, workload.namespace, workload.name);
  if (replicas === 0) {
    // The target had a running pod a moment ago: something else scaled it down meanwhile — typically another run of
    // this profile stopping it. Recording 0 would make this run's cleanup stop the app again after that one restarts it.
    const message = `${what} is already scaled to 0 (another run of this profile, or someone else, is stopping it); nothing was recorded or scaled`;
    await abortRun(deps, run, { step: "quiesce", reason: "AlreadyStopped", message });
    return "aborted";
  }
  run = await patchRunStatus(deps, run.metadata.name, {
    quiesce: { kind: "stop", workload, originalReplicas: replicas, restored: false, stoppingSince: deps.now().toISOString() },
    message: `stopping ${what} (${replicas} replicas) for the snapshot`,
  });
  await recordRunEvent(deps, run, "Normal", "Stopping", `scaling ${what} from ${replicas} to 0 replicas for the snapshot`);
  return run;
}

async function workloadPods(deps: FunctionDeps, kind: "Deployment" | "StatefulSet", namespace: string, name: string): Promise<string[]> {
  const workload = await deps.kube.get<As<WorkloadLike>>({ apiVersion: "apps/v1", kind, name, namespace });
  const selector = fromKubeSelector(workload?.spec?.selector);
  if (!selector) return [];
  const pods = await deps.kube.list<As<PodLike>>("v1", "Pod", namespace);
  return pods.filter((p) => matchesSelector(selector, p.metadata.labels)).map((p) => p.metadata.name);
}

/**
 * command-before / command-after: record what command-after is owed, then run command-before once (claimed on the
 * run, so racing deliveries do not run it twice). A non-zero exit aborts the run; command-after stays owed.
 */
export async function quiesceCommand(deps: FunctionDeps, run: BackupRun, status: RunStatus, target: ResolvedTarget, token: string): Promise<BackupRun | "aborted" | "waiting"> {
  const before = target.commandBefore;
  const after = target.commandAfter;
  const pod = target.pod;
  if (!pod) throw new Error("command-before/after need the target pod");
  if (!status.quiesce) {
    run = await patchRunStatus(deps, run.metadata.name, {
      quiesce: {
        kind: "command",
        namespace: pod.namespace,
        pod: pod.name,
        ...(after ? { container: after.container, commandAfter: after.command } : {}),
        afterOwed: !!after,
      },
    });
  }
  if (before) {
    const startedAt = deps.now();
    if (!(await claimRun(deps, run, "command-before", `${startedAt.toISOString()} ${token}`))) {
      const now = await getRun(deps, run.metadata.name);
      if (now?.status?.steps?.[Steps.quiesced]) return now;
      // Never a 503 while its holder may still run it: retries would end in a dead letter, and cleanup would run
      // command-after while command-before still runs. A claim older than the exec can last is a delivery that died
      // (or failed to record the end): the run stops there, and cleanup runs the owed command-after.
      const [at = ""] = (claimHolder(now ?? run, "command-before") ?? "").split(" ");
      const age = startedAt.getTime() - Date.parse(at);
      if (age < COMMAND_CLAIM_STALE_MS) {
        runLog(deps.log, run).info({ claimedAt: at }, "command-before is running in another delivery; leaving it to that one");
        return "waiting";
      }
      const message = `command-before ${JSON.stringify(before.command)} was started by a delivery at ${at || "an unknown time"} that never recorded its end; it may have run, so the run stops and command-after runs during cleanup`;
      await abortRun(deps, run, { step: "quiesce", reason: "CommandBeforeLost", message });
      return "aborted";
    }
    const where = `pod ${before.namespace}/${before.pod} container ${before.container}`;
    let out;
    try {
      out = await deps.kube.exec(before.namespace, before.pod, before.container, before.command, undefined, { timeoutMs: COMMAND_TIMEOUT_MS });
    } catch (err) {
      await abortRun(deps, run, { step: "quiesce", reason: "CommandBeforeFailed", message: `command-before ${JSON.stringify(before.command)} could not run in ${where}: ${err instanceof Error ? err.message : String(err)}` });
      return "aborted";
    }
    if (out.exitCode !== 0) {
      const message = `command-before ${JSON.stringify(before.command)} exited with ${out.exitCode} in ${where}: ${outputTail(out)}`;
      await abortRun(deps, run, { step: "quiesce", reason: "CommandBeforeFailed", message });
      return "aborted";
    }
    await recordRunEvent(deps, run, "Normal", "CommandBefore", `command-before ran in ${where}`);
  }
  return patchRunStatus(deps, run.metadata.name, { steps: { [Steps.quiesced]: deps.now().toISOString() } });
}

/** Un-quiesces once: scale back to the recorded replicas, or run command-after (claimed). Records it either way. */
export async function unquiesce(deps: FunctionDeps, run: BackupRun, status: RunStatus, token: string): Promise<BackupRun> {
  const action = unquiesceAction(status);
  const log = runLog(deps.log, run);
  const done = { [Steps.unquiesced]: deps.now().toISOString() };
  if (action.kind === "none") return status.steps?.[Steps.unquiesced] ? run : patchRunStatus(deps, run.metadata.name, { steps: done });

  if (action.kind === "scaleBack") {
    await patchRunStatus(deps, run.metadata.name, { quiesce: { scalingBackAt: deps.now().toISOString() } });
    const what = await scaleWorkloadBack(deps, log, action.workload, action.replicas);
    await recordRunEvent(deps, run, "Normal", "Restarted", `scaled ${what} back to ${action.replicas} replicas: every snapshot has its handle`);
    log.info({ workload: what, replicas: action.replicas }, "application restarted");
    return patchRunStatus(deps, run.metadata.name, { quiesce: { restored: true }, steps: done, message: `${what} back at ${action.replicas} replicas` });
  }

  if (!(await claimRun(deps, run, "command-after", token))) return run;
  const where = `pod ${action.namespace}/${action.pod}${action.container ? ` container ${action.container}` : ""}`;
  let warning: string | undefined;
  try {
    const out = await deps.kube.exec(action.namespace, action.pod, action.container, action.command, undefined, { timeoutMs: COMMAND_TIMEOUT_MS });
    if (out.exitCode !== 0) warning = `command-after ${JSON.stringify(action.command)} exited with ${out.exitCode} in ${where}: ${outputTail(out)}`;
  } catch (err) {
    // Still owed: cleanup runs it when it tears the run down.
    const message = `command-after ${JSON.stringify(action.command)} could not run in ${where}: ${err instanceof Error ? err.message : String(err)}`;
    await recordRunEvent(deps, run, "Warning", "CommandAfterFailed", message);
    return patchRunStatus(deps, run.metadata.name, { warnings: [...(status.warnings ?? []), message] });
  }
  await recordRunEvent(deps, run, warning ? "Warning" : "Normal", warning ? "CommandAfterFailed" : "CommandAfter", warning ?? `command-after ran in ${where}`);
  return patchRunStatus(deps, run.metadata.name, {
    quiesce: { afterOwed: false },
    steps: done,
    ...(warning ? { warnings: [...(status.warnings ?? []), warning] } : {}),
  });
}
