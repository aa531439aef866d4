// snapshot, effects: read the snapshots, contents and claims of a run, and create (get or create) the source
// snapshots and the copies. "Already exists" is success everywhere; an object the API server refuses is reported
// as a failure for the caller to abort the run with.
import { classifyKubeError } from "../../shared/errors.ts";
import type { Obj } from "../../shared/kube/port.ts";
import type { RunVolume } from "../../shared/runs/run.ts";
import type { PvcLike } from "../../shared/targets/index.ts";
import type { FunctionDeps } from "../common/index.ts";
import { SNAPSHOT_API, type ContentLike, type SnapshotLike } from "./objects.ts";
import type { SnapshotClassLike, StorageClassLike } from "./verify.ts";

type As<T> = T & Obj;

export interface SnapshotState {
  snapshots: Map<string, SnapshotLike>;
  contents: Map<string, ContentLike>;
}

/** The run's source snapshots (in `namespace`) and the contents they are bound to. */
export async function readSnapshots(deps: FunctionDeps, namespace: string, volumes: readonly RunVolume[]): Promise<SnapshotState> {
  const state: SnapshotState = { snapshots: new Map(), contents: new Map() };
  await Promise.all(
    volumes.map(async (v) => {
      const vs = await deps.kube.get<As<SnapshotLike>>({ apiVersion: SNAPSHOT_API, kind: "VolumeSnapshot", name: v.sourceSnapshot, namespace });
      if (!vs) return;
      state.snapshots.set(v.sourceSnapshot, vs);
      const bound = vs.status?.boundVolumeSnapshotContentName;
      const content = bound ? await deps.kube.get<As<ContentLike>>({ apiVersion: SNAPSHOT_API, kind: "VolumeSnapshotContent", name: bound }) : undefined;
      if (bound && content) state.contents.set(bound, content);
    }),
  );
  return state;
}

export interface BackupPvcState {
  pvcs: Map<string, PvcLike>;
  /** Storage class → volumeBindingMode. */
  bindingModes: Map<string, string | undefined>;
}

export async function readBackupPvcs(deps: FunctionDeps, volumes: readonly RunVolume[]): Promise<BackupPvcState> {
  const names = volumes.map((v) => v.backupPvc).filter((n): n is string => !!n);
  const classes = [...new Set(volumes.map((v) => v.storageClass).filter((c): c is string => !!c))];
  const [pvcs, scs] = await Promise.all([
    Promise.all(names.map((name) => deps.kube.get<As<PvcLike>>({ apiVersion: "v1", kind: "PersistentVolumeClaim", name, namespace: deps.namespace }))),
    Promise.all(classes.map((name) => deps.kube.get<As<StorageClassLike>>({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", name }))),
  ]);
  return {
    pvcs: new Map(pvcs.filter((p): p is As<PvcLike> => !!p).map((p) => [p.metadata.name, p])),
    bindingModes: new Map(classes.map((c, i) => [c, scs[i]?.volumeBindingMode])),
  };
}

export async function listClasses(deps: FunctionDeps): Promise<{ snapshotClasses: SnapshotClassLike[]; storageClasses: StorageClassLike[] }> {
  const [snapshotClasses, storageClasses] = await Promise.all([
    deps.kube.list<As<SnapshotClassLike>>(SNAPSHOT_API, "VolumeSnapshotClass"),
    deps.kube.list<As<StorageClassLike>>("storage.k8s.io/v1", "StorageClass"),
  ]);
  return { snapshotClasses, storageClasses };
}

export type Ensured = { ok: true } | { ok: false; message: string };

/** Creates each object unless it exists. A refusal (400/422/403) becomes a failure naming the object; other errors throw. */
export async function ensureAll(deps: FunctionDeps, objects: readonly Obj[]): Promise<Ensured> {
  for (const obj of objects) {
    try {
      await deps.kube.ensure(obj);
    } catch (err) {
      const f = classifyKubeError(err);
      if (f.kind !== "invalid" && f.kind !== "forbidden") throw err;
      const where = obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
      return { ok: false, message: `the API server refused ${obj.kind} ${where}: ${f.status ?? ""} ${f.message}`.replace(/\s+/g, " ") };
    }
  }
  return { ok: true };
}

export const after = (now: Date, ms: number): string => new Date(now.getTime() + ms).toISOString();
