// The backup pod's end, from the ApiServerSource events of rafdir-labelled Pods (data = the Pod): once the run's pod
// is Succeeded or Failed, reply io.rafdir.pod.finished with the runner's result, once per run (recorded as
// steps.podFinished; a duplicate is harmless downstream anyway: cleanup guards on the final phase). A pod stuck
// Pending (image, volume) is the janitor's, through the run's deadline.
import type { CloudEvent } from "cloudevents";
import { EventTypes, functionSource, newEvent } from "../../shared/events.ts";
import { objectName, parseStatus, Steps } from "../../shared/runs/run.ts";
import { getRun, patchRunStatus, runLog, type FunctionDeps } from "../common/index.ts";
import { resourceHead } from "../common/resource-head.ts";
import { finishedPhase, podRunnerResult, type BackupPodLike } from "../common/pod-result.ts";
import { finishedStep } from "./decide.ts";

export async function onPodEvent(deps: FunctionDeps, event: { id: string; data: unknown }): Promise<CloudEvent<unknown> | undefined> {
  const { kind, run: runName, ...head } = resourceHead(event);
  const skip = (reason: string): undefined => void deps.log.debug({ kind, object: head.where, reason }, "pod event ignored");
  if (kind !== "Pod") return skip("not a Pod");
  if (!runName) return skip("not created by rafdir");
  if (head.namespace !== deps.namespace || head.name !== objectName(runName)) return skip("not a backup pod");
  const pod = event.data as BackupPodLike;
  const phase = finishedPhase(pod);
  if (!phase) return skip(`still ${pod.status?.phase ?? "without a phase"}`);

  const run = await getRun(deps, runName);
  if (!run) return skip(`BackupRun ${runName} not found`);
  const log = runLog(deps.log, run);
  const step = finishedStep(parseStatus(run), head.name);
  if (step.kind === "skip") return void log.info({ reason: step.reason, phase }, "pod event: nothing to do");

  const profile = run.spec.profile;
  const result = podRunnerResult(pod, { run: runName, profile });
  await patchRunStatus(deps, runName, { steps: { [Steps.podFinished]: deps.now().toISOString() }, message: `backup pod ${phase}; cleaning up` });
  log.info({ phase, ok: result.ok }, "backup pod finished");
  return newEvent(EventTypes.podFinished, functionSource(deps.name), { run: runName, profile, pod: head.name, phase, result }, { id: `${runName}-pod-finished` });
}
