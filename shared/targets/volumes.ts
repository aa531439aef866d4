// Folder → source. A folder belongs to the container mount whose mountPath is the folder itself or, failing that,
// its longest parent (upstream accepted only an exact mountPath; every config that worked there maps the same here).
// The mount's volume is a PVC (snapshot it; several subPath mounts of one PVC are one snapshot), an NFS export or a
// host path (both backed up directly). The backup pod mounts each source at the application's original mountPath.
import { isWithin, normalisePath } from "../profiles/paths.ts";
import { podLabel } from "./pods.ts";
import { failure, type FolderMount, type Observed, type Outcome, type PodLike, type PvcLike, type VolumeLike, type VolumeSource } from "./types.ts";

interface Mount {
  container: string;
  volume: string;
  mountPath: string;
  subPath?: string;
  subPathExpr?: string;
  readOnly?: boolean;
}

function mountsOf(pod: PodLike): Mount[] {
  return (pod.spec?.containers ?? []).flatMap((c) =>
    (c.volumeMounts ?? []).map((m) => ({
      container: c.name,
      volume: m.name,
      mountPath: normalisePath(m.mountPath),
      ...(m.subPath ? { subPath: m.subPath } : {}),
      ...(m.subPathExpr ? { subPathExpr: m.subPathExpr } : {}),
      ...(m.readOnly ? { readOnly: true } : {}),
    })),
  );
}

/** The kind of a pod volume we cannot back up, for messages: its source key (emptyDir, configMap…). */
const sourceKind = (v: VolumeLike): string => Object.keys(v).find((k) => k !== "name") ?? "unknown";

/** The mount that holds `folder`: the deepest mountPath at or above it. Ties must agree on volume and subPath. */
function mountFor(folder: string, mounts: Mount[], pod: PodLike, namespace: string): Outcome<{ mount: Mount }> {
  const holding = mounts.filter((m) => isWithin(m.mountPath, folder));
  const depth = Math.max(...holding.map((m) => m.mountPath.length));
  const deepest = holding.filter((m) => m.mountPath.length === depth);
  const [mount] = deepest;
  if (!mount) {
    const paths = [...new Set(mounts.map((m) => m.mountPath))].join(", ") || "none";
    return failure("folder-not-mounted", `folder ${JSON.stringify(folder)} is not on any volume mounted in pod ${podLabel(pod, namespace)} (mount paths: ${paths})`);
  }
  const other = deepest.find((m) => m.volume !== mount.volume || (m.subPath ?? "") !== (mount.subPath ?? ""));
  if (other)
    return failure(
      "ambiguous-mount",
      `folder ${JSON.stringify(folder)} is mounted from volume ${JSON.stringify(mount.volume)} in container ${JSON.stringify(mount.container)} and from volume ${JSON.stringify(other.volume)} in container ${JSON.stringify(other.container)} of pod ${podLabel(pod, namespace)}`,
    );
  return { ok: true, mount };
}

/** A VolumeSource before its mounts are known (Omit distributed over the union). */
type Unmounted = VolumeSource extends infer V ? (V extends VolumeSource ? Omit<V, "mounts"> : never) : never;
type Source = Outcome<{ key: string; source: Unmounted }>;

/** The backup source behind one pod volume. */
function sourceOf(volume: VolumeLike | undefined, m: Mount, folder: string, pod: PodLike, namespace: string, observed: Observed): Source {
  const where = `folder ${JSON.stringify(folder)} of pod ${podLabel(pod, namespace)}`;
  if (!volume) return failure("unsupported-volume", `${where} is on volume ${JSON.stringify(m.volume)}, which the pod does not define`);
  if (m.subPathExpr) return failure("unsupported-volume", `${where} is mounted with subPathExpr ${JSON.stringify(m.subPathExpr)}, which rafdir cannot resolve`);
  if (volume.nfs) return nfsSource(volume.nfs.server, volume.nfs.path);
  if (volume.hostPath) return { ok: true, key: `host:${volume.hostPath.path}`, source: { kind: "hostPath", hostPath: volume.hostPath.path } };
  const claim = volume.persistentVolumeClaim?.claimName ?? (volume.ephemeral ? `${pod.metadata?.name ?? ""}-${volume.name}` : undefined);
  if (claim === undefined)
    return failure("unsupported-volume", `${where} is on volume ${JSON.stringify(volume.name)} (${sourceKind(volume)}); rafdir backs up PVC, NFS and hostPath volumes`);
  return pvcSource(claim, where, namespace, observed);
}

