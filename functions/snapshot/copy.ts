// io.rafdir.snapshot.ready → the copy into the backup namespace (ADR 0003): per source snapshot a pre-provisioned
// Retain content with the same handle and the source content's annotations, a VolumeSnapshot bound to it, and a
// backup PVC restored from it, sized from restoreSize. Names are recorded on the run before anything is created.
// io.rafdir.pvc.bound follows once every backup PVC is Bound or waits for its first consumer.
import type { CloudEvent } from "cloudevents";
import { EventTypes, functionSource, newEvent } from "../../shared/events.ts";
import { TransientError } from "../../shared/errors.ts";
import type { Obj } from "../../shared/kube/port.ts";
import { isFinal, parseStatus, Steps, type BackupRun, type RunStatus, type RunVolume } from "../../shared/runs/run.ts";
import { abortRun, getRun, patchRunStatus, recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import { claimTransition } from "../common/claim-transition.ts";
import { pvcReadiness } from "./decide.ts";
import { ensureAll, readBackupPvcs, readSnapshots } from "./effects.ts";
import { backupPvc, backupSize, backupSnapshot, contentFacts, copyContent, copyNames } from "./objects.ts";

export async function onSnapshotReady(deps: FunctionDeps, runName: string, token: string): Promise<CloudEvent<unknown> | undefined> {
  let run = await getRun(deps, runName);
  if (!run) return void deps.log.warn({ run: runName }, "BackupRun not found; nothing to copy");
  const d = { ...deps, log: runLog(deps.log, run) };
  const status = parseStatus(run);
  if (!status || isFinal(status.phase) || status.error || status.phase !== "Copying" || status.steps?.[Steps.pvcsReady]) {
    return void d.log.info({ phase: status?.phase ?? "unreadable" }, "nothing to copy in this state");
  }
  if (!status.steps?.[Steps.copied]) {
    const copied = await copy(d, run, status.volumes ?? [], status.target?.namespace ?? "");
    if (!copied) return undefined;
    run = copied;
  }
  return pvcBoundReply(d, run, token);
}

async function copy(deps: FunctionDeps, run: BackupRun, volumes: readonly RunVolume[], sourceNamespace: string): Promise<BackupRun | undefined> {
  const id = { run: run.metadata.name, profile: run.spec.profile };
  const state = await readSnapshots(deps, sourceNamespace, volumes);
  const objects: Obj[] = [];
  const named: RunVolume[] = [];
  for (const [i, v] of volumes.entries()) {
    const vs = state.snapshots.get(v.sourceSnapshot);
    const content = state.contents.get(vs?.status?.boundVolumeSnapshotContentName ?? "");
    const facts = contentFacts(content);
    if (!facts.ok || !content) throw new TransientError(`snapshot ${sourceNamespace}/${v.sourceSnapshot}: ${facts.ok ? "no content" : facts.reason}`, { retryAfterSeconds: 2 });
    const size = backupSize(vs, content, v.capacity);
    if (!size || !v.storageClass) {
      await abortRun(deps, run, { step: "copy", reason: "NoSize", message: `cannot size the backup PVC of ${sourceNamespace}/${v.sourcePvc}: the snapshot has no restoreSize and the PVC no capacity` });
      return undefined;
    }
    const names = copyNames(id.run, i, sourceNamespace, deps.namespace);
    named.push({ ...v, content: names.content, backupSnapshot: names.backupSnapshot, backupPvc: names.backupPvc });
    objects.push(copyContent(id, names, content, facts, deps.namespace), backupSnapshot(id, names, deps.namespace), backupPvc(id, names, v.storageClass, size, deps.namespace));
  }
  run = await patchRunStatus(deps, id.run, { volumes: named });
  const ensured = await ensureAll(deps, objects);
  if (!ensured.ok) {
    await abortRun(deps, run, { step: "copy", reason: "CopyRejected", message: ensured.message });
    return undefined;
  }
  run = await patchRunStatus(deps, id.run, { steps: { [Steps.copied]: deps.now().toISOString() }, message: `${named.length} backup PVC(s) created in ${deps.namespace}; waiting for them to bind` });
  await recordRunEvent(deps, run, "Normal", "Copied", `copied ${named.length} snapshot(s) into ${deps.namespace}: ${named.map((v) => v.backupPvc).join(", ")}`);
  deps.log.info({ pvcs: named.map((v) => v.backupPvc) }, "snapshots copied");
  return run;
}

/** io.rafdir.pvc.bound when every backup PVC is ready and it was not sent yet (recorded as steps.pvcsReady). */
export async function pvcBoundReply(deps: FunctionDeps, run: BackupRun, token: string): Promise<CloudEvent<unknown> | undefined> {
  const status = parseStatus(run);
  if (!waitsForPvcs(status)) return undefined;
  const volumes = status.volumes ?? [];
  const state = await readBackupPvcs(deps, volumes);
  const r = pvcReadiness(volumes, state.pvcs, state.bindingModes);
  if (!r.ready) {
    if (status.deadline && deps.now().getTime() > Date.parse(status.deadline)) {
      await abortRun(deps, run, { step: "copy", reason: "PvcNotBound", message: `backup PVCs in ${deps.namespace} not bound by ${status.deadline}: ${r.waiting.join("; ")}` });
    } else deps.log.info({ waiting: r.waiting }, "backup PVCs not ready yet");
    return undefined;
  }
  const claimed = await claimTransition(deps, run, "pvc-bound", token);
  if (!claimed || !waitsForPvcs(parseStatus(claimed))) return undefined;
  await patchRunStatus(deps, run.metadata.name, { steps: { [Steps.pvcsReady]: deps.now().toISOString() }, message: "backup PVCs ready" });
  deps.log.info({ pvcs: r.pvcs }, "backup PVCs ready");
  return newEvent(EventTypes.pvcBound, functionSource(deps.name), { run: run.metadata.name, profile: run.spec.profile, pvcs: r.pvcs }, { id: `${run.metadata.name}-pvc-bound` });
}

/**
 * io.rafdir.pvc.bound again, for a re-driven run whose backup pod does not exist yet (the first one was lost):
 * run-restic's handler is idempotent (the pod is get-or-create), so a duplicate costs nothing.
 */
export async function resendPvcBound(deps: FunctionDeps, run: BackupRun): Promise<CloudEvent<unknown> | undefined> {
  const volumes = parseStatus(run)?.volumes ?? [];
  const state = await readBackupPvcs(deps, volumes);
  const r = pvcReadiness(volumes, state.pvcs, state.bindingModes);
  if (!r.ready) return void deps.log.warn({ waiting: r.waiting }, "re-driven: the backup PVCs were ready once and are not now; the deadline decides");
  deps.log.info({ pvcs: r.pvcs.map((p) => p.name) }, "re-driven: announcing the backup PVCs again");
  return newEvent(EventTypes.pvcBound, functionSource(deps.name), { run: run.metadata.name, profile: run.spec.profile, pvcs: r.pvcs }, { id: `${run.metadata.name}-pvc-bound` });
}

const waitsForPvcs = (s: RunStatus | undefined): s is RunStatus =>
  !!s && !isFinal(s.phase) && !s.error && s.phase === "Copying" && !!s.steps?.[Steps.copied] && !s.steps[Steps.pvcsReady];
