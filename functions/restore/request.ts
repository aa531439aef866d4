// io.rafdir.restore.requested → a RestoreRun (so `kubectl get restoreruns` shows every request, refused ones too),
// the request checked against the configuration and the cluster (check.ts), then the reconcile loop. A redelivered
// request (same source and id) re-drives its run instead of starting a second restore.
import type { CloudEvent } from "cloudevents";
import { TransientError, isAlreadyExists } from "../../shared/errors.ts";
import type { EventData, EventTypes } from "../../shared/events.ts";
import type { Obj } from "../../shared/kube/port.ts";
import { Labels, RUN_API_VERSION } from "../../shared/runs/run.ts";
import {
  isRestoreFinal,
  parseRestoreStatus,
  REQUEST_LABEL,
  RESTORE_KIND,
  requestHash,
  restoreRunName,
  type RestoreRun,
  type RestoreSpec,
} from "../../shared/runs/restore-run.ts";
import { ConfigMissingError, type FunctionDeps } from "../common/index.ts";
import { claimInUse } from "./in-use.ts";
import { checkRequest, type RequestFacts } from "./check.ts";
import { phaseDeadline } from "./decide.ts";
import { finishRestore } from "./finish.ts";
import { reconcile } from "./reconcile.ts";
import { pvcRef, type PvcObj } from "./refs.ts";
import { listRestores, patchRestore, recordRestoreEvent, restoreLog } from "./runs.ts";

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
  const d: FunctionDeps = { ...deps, log: restoreLog(deps.log, run) };
  const verdict = checkRequest(await requestFacts(d, spec, name));
  if ("reason" in verdict) return finishRestore(d, run, { phase: "Pending", startedAt: now.toISOString() }, { kind: "fail", ...verdict });

  const settings = (await d.loadConfig()).settings;
  const deadline = phaseDeadline("Pending", now, settings.timeouts);
  const target = `${spec.target.namespace}/${spec.target.pvc}`;
  const accepted = await patchRestore(d, run, {
    phase: "Pending",
    startedAt: now.toISOString(),
    repository: verdict.repository,
    storageClass: verdict.storageClass,
    host: verdict.host,
    ...(deadline ? { deadline } : {}),
    message: `accepted: ${spec.snapshot ? `snapshot ${spec.snapshot}` : "the latest snapshot"} of profile "${spec.profile}" from ${verdict.repository} into PVC ${target}${spec.target.existing ? " (existing)" : ""}`,
  });
  await recordRestoreEvent(d, accepted, "Normal", "Accepted", `restore into PVC ${target} from repository ${verdict.repository}`);
  d.log.info({ target, repository: verdict.repository, storageClass: verdict.storageClass, snapshot: spec.snapshot ?? "latest" }, "restore accepted");
  return reconcile(deps, name);
}

/** What checkRequest needs, read from the configuration and the cluster. */
async function requestFacts(deps: FunctionDeps, spec: RestoreSpec, self: string): Promise<RequestFacts> {
  const { target } = spec;
  const base: RequestFacts = { spec, profileProblems: [], repositories: [], namespaceExists: false, targetUsers: [], storageClasses: [], busyWith: [] };
  let config;
  try {
    config = await deps.loadConfig();
  } catch (err) {
    if (err instanceof ConfigMissingError) return { ...base, profileProblems: [err.message] };
    throw err;
  }
  const profile = config.profiles.find((p) => p.name === spec.profile);
  const profileProblems = config.invalid.filter((i) => i.profile === spec.profile).map((i) => i.message);
  const [namespace, targetPvc, pods, classes, restores] = await Promise.all([
    deps.kube.get({ apiVersion: "v1", kind: "Namespace", name: target.namespace }),
    deps.kube.get<PvcObj>(pvcRef(target.namespace, target.pvc)),
    deps.kube.list<Obj>("v1", "Pod", target.namespace),
    deps.kube.list<Obj>("storage.k8s.io/v1", "StorageClass"),
    listRestores(deps),
  ]);
  const busy = restores.filter((r) => {
    if (r.metadata.name === self || r.spec.target.namespace !== target.namespace || r.spec.target.pvc !== target.pvc) return false;
    const phase = parseRestoreStatus(r)?.phase;
    return phase !== undefined && !isRestoreFinal(phase);
  });
  return {
    ...base,
    ...(profile ? { profile: { name: profile.name, host: profile.host, repositories: profile.repositories } } : {}),
    profileProblems,
    repositories: Object.keys(config.repositories),
    namespaceExists: namespace !== undefined,
    ...(targetPvc ? { targetPvc } : {}),
    targetUsers: pods.filter((p) => claimInUse(p, target.pvc)).map((p) => `${target.namespace}/${p.metadata.name}`),
    storageClasses: classes.map((c) => ({ name: c.metadata.name, isDefault: c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true" })),
    busyWith: busy.map((r) => r.metadata.name),
  };
}
