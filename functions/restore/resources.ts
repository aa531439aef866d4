// ApiServerSource events of rafdir-labelled Pods and PVCs (any namespace): when the object belongs to a RestoreRun,
// the run's reconcile loop looks at the cluster again. Objects of BackupRuns (and anything else) are acknowledged.
import type { CloudEvent } from "cloudevents";
import { z } from "zod";
import { InvalidEventError } from "../../shared/errors.ts";
import { Labels, MANAGED_BY } from "../../shared/runs/run.ts";
import type { FunctionDeps } from "../common/index.ts";
import { reconcile } from "./reconcile.ts";
import { getRestore } from "./runs.ts";

const Head = z.looseObject({
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }),
});

const WATCHED = new Set(["Pod", "PersistentVolumeClaim"]);

export async function onResourceEvent(deps: FunctionDeps, event: { id: string; data: unknown }): Promise<CloudEvent<unknown> | undefined> {
  const head = Head.safeParse(event.data);
  if (!head.success) throw new InvalidEventError(`ApiServerSource event ${event.id}: data is not a Kubernetes object with kind and metadata.name`);
  const { kind, metadata } = head.data;
  const labels = metadata.labels ?? {};
  const run = labels[Labels.run];
  const skip = (reason: string): undefined => void deps.log.debug({ kind, object: `${metadata.namespace ?? ""}/${metadata.name}`, reason }, "resource event ignored");
  if (!WATCHED.has(kind)) return skip(`not a Pod or PVC`);
  if (labels[Labels.managedBy] !== MANAGED_BY || !run) return skip("not created by rafdir");
  if (!(await getRestore(deps, run))) return skip(`no RestoreRun ${run} (a backup's object)`);
  return reconcile(deps, run);
}
