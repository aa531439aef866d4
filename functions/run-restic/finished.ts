// The backup pod's end, from the ApiServerSource events of rafdir-labelled Pods (data = the Pod): once the run's pod
// is Succeeded or Failed, reply io.rafdir.pod.finished with the runner's result, once per run (recorded as
// steps.podFinished; a duplicate is harmless downstream anyway: cleanup guards on the final phase). A pod stuck
// Pending (image, volume) is the janitor's, through the run's deadline.
import type { CloudEvent } from "cloudevents";
import { z } from "zod";
import { InvalidEventError } from "../../shared/errors.ts";
import { EventTypes, functionSource, newEvent } from "../../shared/events.ts";
import { Labels, MANAGED_BY, objectName, parseStatus, Steps } from "../../shared/runs/run.ts";
import { getRun, patchRunStatus, runLog, type FunctionDeps } from "../common/index.ts";
import { finishedPhase, podRunnerResult, type BackupPodLike } from "../common/pod-result.ts";
import { finishedStep } from "./decide.ts";

const PodHead = z.looseObject({
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }),
});

export async function onPodEvent(deps: FunctionDeps, event: { id: string; data: unknown }): Promise<CloudEvent<unknown> | undefined> {
  const head = PodHead.safeParse(event.data);
  if (!head.success) throw new InvalidEventError(`ApiServerSource event ${event.id}: data is not a Kubernetes object with kind and metadata.name`);
  const { kind, metadata } = head.data;
  const labels = metadata.labels ?? {};
  const runName = labels[Labels.run];
  const skip = (reason: string): undefined => void deps.log.debug({ kind, object: `${metadata.namespace ?? ""}/${metadata.name}`, reason }, "pod event ignored");
  if (kind !== "Pod") return skip("not a Pod");
  if (labels[Labels.managedBy] !== MANAGED_BY || !runName) return skip("not created by rafdir");
  if (metadata.namespace !== deps.namespace || metadata.name !== objectName(runName)) return skip("not a backup pod");
  const pod = event.data as BackupPodLike;
  const phase = finishedPhase(pod);
  if (!phase) return skip(`still ${pod.status?.phase ?? "without a phase"}`);

  const run = await getRun(deps, runName);
  if (!run) return skip(`BackupRun ${runName} not found`);
  const log = runLog(deps.log, run);
  const step = finishedStep(parseStatus(run), metadata.name);
  if (step.kind === "skip") return void log.info({ reason: step.reason, phase }, "pod event: nothing to do");

  const profile = run.spec.profile;
  const result = podRunnerResult(pod, { run: runName, profile });
  await patchRunStatus(deps, runName, { steps: { [Steps.podFinished]: deps.now().toISOString() }, message: `backup pod ${phase}; cleaning up` });
  log.info({ phase, ok: result.ok }, "backup pod finished");
  return newEvent(EventTypes.podFinished, functionSource(deps.name), { run: runName, profile, pod: metadata.name, phase, result }, { id: `${runName}-pod-finished` });
}
