// Where a provisioned volume's bytes come from: a claim's dataSource/dataSourceRef, checked as external-provisioner's
// getSnapshotSource and getPVCSource do (pure), and resolved against the API and the sandbox's directories.
import { join } from "node:path";
import type { Api } from "../apiserver/api.ts";
import type { KObject } from "../apiserver/types.ts";
import { snapshotDir, volumeDir } from "./paths.ts";
import { exists } from "./storage-effects.ts";
import { phaseOf, quantityBytes, requestBytes, SNAPSHOT_GROUP, type ClaimRef, type Pv, type Pvc, type StorageClass } from "./storage-model.ts";

// --- data sources ---

export type DataSource =
  | { kind: "none" }
  | { kind: "snapshot"; name: string }
  | { kind: "pvc"; name: string };

/** What a claim is to be populated from: dataSourceRef wins over dataSource; other kinds are ignored (dropped by the real apiserver). */
export function dataSourceOf(pvc: Pvc): DataSource {
  const ref = pvc.spec.dataSourceRef ?? pvc.spec.dataSource;
  if (!ref?.name) return { kind: "none" };
  if (ref.namespace && ref.namespace !== pvc.metadata.namespace) return { kind: "none" }; // CrossNamespaceVolumeDataSource is off
  if (ref.kind === "VolumeSnapshot" && ref.apiGroup === SNAPSHOT_GROUP) return { kind: "snapshot", name: ref.name };
  if (ref.kind === "PersistentVolumeClaim" && !ref.apiGroup) return { kind: "pvc", name: ref.name };
  return { kind: "none" };
}

interface SnapshotView extends KObject {
  status?: { boundVolumeSnapshotContentName?: string; readyToUse?: boolean; restoreSize?: string | number };
}
interface ContentView extends KObject {
  spec: { driver?: string; volumeSnapshotRef?: ClaimRef; sourceVolumeMode?: string };
  status?: { snapshotHandle?: string };
}

/** getSnapshotSource: the snapshot handle to restore from, or the provisioner's error. */
export function checkSnapshotSource(
  pvc: Pvc,
  provisioner: string,
  name: string,
  vs: KObject | undefined,
  content: KObject | undefined,
): { handle: string } | { error: string } {
  if (!vs) return { error: `error getting snapshot ${name} from api server: volumesnapshots.snapshot.storage.k8s.io "${name}" not found` };
  const snap = vs as SnapshotView;
  const notBound = { error: `snapshot ${name} not bound` };
  if (!snap.status?.boundVolumeSnapshotContentName || !content) return notBound;
  const c = content as ContentView;
  const ref = c.spec.volumeSnapshotRef;
  if (ref?.uid !== snap.metadata.uid || ref?.namespace !== snap.metadata.namespace || ref?.name !== snap.metadata.name) return notBound;
  if (c.spec.driver !== provisioner) return notBound;
  if (snap.status.readyToUse !== true) return { error: `snapshot ${name} is not Ready` };
  const handle = c.status?.snapshotHandle;
  if (!handle) return { error: `snapshot handle ${name} is not available` };
  const restore = quantityBytes(snap.status.restoreSize);
  if (restore !== undefined && requestBytes(pvc) < restore) {
    return { error: `requested volume size ${requestBytes(pvc)} is less than the size ${restore} for the source snapshot ${name}` };
  }
  const sourceMode = c.spec.sourceVolumeMode;
  const mode = pvc.spec.volumeMode ?? "Filesystem";
  if (sourceMode && sourceMode !== mode && c.metadata.annotations?.["snapshot.storage.kubernetes.io/allow-volume-mode-change"] !== "true") {
    return {
      error: `requested volume ${pvc.metadata.namespace}/${pvc.metadata.name} modifies the mode of the source volume but does not have permission to do so. snapshot.storage.kubernetes.io/allow-volume-mode-change annotation is not present on snapshotcontent ${c.metadata.name}`,
    };
  }
  return { handle };
}

