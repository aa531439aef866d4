import { describe, expect, it } from "vitest";
import type { KObject } from "../apiserver/types.ts";
import { SANDBOX_DRIVER } from "./paths.ts";
import { bestStaticMatch, claimInUse, formatBytes, provisionedVolume, quantityBytes, type PodLike, type Pv, type Pvc, type StorageClass } from "./storage-model.ts";
import { checkCloneSource, checkSnapshotSource, dataSourceOf } from "./storage-sources.ts";

const claim = (spec: Partial<Pvc["spec"]> = {}, extra: Partial<Pvc> = {}): Pvc => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "c", namespace: "app", uid: "u-1" },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "", ...spec },
  ...extra,
});

const volume = (name: string, size: string, spec: Partial<Pv["spec"]> = {}, phase = "Available"): Pv => ({
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name },
  spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce"], storageClassName: "", ...spec },
  status: { phase },
});

describe("quantities", () => {
  it.each([
    [1073741824, "1Gi"],
    [2147483648, "2Gi"],
    [1536, "1536"],
    [1572864, "1536Ki"],
    [1000, "1k"],
    [512, "512"],
    [0, "0"],
  ])("given %d bytes, formats %s", (n, s) => expect(formatBytes(n)).toBe(s));

  it.each([
    ["1Gi", 1073741824],
    ["1G", 1e9],
    ["1.5Ki", 1536],
    ["100m", 1],
    [2048, 2048],
    ["nonsense", undefined],
  ])("given %s, reads %s bytes", (q, n) => expect(quantityBytes(q)).toBe(n));
});

describe("bestStaticMatch", () => {
  it("picks the smallest volume that fits class, modes and size", () => {
    const vols = [volume("big", "10Gi"), volume("fit", "2Gi"), volume("small", "500Mi"), volume("rwx", "1Gi", { accessModes: ["ReadWriteMany"] })];
    expect(bestStaticMatch(claim(), vols, undefined)?.metadata.name).toBe("fit");
  });

  it.each<[string, Pv]>([
    ["claimed", volume("v", "1Gi", { claimRef: { name: "x", namespace: "app" } })],
    ["other class", volume("v", "1Gi", { storageClassName: "fast" })],
    ["block mode", volume("v", "1Gi", { volumeMode: "Block" })],
    ["Released", volume("v", "1Gi", {}, "Released")],
    ["another node", volume("v", "1Gi", { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n2"] }] }] } } })],
  ])("given a %s volume, finds none", (_why, pv) => expect(bestStaticMatch(claim(), [pv], "n1")).toBeUndefined());

  it("honours the claim's label selector", () => {
    const labelled = { ...volume("l", "1Gi"), metadata: { name: "l", labels: { tier: "gold" } } };
    expect(bestStaticMatch(claim({ selector: { matchLabels: { tier: "gold" } } }), [volume("v", "1Gi"), labelled], undefined)?.metadata.name).toBe("l");
  });
});

describe("claimInUse", () => {
  const pod = (phase: string, claimName = "c"): PodLike => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: { volumes: [{ persistentVolumeClaim: { claimName } }] },
    status: { phase },
  });
  it.each([
    ["Running", "c", true],
    ["Pending", "c", true],
    ["Succeeded", "c", false],
    ["Failed", "c", false],
    ["Running", "other", false],
  ])("given a %s pod using %s, returns %s", (phase, name, used) => expect(claimInUse(claim(), [pod(phase, name)])).toBe(used));
});

describe("provisionedVolume", () => {
  it("describes a CSI volume pre-bound to the claim", () => {
    const sc: StorageClass = { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "standard" }, provisioner: SANDBOX_DRIVER, reclaimPolicy: "Retain", mountOptions: ["noatime"] };
    const pv = provisionedVolume(claim({ storageClassName: "standard" }), sc, undefined, undefined);
    expect(pv.metadata).toMatchObject({ name: "pvc-u-1", annotations: { "pv.kubernetes.io/provisioned-by": SANDBOX_DRIVER } });
    expect(pv.spec).toMatchObject({ persistentVolumeReclaimPolicy: "Retain", mountOptions: ["noatime"], csi: { volumeHandle: "vol-u-1" }, claimRef: { uid: "u-1" } });
    expect(pv.spec.nodeAffinity).toBeUndefined();
  });
});

