// ApiServerSource events of rafdir-labelled Pods and PVCs (any namespace): when the object belongs to a RestoreRun,
// the run's reconcile loop looks at the cluster again. Objects of BackupRuns (and anything else) are acknowledged.
import type { CloudEvent } from "cloudevents";
import type { FunctionDeps } from "../common/index.ts";
import { resourceHead } from "../common/resource-head.ts";
import { reconcile } from "./reconcile.ts";
import { getRestore } from "./runs.ts";

const WATCHED = new Set(["Pod", "PersistentVolumeClaim"]);

export async function onResourceEvent(deps: FunctionDeps, event: { id: string; data: unknown }): Promise<CloudEvent<unknown> | undefined> {
  const { kind, run, where } = resourceHead(event);
  const skip = (reason: string): undefined => void deps.log.debug({ kind, object: where, reason }, "resource event ignored");
  if (!WATCHED.has(kind)) return skip(`not a Pod or PVC`);
  if (!run) return skip("not created by rafdir");
  if (!(await getRestore(deps, run))) return skip(`no RestoreRun ${run} (a backup's object)`);
  return reconcile(deps, run);
}
