// The end of a restore: the final phase first (a compare-and-set, so exactly one delivery announces it), then the
// teardown of everything the restore created, then status.tornDown. A teardown that fails is the janitor's to
// repeat; the restored PVC and an existing target are never deleted.
import type { CloudEvent } from "cloudevents";
import { EventTypes, functionSource, newEvent } from "../../shared/events.ts";
import { Labels } from "../../shared/runs/run.ts";
import { RESTORED_FROM, restoreObjects, type RestoreRun, type RestoreStatus } from "../../shared/runs/restore-run.ts";
import { recordRunEvent, type FunctionDeps } from "../common/index.ts";
import type { Failure } from "./decide.ts";
import { podRef, pvRef, pvcRef, type PvObj, type PvcObj } from "./refs.ts";
import { getRestore, patchRestore } from "./runs.ts";
import type { CopyResult } from "../../runner/restore-job.ts";

export type Ending = { kind: "succeed"; copied?: CopyResult } | ({ kind: "fail" } & Failure);

export async function finishRestore(deps: FunctionDeps, run: RestoreRun, status: RestoreStatus, ending: Ending): Promise<CloudEvent<unknown>> {
  const { target } = run.spec;
  const where = `${target.namespace}/${target.pvc}`;
  const snapshot = status.snapshot;
  const ok = ending.kind === "succeed";
  const copied = ending.kind === "succeed" ? ending.copied : undefined;
  const result = copied
    ? { ...status.result, ...(copied.removed !== undefined ? { removed: copied.removed } : {}) }
    : status.result;
  const message = ok
    ? `restored ${snapshot?.path ?? ""} of snapshot ${snapshot?.id.slice(0, 8) ?? ""} (${snapshot?.time ?? ""}) into PVC ${where}${target.existing ? " (contents replaced)" : ""}`
    : `restore into PVC ${where} failed: ${ending.message}`;
  const final = await patchRestore(deps, run, {
    phase: ok ? "Succeeded" : "Failed",
    finishedAt: deps.now().toISOString(),
    deadline: null,
    message,
    ...(result ? { result } : {}),
    ...(ending.kind === "fail" ? { error: { phase: status.phase, reason: ending.reason, message: ending.message } } : {}),
  });
  await recordRunEvent(deps, final, ok ? "Normal" : "Warning", ok ? "Restored" : ending.reason, message);
  deps.log[ok ? "info" : "warn"]({ phase: status.phase, ...(ending.kind === "fail" ? { reason: ending.reason } : {}), result }, ok ? "restore succeeded" : "restore failed");

  try {
    await tearDownRestore(deps, final, { ...status, phase: ok ? "Succeeded" : "Failed" });
  } catch (err) {
    deps.log.warn({ err }, "teardown not complete; the janitor retries");
    await recordRunEvent(deps, final, "Warning", "TeardownIncomplete", `not everything the restore created could be removed yet (the janitor retries): ${err instanceof Error ? err.message : String(err)}`);
  }
  const data = {
    run: run.metadata.name,
    profile: run.spec.profile,
    message,
    target: { namespace: target.namespace, pvc: target.pvc },
    ...(snapshot ? { snapshot: snapshot.id } : {}),
    ...(ending.kind === "fail" ? { reason: ending.reason } : {}),
    ...(result ? { summary: result } : {}),
  };
  const type = ok ? EventTypes.restoreSucceeded : EventTypes.restoreFailed;
  return newEvent(type, functionSource(deps.name), data, { id: `${run.metadata.name}-${ok ? "succeeded" : "failed"}` });
}

/**
 * Removes the pods and the ConfigMap, and the staging or temporary PVC and volume. A new target PVC is handed over
 * on success (labels removed, the volume's reclaim policy restored) and deleted on failure only if this restore
 * created it. Idempotent; records status.tornDown.
 */
export async function tearDownRestore(deps: FunctionDeps, run: RestoreRun, status: RestoreStatus): Promise<void> {
  const name = run.metadata.name;
  const names = restoreObjects(name);
  const { target } = run.spec;
  const ok = status.phase === "Succeeded";
  const ours = (pvc: PvcObj | undefined): pvc is PvcObj => pvc?.metadata.labels?.[Labels.run] === name;

  await deps.kube.remove(podRef(deps.namespace, names.inspectPod));
  await deps.kube.remove(podRef(deps.namespace, names.restorePod));
  if (target.existing) await deps.kube.remove(podRef(target.namespace, names.copyPod));
  await deps.kube.remove({ apiVersion: "v1", kind: "ConfigMap", namespace: deps.namespace, name: names.configMap });

  const staging = await deps.kube.get<PvcObj>(pvcRef(deps.namespace, names.stagingPvc));
  const volumeName = status.volume?.name ?? staging?.spec?.volumeName;
  const pv = volumeName ? await deps.kube.get<PvObj>(pvRef(volumeName)) : undefined;
  // Kept: the new target's volume, with the reclaim policy its class gave it. Discarded: every other volume.
  const keep = ok && !target.existing;
  const policy = keep ? (status.volume?.reclaimPolicy ?? "Delete") : "Delete";
  if (pv && pv.spec?.persistentVolumeReclaimPolicy !== policy) await deps.kube.patch(pvRef(pv.metadata.name), { spec: { persistentVolumeReclaimPolicy: policy } });

  if (staging) await deps.kube.remove(pvcRef(deps.namespace, names.stagingPvc));
  const moved = await deps.kube.get<PvcObj>(pvcRef(target.namespace, target.existing ? names.sourcePvc : target.pvc));
  if (keep && ours(moved)) {
    const labels = { [Labels.managedBy]: null, [Labels.run]: null, [Labels.profile]: null };
    const restoredFrom = moved.metadata.annotations?.[RESTORED_FROM] ?? name;
    await deps.kube.patch(pvcRef(target.namespace, target.pvc), { metadata: { labels, annotations: { [RESTORED_FROM]: restoredFrom } } });
  } else if (!keep && ours(moved)) {
    await deps.kube.remove(pvcRef(target.namespace, moved.metadata.name));
  }
  // A volume pre-bound by name only would wait for that claim forever (and could bind a user's PVC of that name
  // later): give it a claim that is gone, so the PV controller releases and reclaims it (policy Delete, set above).
  if (!keep && pv && !pv.spec?.claimRef?.uid) {
    const gone = { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: deps.namespace, name: names.stagingPvc, uid: `released-${name}`, resourceVersion: null };
    await deps.kube.patch(pvRef(pv.metadata.name), { spec: { claimRef: gone } });
  }

  const current = await getRestore(deps, name);
  if (current) await patchRestore(deps, current, { tornDown: deps.now().toISOString() });
}
