// The safe order of a teardown (ADR 0003, reference/snapshots.md §2, §7), pure: backup pods (a Terminating pod still
// holds its PVCs: wait) → ConfigMaps → backup PVCs (wait) → backup VolumeSnapshots (wait) → copy contents, made
// Retain first if a Delete copy shares its handle with another content (wait) → source VolumeSnapshots, the one
// Delete owner of each handle, last → a Delete content that is the only one left for its handle. A Delete copy that
// shares its handle is patched to Retain before anything is deleted: deleting its VolumeSnapshot would otherwise
// delete the snapshot under the source.
// Snapshots are told apart by their source: a PVC (the source snapshot) or a pre-provisioned content (the copy).
import type { Obj, Ref } from "../../shared/kube/port.ts";
import { Labels } from "../../shared/runs/run.ts";

export const SNAPSHOT_API = "snapshot.storage.k8s.io/v1";

export interface TeardownObjects {
  pods: Obj[];
  configMaps: Obj[];
  pvcs: Obj[];
  /** VolumeSnapshots of the run, in the backup and the target namespace. */
  snapshots: Obj[];
  /** VolumeSnapshotContents of the run (labelled or named on the run). */
  contents: Obj[];
}

export type StageName = "pods" | "configMaps" | "pvcs" | "backupSnapshots" | "copyContents" | "sourceSnapshots" | "ownerContents";

export interface Stage {
  name: StageName;
  objects: Ref[];
  /** The next stage starts only once every object of this one is gone. */
  wait: boolean;
}

export interface TeardownPlan {
  /** Delete-policy copies whose handle another content owns: patched to Retain before any deletion. */
  retain: Ref[];
  stages: Stage[];
}

interface ContentLike {
  spec?: { deletionPolicy?: string; source?: { snapshotHandle?: string } };
  status?: { snapshotHandle?: string };
}
interface SnapshotSourceLike {
  spec?: { source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string } };
}

export const refOf = (o: Obj): Ref => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });
export const describeRef = (r: Ref): string => `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
export const handleOf = (c: Obj): string | undefined => (c as ContentLike).status?.snapshotHandle ?? (c as ContentLike).spec?.source?.snapshotHandle;
export const isSourceSnapshot = (s: Obj): boolean => !!(s as SnapshotSourceLike).spec?.source?.persistentVolumeClaimName;

/**
 * The stages of a teardown. `allContents` is every content in the cluster (to see whether a Delete copy shares its
 * handle); pass undefined when no content of the run has a Delete policy.
 */
export function teardownPlan(o: TeardownObjects, allContents?: readonly Obj[]): TeardownPlan {
  const copies: Obj[] = [];
  const retain: Obj[] = [];
  const owners: Obj[] = [];
  for (const c of o.contents) {
    if ((c as ContentLike).spec?.deletionPolicy !== "Delete") {
      copies.push(c);
      continue;
    }
    const handle = handleOf(c);
    const shared = handle !== undefined && (allContents ?? []).some((other) => other.metadata.name !== c.metadata.name && handleOf(other) === handle);
    if (shared) retain.push(c);
    else owners.push(c);
  }
  const stage = (name: StageName, objects: Obj[], wait: boolean): Stage => ({ name, objects: objects.map(refOf), wait });
  const stages = [
    stage("pods", o.pods, true),
    stage("configMaps", o.configMaps, false),
    stage("pvcs", o.pvcs, true),
    stage("backupSnapshots", o.snapshots.filter((s) => !isSourceSnapshot(s)), true),
    stage("copyContents", [...copies, ...retain], true),
    stage("sourceSnapshots", o.snapshots.filter(isSourceSnapshot), false),
    stage("ownerContents", owners, false),
  ].filter((s) => s.objects.length > 0);
  return { retain: retain.map(refOf), stages };
}

export const needsAllContents = (o: TeardownObjects): boolean => o.contents.some((c) => (c as ContentLike).spec?.deletionPolicy === "Delete");

/** Merges object lists, one entry per kind/namespace/name. */
export function uniqueObjects(...lists: ReadonlyArray<ReadonlyArray<Obj | undefined>>): Obj[] {
  const seen = new Map<string, Obj>();
  for (const o of lists.flat()) if (o) seen.set(`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o);
  return [...seen.values()];
}

/** Groups rafdir-labelled objects by their run label (objects without one are left out). */
export function groupByRun(o: TeardownObjects): Map<string, TeardownObjects> {
  const groups = new Map<string, TeardownObjects>();
  for (const key of ["pods", "configMaps", "pvcs", "snapshots", "contents"] as const) {
    for (const obj of o[key]) {
      const run = obj.metadata.labels?.[Labels.run];
      if (!run) continue;
      const g = groups.get(run) ?? { pods: [], configMaps: [], pvcs: [], snapshots: [], contents: [] };
      g[key].push(obj);
      groups.set(run, g);
    }
  }
  return groups;
}