/** getPVCSource: the volume handle to clone, or the provisioner's error. */
export function checkCloneSource(
  pvc: Pvc,
  provisioner: string,
  name: string,
  source: Pvc | undefined,
  sourcePv: Pv | undefined,
): { handle: string } | { error: string } {
  if (!source) {
    return { error: `error getting PVC ${name} (namespace "${pvc.metadata.namespace}") from api server: persistentvolumeclaims "${name}" not found` };
  }
  if (phaseOf(source) !== "Bound") return { error: `the PVC DataSource ${name} must have a status of Bound.  Got {${phaseOf(source)}}` };
  if (source.metadata.deletionTimestamp) return { error: `the PVC DataSource ${name} is currently being deleted` };
  if (requestBytes(pvc) < requestBytes(source)) {
    return {
      error: `error, new PVC request must be greater than or equal in size to the specified PVC data source, requested ${requestBytes(pvc)} but source is ${requestBytes(source)}`,
    };
  }
  const invalid = { error: "claim in dataSource not bound or invalid" };
  if (!sourcePv?.spec.csi || sourcePv.spec.csi.driver !== provisioner) return invalid;
  const ref = sourcePv.spec.claimRef;
  if (!ref || ref.uid !== source.metadata.uid || ref.name !== source.metadata.name || ref.namespace !== source.metadata.namespace) return invalid;
  if (phaseOf(sourcePv) !== "Bound") return invalid;
  if ((sourcePv.spec.volumeMode ?? "Filesystem") !== (pvc.spec.volumeMode ?? "Filesystem")) {
    return { error: "the source PVC and destination PVCs must have the same volume mode for cloning." };
  }
  return { handle: sourcePv.spec.csi.volumeHandle };
}

/** Where the new volume's bytes come from (nothing, a snapshot's data or a cloned volume), or why provisioning fails. */
export async function contentSource(api: Api, dataDir: string, pvc: Pvc, sc: StorageClass): Promise<{ from?: string } | { error: string }> {
  const ds = dataSourceOf(pvc);
  if (ds.kind === "none") return {};
  const ns = pvc.metadata.namespace;
  const pvcs = api.resource("", "v1", "persistentvolumeclaims");
  const pvs = api.resource("", "v1", "persistentvolumes");
  let checked: { handle: string } | { error: string };
  let dir: (handle: string) => string;
  if (ds.kind === "snapshot") {
    const vsInfo = api.registry.get(SNAPSHOT_GROUP, "v1", "volumesnapshots");
    const vscInfo = api.registry.get(SNAPSHOT_GROUP, "v1", "volumesnapshotcontents");
    const vs = vsInfo ? api.tryGet(vsInfo, ns, ds.name) : undefined;
    const contentName = (vs?.["status"] as { boundVolumeSnapshotContentName?: string } | undefined)?.boundVolumeSnapshotContentName;
    const content = vscInfo && contentName ? api.tryGet(vscInfo, undefined, contentName) : undefined;
    checked = checkSnapshotSource(pvc, sc.provisioner, ds.name, vs, content);
    dir = (handle) => join(snapshotDir(dataDir, handle), "data");
  } else {
    const source = api.tryGet(pvcs, ns, ds.name) as Pvc | undefined;
    const sourcePv = source?.spec.volumeName ? (api.tryGet(pvs, undefined, source.spec.volumeName) as Pv | undefined) : undefined;
    checked = checkCloneSource(pvc, sc.provisioner, ds.name, source, sourcePv);
    dir = (handle) => volumeDir(dataDir, handle);
  }
  const kind = ds.kind === "snapshot" ? "VolumeSnapshot" : "PersistentVolumeClaim";
  if ("error" in checked) return { error: `error getting handle for DataSource Type ${kind} by Name ${ds.name}: ${checked.error}` };
  const from = dir(checked.handle);
  if (!(await exists(from))) {
    return { error: `rpc error: code = NotFound desc = source ${ds.kind === "snapshot" ? "snapshot" : "volume"} ${checked.handle} not found` };
  }
  return { from };
}
