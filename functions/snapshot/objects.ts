// The objects a run creates for its snapshots, pure: the source VolumeSnapshot in the application's namespace and
// the copy in the backup namespace — a pre-provisioned Retain content with the source's handle and annotations, a
// VolumeSnapshot bound to it, a PVC restored from that (ADR 0003: the source content stays the one Delete owner).
import type { Obj } from "../../shared/kube/port.ts";
import { exactQuantity } from "../../shared/kube/quantity.ts";
import { objectName, runLabels, type RunVolume } from "../../shared/runs/run.ts";

export const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";
export const SNAPSHOT_API = `${SNAPSHOT_GROUP}/v1`;

export interface RunIdent {
  run: string;
  profile: string;
}

export interface ContentLike {
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: {
    driver?: string;
    deletionPolicy?: string;
    sourceVolumeMode?: string;
    volumeSnapshotRef?: { name?: string; namespace?: string; uid?: string };
  };
  status?: { snapshotHandle?: string; readyToUse?: boolean; restoreSize?: number; error?: { message?: string } };
}

export interface SnapshotLike {
  metadata: { name: string; namespace?: string; uid?: string };
  status?: {
    boundVolumeSnapshotContentName?: string;
    readyToUse?: boolean;
    restoreSize?: string | number;
    error?: { message?: string; time?: string };
  };
}

export function sourceSnapshot(id: RunIdent, v: RunVolume, namespace: string): Obj {
  return {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshot",
    metadata: { name: v.sourceSnapshot, namespace, labels: runLabels(id.run, id.profile) },
    spec: { source: { persistentVolumeClaimName: v.sourcePvc }, ...(v.snapshotClass ? { volumeSnapshotClassName: v.snapshotClass } : {}) },
  };
}

export interface CopyNames {
  content: string;
  backupSnapshot: string;
  backupPvc: string;
}

/** `rafdir-<run>-<i>` for all three; the backup snapshot gets `-copy` when the app lives in the backup namespace. */
export function copyNames(run: string, i: number, sourceNamespace: string, backupNamespace: string): CopyNames {
  const name = objectName(run, i);
  return { content: name, backupSnapshot: sourceNamespace === backupNamespace ? `${name}-copy` : name, backupPvc: name };
}

/** Controller bookkeeping that must not travel to the copy. */
const NOT_CARRIED = new Set([
  "snapshot.storage.kubernetes.io/volumesnapshot-being-deleted",
  "snapshot.storage.kubernetes.io/volumesnapshot-being-created",
  "kubectl.kubernetes.io/last-applied-configuration",
]);

export function carriedAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => !NOT_CARRIED.has(k)));
}

/** The source content's facts the copy needs, or why they are not there yet. */
export function contentFacts(content: ContentLike | undefined): { ok: true; driver: string; handle: string } | { ok: false; reason: string } {
  if (!content) return { ok: false, reason: "its VolumeSnapshotContent does not exist" };
  const handle = content.status?.snapshotHandle;
  const driver = content.spec?.driver;
  if (!handle) return { ok: false, reason: `content ${content.metadata.name} has no snapshotHandle yet` };
  if (!driver) return { ok: false, reason: `content ${content.metadata.name} names no driver` };
  return { ok: true, driver, handle };
}

export function copyContent(id: RunIdent, names: CopyNames, source: ContentLike, facts: { driver: string; handle: string }, backupNamespace: string): Obj {
  const annotations = carriedAnnotations(source.metadata.annotations);
  const mode = source.spec?.sourceVolumeMode;
  return {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshotContent",
    metadata: { name: names.content, labels: runLabels(id.run, id.profile), ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      deletionPolicy: "Retain",
      driver: facts.driver,
      source: { snapshotHandle: facts.handle },
      volumeSnapshotRef: { apiVersion: SNAPSHOT_API, kind: "VolumeSnapshot", name: names.backupSnapshot, namespace: backupNamespace },
      ...(mode ? { sourceVolumeMode: mode } : {}),
    },
  };
}

export function backupSnapshot(id: RunIdent, names: CopyNames, backupNamespace: string): Obj {
  return {
    apiVersion: SNAPSHOT_API,
    kind: "VolumeSnapshot",
    metadata: { name: names.backupSnapshot, namespace: backupNamespace, labels: runLabels(id.run, id.profile) },
    spec: { source: { volumeSnapshotContentName: names.content } },
  };
}

export function backupPvc(id: RunIdent, names: CopyNames, storageClass: string, size: string, backupNamespace: string): Obj {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: names.backupPvc, namespace: backupNamespace, labels: runLabels(id.run, id.profile) },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: storageClass,
      resources: { requests: { storage: size } },
      dataSource: { apiGroup: SNAPSHOT_GROUP, kind: "VolumeSnapshot", name: names.backupSnapshot },
    },
  };
}

/**
 * The backup PVC's size (reference/snapshots.md §4, VolSync's order): the snapshot's restoreSize (the content's
 * bytes, else the VolumeSnapshot's quantity), else the source PVC's capacity.
 */
export function backupSize(snapshot: SnapshotLike | undefined, content: ContentLike | undefined, capacity: string | undefined): string | undefined {
  const bytes = content?.status?.restoreSize;
  if (typeof bytes === "number" && bytes > 0) return exactQuantity(bytes);
  const q = snapshot?.status?.restoreSize;
  if (typeof q === "number" && q > 0) return exactQuantity(q);
  if (typeof q === "string" && q !== "" && q !== "0") return q;
  return capacity;
}