const nfsSource = (server: string, path: string, pvc?: string): Source => ({
  ok: true,
  key: `nfs:${server}:${path}`,
  source: { kind: "nfs", nfs: { server, path }, ...(pvc ? { pvc } : {}) },
});

function pvcSource(claim: string, where: string, namespace: string, observed: Observed): Source {
  const pvc = (observed.pvcs ?? []).find((c) => c.metadata?.name === claim && (c.metadata?.namespace ?? namespace) === namespace);
  if (!pvc) return failure("pvc-not-found", `${where} is on PVC ${JSON.stringify(claim)}, which was not found in namespace ${JSON.stringify(namespace)}`);
  const phase = pvc.status?.phase;
  if (phase !== undefined && phase !== "Bound") return failure("pvc-not-bound", `${where} is on PVC ${JSON.stringify(claim)}, which is ${phase}, not Bound`);
  const volumeName = pvc.spec?.volumeName;
  const pv = volumeName ? (observed.pvs ?? []).find((v) => v.metadata?.name === volumeName) : undefined;
  if (pv?.spec?.nfs) return nfsSource(pv.spec.nfs.server, pv.spec.nfs.path, claim);
  const storageClass = pvc.spec?.storageClassName ?? pv?.spec?.storageClassName;
  const driver = pv?.spec?.csi?.driver;
  const capacity = capacityOf(pvc);
  return {
    ok: true,
    key: `pvc:${claim}`,
    source: {
      kind: "pvc",
      pvc: claim,
      ...(storageClass ? { storageClass } : {}),
      ...(volumeName ? { volumeName } : {}),
      ...(driver ? { driver } : {}),
      ...(capacity ? { capacity } : {}),
      ...(pv?.spec?.nodeAffinity?.required ? { nodeLocal: true } : {}),
    },
  };
}

function capacityOf(pvc: PvcLike): string | undefined {
  const q = pvc.status?.capacity?.["storage"] ?? pvc.spec?.resources?.requests?.["storage"];
  return typeof q === "string" ? q : typeof q === "number" ? String(q) : undefined;
}

/** Maps every folder to its source; several folders on one PVC/export/path share one source. */
export function mapFolders(pod: PodLike, folders: readonly string[], namespace: string, observed: Observed): Outcome<{ volumes: VolumeSource[]; notes: string[] }> {
  const mounts = mountsOf(pod);
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  const sources = new Map<string, VolumeSource>();
  const used = new Set<Mount>();
  for (const folder of folders) {
    const found = mountFor(folder, mounts, pod, namespace);
    if (!found.ok) return found;
    const m = found.mount;
    const s = sourceOf(volumes.get(m.volume), m, folder, pod, namespace, observed);
    if (!s.ok) return s;
    const mount: FolderMount = { folder, mountPath: m.mountPath, ...(m.subPath ? { subPath: m.subPath } : {}), ...(m.readOnly ? { readOnly: true } : {}) };
    const existing = sources.get(s.key);
    if (existing) existing.mounts.push(mount);
    else sources.set(s.key, { ...s.source, mounts: [mount] });
    used.add(m);
  }
  return { ok: true, volumes: [...sources.values()], notes: nestedNotes(folders, mounts, used, volumes) };
}

/** Mounts of backup-able volumes below a folder that no folder maps to: restic will see their empty mount points. */
function nestedNotes(folders: readonly string[], mounts: Mount[], used: Set<Mount>, volumes: Map<string, VolumeLike>): string[] {
  const notes: string[] = [];
  for (const m of mounts) {
    const v = volumes.get(m.volume);
    if (used.has(m) || !(v?.persistentVolumeClaim || v?.ephemeral || v?.nfs || v?.hostPath)) continue;
    if ([...used].some((u) => u.mountPath === m.mountPath)) continue;
    const parent = folders.find((f) => f !== m.mountPath && isWithin(f, m.mountPath));
    if (parent)
      notes.push(`folder ${JSON.stringify(parent)} contains mount ${JSON.stringify(m.mountPath)} (volume ${JSON.stringify(m.volume)}), which is not backed up; add it to folders to include it`);
  }
  return [...new Set(notes)];
}