describe("dataSourceOf", () => {
  it.each<[string, Partial<Pvc["spec"]>, ReturnType<typeof dataSourceOf>]>([
    ["a snapshot", { dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "s" } }, { kind: "snapshot", name: "s" }],
    ["a claim", { dataSource: { kind: "PersistentVolumeClaim", name: "p" } }, { kind: "pvc", name: "p" }],
    ["dataSourceRef over dataSource", { dataSource: { kind: "PersistentVolumeClaim", name: "p" }, dataSourceRef: { kind: "PersistentVolumeClaim", name: "q" } }, { kind: "pvc", name: "q" }],
    ["a PersistentVolume (dropped)", { dataSource: { kind: "PersistentVolume", name: "pv" } }, { kind: "none" }],
    ["a snapshot without apiGroup", { dataSource: { kind: "VolumeSnapshot", name: "s" } }, { kind: "none" }],
    ["another namespace", { dataSourceRef: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "s", namespace: "x" } }, { kind: "none" }],
  ])("given %s, returns the source", (_why, spec, want) => expect(dataSourceOf(claim(spec))).toEqual(want));
});

describe("checkSnapshotSource", () => {
  const vs = (status: Record<string, unknown>): KObject => ({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", metadata: { name: "s", namespace: "app", uid: "vs-1" }, status });
  const content = (ref: Record<string, unknown>, driver = SANDBOX_DRIVER): KObject => ({
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshotContent",
    metadata: { name: "sc" },
    spec: { driver, volumeSnapshotRef: ref },
    status: { snapshotHandle: "h" },
  });
  const ref = { name: "s", namespace: "app", uid: "vs-1" };
  const bound = { boundVolumeSnapshotContentName: "sc", readyToUse: true, restoreSize: "1Gi" };
  it.each<[string, KObject | undefined, KObject | undefined, string]>([
    ["a missing snapshot", undefined, undefined, 'error getting snapshot s from api server: volumesnapshots.snapshot.storage.k8s.io "s" not found'],
    ["an unbound snapshot", vs({}), undefined, "snapshot s not bound"],
    ["a content of another snapshot", vs(bound), content({ ...ref, uid: "other" }), "snapshot s not bound"],
    ["a content of another driver", vs(bound), content(ref, "other.csi"), "snapshot s not bound"],
    ["a snapshot not ready", vs({ ...bound, readyToUse: false }), content(ref), "snapshot s is not Ready"],
    ["a larger snapshot", vs({ ...bound, restoreSize: "2Gi" }), content(ref), "requested volume size 1073741824 is less than the size 2147483648 for the source snapshot s"],
  ])("given %s, fails", (_why, snap, c, error) => expect(checkSnapshotSource(claim(), SANDBOX_DRIVER, "s", snap, c)).toEqual({ error }));

  it("given a ready, bound snapshot that fits, returns its handle", () => {
    expect(checkSnapshotSource(claim(), SANDBOX_DRIVER, "s", vs(bound), content(ref))).toEqual({ handle: "h" });
  });
});

describe("checkCloneSource", () => {
  it("given a bound source of the same driver, returns its volume handle", () => {
    const src = claim({}, { metadata: { name: "src", namespace: "app", uid: "u-src" }, status: { phase: "Bound" } });
    const pv = volume("pv", "1Gi", { csi: { driver: SANDBOX_DRIVER, volumeHandle: "h-src" }, claimRef: { name: "src", namespace: "app", uid: "u-src" } }, "Bound");
    expect(checkCloneSource(claim(), SANDBOX_DRIVER, "src", src, pv)).toEqual({ handle: "h-src" });
    expect(checkCloneSource(claim(), SANDBOX_DRIVER, "src", { ...src, status: { phase: "Pending" } }, pv)).toEqual({
      error: "the PVC DataSource src must have a status of Bound.  Got {Pending}",
    });
  });
});
