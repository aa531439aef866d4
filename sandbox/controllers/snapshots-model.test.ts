import { describe, expect, it } from "vitest";
import { SANDBOX_DRIVER } from "./paths.ts";
import {
  ANN_BEING_DELETED, checkFoundContent, defaultClassFor, mirroredStatus, readyDelayMs, sidecarShouldDelete, snapshotterSecret,
  type VolumeSnapshot, type VolumeSnapshotClass, type VolumeSnapshotContent,
} from "./snapshots-model.ts";

const vs: VolumeSnapshot = {
  apiVersion: "snapshot.storage.k8s.io/v1",
  kind: "VolumeSnapshot",
  metadata: { name: "snap", namespace: "app", uid: "vs-1" },
  spec: { source: { persistentVolumeClaimName: "data" } },
};

function content(spec: Partial<VolumeSnapshotContent["spec"]> = {}, status?: VolumeSnapshotContent["status"], meta: Partial<VolumeSnapshotContent["metadata"]> = {}): VolumeSnapshotContent {
  return {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshotContent",
    metadata: { name: "snapcontent-vs-1", ...meta },
    spec: { deletionPolicy: "Delete", driver: SANDBOX_DRIVER, source: { volumeHandle: "v" }, volumeSnapshotRef: { name: "snap", namespace: "app", uid: "vs-1" }, ...spec },
    ...(status ? { status } : {}),
  };
}

const cls = (name: string, extra: Partial<VolumeSnapshotClass> = {}): VolumeSnapshotClass => ({
  apiVersion: "snapshot.storage.k8s.io/v1",
  kind: "VolumeSnapshotClass",
  metadata: { name, annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } },
  driver: SANDBOX_DRIVER,
  deletionPolicy: "Delete",
  ...extra,
});

describe("mirroredStatus", () => {
  it("given a ready content, mirrors name, time, readiness and a binary-SI size", () => {
    const c = content({}, { snapshotHandle: "h", readyToUse: true, creationTime: Date.UTC(2024, 0, 2, 3, 4, 5) * 1e6, restoreSize: 2147483648 });
    expect(mirroredStatus(undefined, c)).toEqual({
      boundVolumeSnapshotContentName: "snapcontent-vs-1",
      creationTime: "2024-01-02T03:04:05Z",
      readyToUse: true,
      restoreSize: "2Gi",
    });
  });

  it("given a content error, copies it; given none, clears the snapshot's error", () => {
    const error = { message: "boom", time: "2024-01-01T00:00:00Z" };
    expect(mirroredStatus(undefined, content({}, { readyToUse: false, error }))).toMatchObject({ readyToUse: false, error });
    expect(mirroredStatus({ error: { message: "class missing" } }, content({}, { readyToUse: false })).error).toBeUndefined();
  });
});

describe("checkFoundContent", () => {
  it.each<[string, VolumeSnapshotContent, boolean, string | undefined]>([
    ["a dynamic content that points back", content(), false, undefined],
    ["a pre-provisioned content without uid", content({ source: { snapshotHandle: "h" }, volumeSnapshotRef: { name: "snap", namespace: "app" } }), true, undefined],
    ["a content naming another snapshot", content({ source: { snapshotHandle: "h" }, volumeSnapshotRef: { name: "x", namespace: "app" } }), true, "SnapshotContentMisbound"],
    ["a content of another uid", content({ volumeSnapshotRef: { name: "snap", namespace: "app", uid: "old" } }), false, "SnapshotContentMisbound"],
    ["a dynamic content where a pre-provisioned one is expected", content(), true, "SnapshotContentMismatch"],
  ])("given %s, returns %s", (_why, c, pre, reason) => expect(checkFoundContent(vs, c, pre)?.reason).toBe(reason));
});

describe("defaultClassFor", () => {
  it.each<[string, VolumeSnapshotClass[], string]>([
    ["one default", [cls("a"), cls("b", { metadata: { name: "b" } })], "a"],
    ["no default for the driver", [cls("a", { driver: "other" })], "cannot find default snapshot class"],
    ["two defaults", [cls("a"), cls("b")], "2 default snapshot classes were found"],
  ])("given %s, returns %s", (_why, classes, want) => {
    const got = defaultClassFor(classes, SANDBOX_DRIVER);
    expect("ok" in got ? got.ok.metadata.name : got.error).toBe(want);
  });
});

describe("snapshotterSecret", () => {
  it("fills the templates of the deletion secret", () => {
    const c = cls("a", { parameters: { "csi.storage.k8s.io/snapshotter-secret-name": "s-${volumesnapshot.name}", "csi.storage.k8s.io/snapshotter-secret-namespace": "${volumesnapshot.namespace}" } });
    expect(snapshotterSecret(c, "snapcontent-vs-1", vs)).toEqual({ ok: { name: "s-snap", namespace: "app" } });
    expect(snapshotterSecret(cls("b"), "x", vs)).toEqual({ ok: undefined });
  });
});

describe("sidecarShouldDelete", () => {
  const deleting = { deletionTimestamp: "2024-01-01T00:00:00Z" };
  it.each<[string, VolumeSnapshotContent, boolean]>([
    ["a live content", content(), false],
    ["a deleted bound content without the mark", content({}, undefined, deleting), false],
    ["a deleted content marked by the snapshot's deletion", content({}, undefined, { ...deleting, annotations: { [ANN_BEING_DELETED]: "yes" } }), true],
    ["a deleted unbound pre-provisioned content", content({ source: { snapshotHandle: "h" }, volumeSnapshotRef: { name: "x", namespace: "y" } }, undefined, deleting), true],
  ])("given %s, returns %s", (_why, c, want) => expect(sidecarShouldDelete(c)).toBe(want));
});

describe("readyDelayMs", () => {
  it.each<[Record<string, string> | undefined, number]>([
    [undefined, 250],
    [{ "sandbox.rafdir.io/ready-delay-seconds": "2" }, 2000],
    [{ "sandbox.rafdir.io/ready-delay-seconds": "soon" }, 250],
  ])("given parameters %j, returns %d", (parameters, want) => expect(readyDelayMs(cls("a", parameters ? { parameters } : {}), 250)).toBe(want));
});
