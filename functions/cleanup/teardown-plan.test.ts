import { describe, expect, it } from "vitest";
import type { Obj } from "../../shared/kube/port.ts";
import { groupByRun, teardownPlan, type TeardownObjects } from "./teardown-plan.ts";

const labels = (run: string) => ({ "app.kubernetes.io/managed-by": "rafdir", "rafdir.io/run": run });
const obj = (apiVersion: string, kind: string, name: string, namespace: string | undefined, extra: Record<string, unknown> = {}, run = "db-1"): Obj => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), labels: labels(run) },
  ...extra,
});
const SNAP = "snapshot.storage.k8s.io/v1";
const pod = obj("v1", "Pod", "rafdir-db-1", "backup");
const cm = obj("v1", "ConfigMap", "rafdir-db-1", "backup");
const pvc = obj("v1", "PersistentVolumeClaim", "rafdir-db-1-0", "backup");
const backupVs = obj(SNAP, "VolumeSnapshot", "rafdir-db-1-0", "backup", { spec: { source: { volumeSnapshotContentName: "rafdir-db-1-0" } } });
const sourceVs = obj(SNAP, "VolumeSnapshot", "rafdir-db-1-0", "apps", { spec: { source: { persistentVolumeClaimName: "data" } } });
const content = (policy: string, handle = "h1", name = "rafdir-db-1-0"): Obj => obj(SNAP, "VolumeSnapshotContent", name, undefined, { spec: { deletionPolicy: policy, source: { snapshotHandle: handle } } });
const sourceContent: Obj = { apiVersion: SNAP, kind: "VolumeSnapshotContent", metadata: { name: "snapcontent-x" }, spec: { deletionPolicy: "Delete", source: { volumeHandle: "v" } }, status: { snapshotHandle: "h1" } };

const all = (over: Partial<TeardownObjects> = {}): TeardownObjects => ({ pods: [pod], configMaps: [cm], pvcs: [pvc], snapshots: [sourceVs, backupVs], contents: [content("Retain")], ...over });
const order = (o: TeardownObjects, contents?: Obj[]) => {
  const plan = teardownPlan(o, contents);
  return { retain: plan.retain.map((r) => r.name), stages: plan.stages.map((s) => `${s.name}:${s.objects.map((r) => `${r.namespace ?? ""}/${r.name}`).join(",")}${s.wait ? " (wait)" : ""}`) };
};

describe("teardownPlan", () => {
  it("deletes pod → config → PVC → backup snapshot → Retain copy → source snapshot (the Delete owner) last", () => {
    expect(order(all())).toEqual({
      retain: [],
      stages: [
        "pods:backup/rafdir-db-1 (wait)",
        "configMaps:backup/rafdir-db-1",
        "pvcs:backup/rafdir-db-1-0 (wait)",
        "backupSnapshots:backup/rafdir-db-1-0 (wait)",
        "copyContents:/rafdir-db-1-0 (wait)",
        "sourceSnapshots:apps/rafdir-db-1-0",
      ],
    });
  });

  it("a Delete copy sharing its handle with the source's content is made Retain before anything is deleted", () => {
    expect(order(all({ contents: [content("Delete")] }), [content("Delete"), sourceContent])).toMatchObject({ retain: ["rafdir-db-1-0"], stages: expect.arrayContaining(["copyContents:/rafdir-db-1-0 (wait)"]) });
  });

  it("a Delete copy that is the last content of its handle is deleted after the source snapshots, as its owner", () => {
    const plan = order(all({ contents: [content("Delete", "h2")] }), [content("Delete", "h2"), sourceContent]);
    expect(plan.retain).toEqual([]);
    expect(plan.stages.at(-1)).toBe("ownerContents:/rafdir-db-1-0");
  });

  it("skips stages with nothing to delete", () => {
    expect(order({ pods: [], configMaps: [], pvcs: [], snapshots: [sourceVs], contents: [] }).stages).toEqual(["sourceSnapshots:apps/rafdir-db-1-0"]);
  });

  it("groups leftovers by run label", () => {
    const other = obj(SNAP, "VolumeSnapshot", "rafdir-web-1-0", "apps", {}, "web-1");
    const groups = groupByRun(all({ snapshots: [sourceVs, other] }));
    expect([...groups.keys()]).toEqual(["db-1", "web-1"]);
    expect(groups.get("web-1")?.snapshots.map((s) => s.metadata.name)).toEqual(["rafdir-web-1-0"]);
  });
});
