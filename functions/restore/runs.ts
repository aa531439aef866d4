// Reading and writing RestoreRuns: the record is the single source of truth of a restore (docs/adr/0004). Phase
// changes are compare-and-set on the run's resourceVersion, so two deliveries racing on one restore cannot both
// take a step: the loser gets a 409, answers 503 and is redelivered to a run that has moved on.
import { isConflict, TransientError } from "../../shared/errors.ts";
import type { Obj } from "../../shared/kube/port.ts";
import { RUN_API_VERSION } from "../../shared/runs/run.ts";
import { RESTORE_KIND, restoreRef, type RestoreRun, type RestoreStatus } from "../../shared/runs/restore-run.ts";
import type { FunctionDeps, MergePatch } from "../common/index.ts";

type RestoreObject = RestoreRun & Obj;
export type RestoreStatusPatch = MergePatch<RestoreStatus>;

export async function getRestore(deps: FunctionDeps, name: string): Promise<RestoreRun | undefined> {
  return deps.kube.get<RestoreObject>({ apiVersion: RUN_API_VERSION, kind: RESTORE_KIND, name, namespace: deps.namespace });
}

export async function listRestores(deps: FunctionDeps, labelSelector?: string): Promise<RestoreRun[]> {
  return deps.kube.list<RestoreObject>(RUN_API_VERSION, RESTORE_KIND, deps.namespace, labelSelector);
}

/** Merge-patches the status of exactly the version of the run that was read; a newer version is a TransientError. */
export async function patchRestore(deps: FunctionDeps, run: RestoreRun, patch: RestoreStatusPatch): Promise<RestoreRun> {
  try {
    const rv = run.metadata.resourceVersion;
    const out = await deps.kube.patchStatus(restoreRef(deps.namespace, run.metadata.name), patch as Record<string, unknown>, rv ? { resourceVersion: rv } : {});
    return out as unknown as RestoreRun;
  } catch (err) {
    if (isConflict(err)) throw new TransientError(`RestoreRun ${run.metadata.name} changed meanwhile; the event is retried`, { cause: err, retryAfterSeconds: 1 });
    throw err;
  }
}
