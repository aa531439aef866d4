// Teardown, the effects: find what a run created (by its label in the backup and the target namespace, cluster-wide
// for contents, and by the names recorded on the run), then delete it stage by stage in the safe order
// (teardown-plan.ts). A stage that must be gone before the next one starts is waited for briefly; if it is still
// there (a Terminating pod, a PVC held by one) the teardown stops with a TransientError (503, retried in a second)
// rather than racing ahead. Every delete is idempotent: "not found" is success. A backup PVC's volume is always
// deleted with it, whatever its StorageClass's reclaim policy, and so is a source snapshot's content whatever its
// VolumeSnapshotClass's deletion policy.
import { TransientError } from "../../shared/errors.ts";
import type { Obj, Ref } from "../../shared/kube/port.ts";
import { Labels, MANAGED_BY, parseStatus, type BackupRun } from "../../shared/runs/run.ts";
import type { FunctionDeps } from "../common/index.ts";
import { describeRef, handleOf, isSourceSnapshot, needsAllContents, SNAPSHOT_API, teardownPlan, uniqueObjects, type TeardownObjects } from "./teardown-plan.ts";

export interface TeardownOptions {
  /** How long one stage may take to disappear before the teardown answers "later" (default 5 s). */
  stageWaitMs?: number;
  /** Polling interval while waiting (default 200 ms). */
  pollMs?: number;
}

const KINDS = {
  pod: { apiVersion: "v1", kind: "Pod" },
  configMap: { apiVersion: "v1", kind: "ConfigMap" },
  pvc: { apiVersion: "v1", kind: "PersistentVolumeClaim" },
  snapshot: { apiVersion: SNAPSHOT_API, kind: "VolumeSnapshot" },
  content: { apiVersion: SNAPSHOT_API, kind: "VolumeSnapshotContent" },
} as const;

/** Everything of one run: labelled objects plus the ones its status names. */
export async function observeRun(deps: FunctionDeps, run: BackupRun): Promise<TeardownObjects> {
  const name = run.metadata.name;
  const status = parseStatus(run);
  const selector = `${Labels.managedBy}=${MANAGED_BY},${Labels.run}=${name}`;
  const ns = deps.namespace;
  const target = status?.target?.namespace;
  const volumes = status?.volumes ?? [];
  const list = (k: { apiVersion: string; kind: string }, namespace?: string): Promise<Obj[]> => deps.kube.list(k.apiVersion, k.kind, namespace, selector);
  const get = (k: { apiVersion: string; kind: string }, n: string | undefined, namespace?: string): Promise<Obj | undefined> =>
    n ? deps.kube.get({ ...k, name: n, ...(namespace ? { namespace } : {}) }) : Promise.resolve(undefined);
  const [pods, configMaps, pvcs, snapshots, targetSnapshots, contents] = await Promise.all([
    list(KINDS.pod, ns),
    list(KINDS.configMap, ns),
    list(KINDS.pvc, ns),
    list(KINDS.snapshot, ns),
    target && target !== ns ? list(KINDS.snapshot, target) : Promise.resolve([]),
    list(KINDS.content),
  ]);
  const named = await Promise.all([
    get(KINDS.pod, status?.pod, ns),
    get(KINDS.configMap, status?.configMap, ns),
    ...volumes.map((v) => get(KINDS.pvc, v.backupPvc, ns)),
    ...volumes.map((v) => get(KINDS.snapshot, v.backupSnapshot, ns)),
    ...volumes.map((v) => (target ? get(KINDS.snapshot, v.sourceSnapshot, target) : Promise.resolve(undefined))),
    ...volumes.map((v) => get(KINDS.content, v.content)),
  ]);
  const ofKind = (kind: string): Obj[] => named.filter((o): o is Obj => o?.kind === kind);
  return {
    pods: uniqueObjects(pods, ofKind("Pod")),
    configMaps: uniqueObjects(configMaps, ofKind("ConfigMap")),
    pvcs: uniqueObjects(pvcs, ofKind("PersistentVolumeClaim")),
    snapshots: uniqueObjects(snapshots, targetSnapshots, ofKind("VolumeSnapshot")),
    contents: uniqueObjects(contents, ofKind("VolumeSnapshotContent")),
  };
}

