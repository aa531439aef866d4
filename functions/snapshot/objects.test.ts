import { describe, expect, it } from "vitest";
import { backupPvc, backupSize, carriedAnnotations, copyContent, copyNames, type ContentLike } from "./objects.ts";

describe("objects", () => {
  it.each([
    ["the content's restoreSize", { status: { restoreSize: "3Gi" } }, { metadata: { name: "c" }, status: { restoreSize: 2 * 2 ** 30 } }, "1Gi", "2Gi"],
    ["the snapshot's restoreSize", { status: { restoreSize: "3Gi" } }, { metadata: { name: "c" }, status: {} }, "1Gi", "3Gi"],
    ["no restoreSize: the source capacity", { status: {} }, undefined, "1Gi", "1Gi"],
    ["nothing", undefined, undefined, undefined, undefined],
  ])("given %s, sizes the backup PVC", (_what, vs, content, capacity, expected) => {
    expect(backupSize(vs && { metadata: { name: "s" }, ...vs }, content as ContentLike | undefined, capacity)).toBe(expected);
  });

  it("copies a content as Retain with the same handle, the source's annotations, and a ref to the backup snapshot", () => {
    const source: ContentLike = {
      metadata: {
        name: "snapcontent-1",
        annotations: {
          "snapshot.storage.kubernetes.io/deletion-secret-name": "s",
          "snapshot.storage.kubernetes.io/deletion-secret-namespace": "apps",
          "snapshot.storage.kubernetes.io/volumesnapshot-being-deleted": "yes",
        },
      },
      spec: { driver: "d", deletionPolicy: "Delete", sourceVolumeMode: "Filesystem" },
      status: { snapshotHandle: "h-1" },
    };
    const names = copyNames("db-1", 0, "apps", "backup");
    const c = copyContent({ run: "db-1", profile: "db" }, names, source, { driver: "d", handle: "h-1" }, "backup");
    expect(c.metadata.annotations).toEqual({ "snapshot.storage.kubernetes.io/deletion-secret-name": "s", "snapshot.storage.kubernetes.io/deletion-secret-namespace": "apps" });
    expect(c["spec"]).toEqual({
      deletionPolicy: "Retain",
      driver: "d",
      source: { snapshotHandle: "h-1" },
      volumeSnapshotRef: { apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", name: "rafdir-db-1-0", namespace: "backup" },
      sourceVolumeMode: "Filesystem",
    });
    expect(c.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "rafdir", "rafdir.io/run": "db-1", "rafdir.io/profile": "db" });
    expect(carriedAnnotations(undefined)).toEqual({});
  });

  it("names the copy like the source, apart when the app lives in the backup namespace", () => {
    expect(copyNames("db-1", 2, "apps", "backup")).toEqual({ content: "rafdir-db-1-2", backupSnapshot: "rafdir-db-1-2", backupPvc: "rafdir-db-1-2" });
    expect(copyNames("db-1", 2, "backup", "backup").backupSnapshot).toBe("rafdir-db-1-2-copy");
  });

  it("restores the backup PVC from the backup snapshot in the verified class", () => {
    const pvc = backupPvc({ run: "db-1", profile: "db" }, copyNames("db-1", 0, "apps", "backup"), "standard", "2Gi", "backup");
    expect(pvc["spec"]).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "standard",
      resources: { requests: { storage: "2Gi" } },
      dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "rafdir-db-1-0" },
    });
  });
});
