// What the reconcile loop sees of one restore: its pods (with their parsed results once finished) and PVCs, read
// fresh from the cluster on every event; the event that woke the loop is only a hint.
import type { Obj } from "../../shared/kube/port.ts";
import { restoreObjects, type RestoreRun, type RestoreStatus } from "../../shared/runs/restore-run.ts";
import { RestorePodResult, type CopyResult, type InspectResult, type RestoreResult } from "../../runner/restore-job.ts";
import type { FunctionDeps } from "../common/index.ts";
import { finishedPhase, jsonOf, podTermination, type BackupPodLike } from "../common/pod-result.ts";
import type { Observation, Observed, PvcLike } from "./decide.ts";

type PodObj = BackupPodLike & Obj;
type PvcObj = PvcLike & Obj;

export async function observe(deps: FunctionDeps, run: RestoreRun, status: RestoreStatus, host: string): Promise<Observed> {
  const names = restoreObjects(run.metadata.name);
  const { target } = run.spec;
  const pod = (namespace: string, name: string) => deps.kube.get<PodObj>({ apiVersion: "v1", kind: "Pod", namespace, name });
  const pvc = (namespace: string, name: string) => deps.kube.get<PvcObj>({ apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name });
  const [inspectPod, restorePod, copyPod, stagingPvc, movedPvc] = await Promise.all([
    pod(deps.namespace, names.inspectPod),
    pod(deps.namespace, names.restorePod),
    target.existing ? pod(target.namespace, names.copyPod) : undefined,
    pvc(deps.namespace, names.stagingPvc),
    pvc(target.namespace, target.existing ? names.sourcePvc : target.pvc),
  ]);
  return {
    run: run.metadata.name,
    spec: run.spec,
    status,
    host,
    ...(inspectPod ? { inspect: observation<InspectResult>(inspectPod, "inspect pod", "inspect") } : {}),
    ...(restorePod ? { restore: observation<RestoreResult>(restorePod, "restore pod", "restore") } : {}),
    ...(copyPod ? { copy: observation<CopyResult>(copyPod, "copy pod", "copy") } : {}),
    ...(stagingPvc ? { stagingPvc } : {}),
    ...(movedPvc ? { movedPvc } : {}),
  };
}

function observation<T extends RestorePodResult>(pod: BackupPodLike, what: string, action: T["action"]): Observation<T> {
  if (!finishedPhase(pod)) return { pod };
  const parse = (text: string): T | undefined => {
    const result = jsonOf(RestorePodResult)(text);
    return result?.action === action ? (result as T) : undefined;
  };
  return { pod, done: podTermination(pod, what, parse) };
}