/** Everything labelled app.kubernetes.io/managed-by=rafdir, in every namespace (the janitor's sweep). */
export async function observeManaged(deps: FunctionDeps): Promise<TeardownObjects> {
  const selector = `${Labels.managedBy}=${MANAGED_BY}`;
  const list = (k: { apiVersion: string; kind: string }): Promise<Obj[]> => deps.kube.list(k.apiVersion, k.kind, undefined, selector);
  const [pods, configMaps, pvcs, snapshots, contents] = await Promise.all([list(KINDS.pod), list(KINDS.configMap), list(KINDS.pvc), list(KINDS.snapshot), list(KINDS.content)]);
  return { pods, configMaps, pvcs, snapshots, contents };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Deletes the objects in the safe order; resolves once every deletion is requested and every waited stage is gone. */
export async function tearDown(deps: FunctionDeps, objects: TeardownObjects, opts: TeardownOptions = {}): Promise<string[]> {
  const stageWaitMs = opts.stageWaitMs ?? 5_000;
  const pollMs = opts.pollMs ?? 200;
  const all = needsAllContents(objects) ? await deps.kube.list(KINDS.content.apiVersion, KINDS.content.kind) : undefined;
  const plan = teardownPlan(objects, all);
  for (const ref of plan.retain) {
    deps.log.warn({ content: ref.name }, "copy content shares its handle with another Delete content: making it Retain before deleting it");
    await deps.kube.patch(ref, { spec: { deletionPolicy: "Retain" } });
  }
  await volumesGoWithTheirClaims(deps, objects.pvcs);
  const deleted: string[] = [];
  for (const stage of plan.stages) {
    if (stage.name === "sourceSnapshots") await contentsGoWithTheirSnapshots(deps, objects.snapshots.filter(isSourceSnapshot));
    for (const ref of stage.objects) if (await deps.kube.remove(ref)) deleted.push(describeRef(ref));
    if (!stage.wait) continue;
    const left = await waitGone(deps, stage.objects, stageWaitMs, pollMs);
    if (left.length > 0) {
      const what = left.map(describeRef).join(", ");
      const why = stage.name === "pods" ? "still terminating; it holds the backup PVCs" : "still being deleted";
      throw new TransientError(`teardown waits: ${what} ${why}`, { retryAfterSeconds: 1 });
    }
  }
  if (deleted.length) deps.log.info({ deleted }, "teardown: deleted");
  return deleted;
}

/**
 * A backup PVC's volume is the run's to discard: with a Retain StorageClass (common for databases) deleting the PVC
 * would leave a Released PV and its full-size backend volume behind on every run. Only a dynamically provisioned PV
 * bound to exactly that claim (its uid) is switched to Delete.
 */
async function volumesGoWithTheirClaims(deps: FunctionDeps, pvcs: readonly Obj[]): Promise<void> {
  for (const pvc of pvcs) {
    const volumeName = (pvc["spec"] as { volumeName?: string } | undefined)?.volumeName;
    if (!volumeName) continue;
    const pv = await deps.kube.get({ apiVersion: "v1", kind: "PersistentVolume", name: volumeName });
    const spec = pv?.["spec"] as { persistentVolumeReclaimPolicy?: string; claimRef?: { uid?: string } } | undefined;
    if (!pv || !spec || spec.persistentVolumeReclaimPolicy === "Delete" || spec.claimRef?.uid !== pvc.metadata.uid) continue;
    if (!pv.metadata.annotations?.["pv.kubernetes.io/provisioned-by"]) continue;
    deps.log.info({ pv: volumeName, pvc: pvc.metadata.name, was: spec.persistentVolumeReclaimPolicy }, "teardown: the backup PVC's volume is deleted with it");
    await deps.kube.patch({ apiVersion: "v1", kind: "PersistentVolume", name: volumeName }, { spec: { persistentVolumeReclaimPolicy: "Delete" } });
  }
}

/**
 * A source snapshot taken with a Retain VolumeSnapshotClass leaves its content and the backend snapshot behind when
 * it is deleted. By this stage the run's copy contents are gone; a content created for exactly this snapshot (its
 * uid) that no other content shares a handle with is switched to Delete, so the backend snapshot goes with it.
 */
async function contentsGoWithTheirSnapshots(deps: FunctionDeps, sourceSnapshots: readonly Obj[]): Promise<void> {
  if (sourceSnapshots.length === 0) return;
  const all = await deps.kube.list(KINDS.content.apiVersion, KINDS.content.kind);
  for (const snapshot of sourceSnapshots) {
    const bound = (snapshot["status"] as { boundVolumeSnapshotContentName?: string } | undefined)?.boundVolumeSnapshotContentName;
    const content = all.find((c) => c.metadata.name === bound);
    const spec = content?.["spec"] as { deletionPolicy?: string; volumeSnapshotRef?: { uid?: string }; source?: { volumeHandle?: string } } | undefined;
    if (!content || !spec || spec.deletionPolicy === "Delete" || !spec.source?.volumeHandle || spec.volumeSnapshotRef?.uid !== snapshot.metadata.uid) continue;
    const handle = handleOf(content);
    if (handle === undefined || all.some((c) => c.metadata.name !== content.metadata.name && handleOf(c) === handle)) continue;
    deps.log.info({ content: content.metadata.name, snapshot: snapshot.metadata.name }, "teardown: the source snapshot's content is deleted with it");
    await deps.kube.patch({ apiVersion: KINDS.content.apiVersion, kind: KINDS.content.kind, name: content.metadata.name }, { spec: { deletionPolicy: "Delete" } });
  }
}

async function waitGone(deps: FunctionDeps, refs: readonly Ref[], waitMs: number, pollMs: number): Promise<Ref[]> {
  const until = Date.now() + waitMs;
  for (;;) {
    const present = await Promise.all(refs.map(async (r) => ((await deps.kube.get(r)) ? r : undefined)));
    const left = present.filter((r): r is Ref => r !== undefined);
    if (left.length === 0 || Date.now() >= until) return left;
    await sleep(pollMs);
  }
}
