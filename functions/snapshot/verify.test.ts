import { describe, expect, it } from "vitest";
import { verifyClasses, type PvcSource, type SnapshotClassLike, type StorageClassLike } from "./verify.ts";

const DRIVER = "csi.sandbox.rafdir.io";
const source = (extra: Partial<PvcSource> = {}): PvcSource => ({ kind: "pvc", pvc: "data", storageClass: "standard", volumeName: "pv-1", driver: DRIVER, mounts: [], ...extra });
const snapClass = (name: string, driver = DRIVER, isDefault = false): SnapshotClassLike => ({
  metadata: { name, ...(isDefault ? { annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } } : {}) },
  driver,
});
const storageClass = (name: string, provisioner = DRIVER): StorageClassLike => ({ metadata: { name }, provisioner });
const profile = { name: "db", namespace: "apps" };

const SNAPS = [snapClass("sandbox-snapshots", DRIVER, true), snapClass("foreign", "ebs.csi.aws.com"), snapClass("explicit")];
const SCS = [storageClass("standard"), storageClass("gp3", "ebs.csi.aws.com")];

describe("verifyClasses", () => {
  it.each([
    ["no option: the driver's default class and the PVC's storage class", {}, { snapshotClass: "sandbox-snapshots", storageClass: "standard" }],
    ["snapshot-class and storage-class set", { snapshotClass: "explicit", storageClass: "standard" }, { snapshotClass: "explicit", storageClass: "standard" }],
  ])("given %s, returns the classes", (_what, options, expected) => {
    expect(verifyClasses({ ...profile, ...options }, [source()], SNAPS, SCS)).toEqual({ ok: true, volumes: [{ driver: DRIVER, ...expected }] });
  });

  it.each([
    ["a missing snapshot-class", { snapshotClass: "gone" }, [source()], SNAPS, "SnapshotClassNotFound", 'snapshot class "gone" (snapshot-class of profile "db") not found'],
    ["no default class for the driver", {}, [source()], [snapClass("explicit")], "SnapshotClassNotFound", 'no default VolumeSnapshotClass for driver "csi.sandbox.rafdir.io" (PVC apps/data)'],
    ["two default classes", {}, [source()], [...SNAPS, snapClass("second", DRIVER, true)], "SnapshotClassAmbiguous", "2 default VolumeSnapshotClasses"],
    [
      "a snapshot class of another driver",
      { snapshotClass: "foreign" },
      [source()],
      SNAPS,
      "DriverMismatch",
      'snapshot class "foreign" uses driver "ebs.csi.aws.com", but PVC apps/data is provisioned by "csi.sandbox.rafdir.io"',
    ],
    [
      "a storage class of another driver",
      { storageClass: "gp3" },
      [source()],
      SNAPS,
      "DriverMismatch",
      'storage class "gp3" (storage-class of profile "db") is provisioned by "ebs.csi.aws.com", but PVC apps/data is provisioned by "csi.sandbox.rafdir.io"',
    ],
    ["a missing storage class", { storageClass: "nope" }, [source()], SNAPS, "StorageClassNotFound", 'storage class "nope" (storage-class of profile "db") not found'],
    ["a PVC without storage class", {}, [source({ storageClass: undefined })], SNAPS, "StorageClassNotFound", "PVC apps/data has no storage class"],
    ["a volume that is not CSI", {}, [source({ driver: undefined })], SNAPS, "NotCsiVolume", "not provisioned by a CSI driver"],
  ])("given %s, fails with %s", (_what, options, sources, snaps, reason, message) => {
    const r = verifyClasses({ ...profile, ...options }, sources, snaps, SCS);
    expect(r).toEqual({ ok: false, reason, message: expect.stringContaining(message) as string });
  });
});
