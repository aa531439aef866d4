// io.rafdir.restore.requested → a RestoreRun (so `kubectl get restoreruns` shows every request, refused ones too),
// then the reconcile loop, which checks it first (accept.ts). A redelivered request (same source and id) re-drives
// its run instead of starting a second restore.
import type { CloudEvent } from "cloudevents";
import { TransientError, isAlreadyExists } from "../../shared/errors.ts";
import type { EventData, EventTypes } from "../../shared/events.ts";
import type { Obj } from "../../shared/kube/port.ts";
import { Labels, RUN_API_VERSION } from "../../shared/runs/run.ts";
import { REQUEST_LABEL, RESTORE_KIND, requestHash, restoreRunName, type RestoreRun, type RestoreSpec } from "../../shared/runs/restore-run.ts";
import type { FunctionDeps } from "../common/index.ts";
import { reconcile } from "./reconcile.ts";
import { listRestores } from "./runs.ts";

type Requested = EventData<typeof EventTypes.restoreRequested>;

export async function onRestoreRequested(deps: FunctionDeps, event: { id: string; source: string; data: Requested }): Promise<CloudEvent<unknown> | undefined> {
  const hash = requestHash(event.source, event.id);
  const [earlier] = await listRestores(deps, `${REQUEST_LABEL}=${hash}`);
  if (earlier) {
    deps.log.info({ run: earlier.metadata.name }, "restore request seen before; re-driving its run");
    return reconcile(deps, earlier.metadata.name);
  }
  const data = event.data;
  const spec: RestoreSpec = {
    profile: data.profile,
    trigger: "manual",
    ...(data.requestedBy ? { requestedBy: data.requestedBy } : {}),
    ...(data.force ? { force: true } : {}),
    ...(data.snapshot ? { snapshot: data.snapshot } : {}),
    ...(data.repository ? { repository: data.repository } : {}),
    ...(data.path ? { path: data.path } : {}),
    target: data.target,
  };
  const now = deps.now();
  const name = restoreRunName(data.profile, now);
  const obj = {
    apiVersion: RUN_API_VERSION,
    kind: RESTORE_KIND,
    metadata: { name, namespace: deps.namespace, labels: { [Labels.profile]: data.profile, [REQUEST_LABEL]: hash } },
    spec,
  };
  let run: RestoreRun;
  try {
    run = (await deps.kube.ensure(obj as unknown as RestoreRun & Obj)).object;
  } catch (err) {
    if (isAlreadyExists(err)) throw new TransientError(`RestoreRun ${name} exists (two requests for profile "${data.profile}" within a second)`, { retryAfterSeconds: 1 });
    throw err;
  }
  if (run.metadata.labels?.[REQUEST_LABEL] !== hash) {
    throw new TransientError(`RestoreRun ${name} belongs to another request (two requests for profile "${data.profile}" within a second)`, { retryAfterSeconds: 1 });
  }
  deps.log.info({ run: name, target: `${spec.target.namespace}/${spec.target.pvc}` }, "restore requested");
  return reconcile(deps, name);
}

