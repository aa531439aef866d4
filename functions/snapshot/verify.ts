// Before anything is touched: every source PVC must be snapshottable by its snapshot class and restorable by the
// backup PVC's storage class (reference/snapshots.md §4: VSC.driver == StorageClass.provisioner). Pure.
import type { Profile } from "../../shared/profiles/index.ts";
import type { VolumeSource } from "../../shared/targets/index.ts";

export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = "snapshot.storage.kubernetes.io/is-default-class";

export interface SnapshotClassLike {
  metadata: { name: string; annotations?: Record<string, string> };
  driver: string;
}

export interface StorageClassLike {
  metadata: { name: string };
  provisioner: string;
  volumeBindingMode?: string;
}

export type PvcSource = Extract<VolumeSource, { kind: "pvc" }>;

export interface VerifiedVolume {
  driver: string;
  snapshotClass: string;
  storageClass: string;
}

export type Verified = { ok: true; volumes: VerifiedVolume[] } | { ok: false; reason: string; message: string };

const q = JSON.stringify;

export function verifyClasses(
  profile: Pick<Profile, "name" | "namespace" | "snapshotClass" | "storageClass">,
  sources: readonly PvcSource[],
  snapshotClasses: readonly SnapshotClassLike[],
  storageClasses: readonly StorageClassLike[],
): Verified {
  const volumes: VerifiedVolume[] = [];
  for (const source of sources) {
    const pvc = `${profile.namespace ?? ""}/${source.pvc}`;
    const driver = source.driver;
    if (!driver)
      return fail("NotCsiVolume", `PVC ${pvc} of profile ${q(profile.name)} is not provisioned by a CSI driver (PV ${q(source.volumeName ?? "none")}); rafdir can only snapshot CSI volumes`);

    const snap = snapshotClassFor(profile, driver, pvc, snapshotClasses);
    if (!snap.ok) return snap;
    if (snap.cls.driver !== driver)
      return fail("DriverMismatch", `snapshot class ${q(snap.cls.metadata.name)} uses driver ${q(snap.cls.driver)}, but PVC ${pvc} is provisioned by ${q(driver)}`);

    const scName = profile.storageClass ?? source.storageClass;
    const origin = profile.storageClass ? `storage-class of profile ${q(profile.name)}` : `the storage class of PVC ${pvc}`;
    if (!scName) return fail("StorageClassNotFound", `PVC ${pvc} has no storage class: set storage-class on profile ${q(profile.name)} (a class of driver ${q(driver)})`);
    const sc = storageClasses.find((c) => c.metadata.name === scName);
    if (!sc) return fail("StorageClassNotFound", `storage class ${q(scName)} (${origin}) not found`);
    if (sc.provisioner !== driver)
      return fail(
        "DriverMismatch",
        `storage class ${q(scName)} (${origin}) is provisioned by ${q(sc.provisioner)}, but PVC ${pvc} is provisioned by ${q(driver)}: a PVC restored from its snapshot needs a class of driver ${q(driver)}`,
      );
    volumes.push({ driver, snapshotClass: snap.cls.metadata.name, storageClass: scName });
  }
  return { ok: true, volumes };
}

function snapshotClassFor(
  profile: Pick<Profile, "name" | "snapshotClass">,
  driver: string,
  pvc: string,
  classes: readonly SnapshotClassLike[],
): { ok: true; cls: SnapshotClassLike } | { ok: false; reason: string; message: string } {
  if (profile.snapshotClass) {
    const cls = classes.find((c) => c.metadata.name === profile.snapshotClass);
    return cls ? { ok: true, cls } : fail("SnapshotClassNotFound", `snapshot class ${q(profile.snapshotClass)} (snapshot-class of profile ${q(profile.name)}) not found`);
  }
  const defaults = classes.filter((c) => c.driver === driver && c.metadata.annotations?.[DEFAULT_SNAPSHOT_CLASS_ANNOTATION] === "true");
  const [only, ...more] = defaults;
  if (!only)
    return fail(
      "SnapshotClassNotFound",
      `no default VolumeSnapshotClass for driver ${q(driver)} (PVC ${pvc}): set snapshot-class on profile ${q(profile.name)} or annotate a class of that driver with ${DEFAULT_SNAPSHOT_CLASS_ANNOTATION}: "true"`,
    );
  if (more.length > 0)
    return fail("SnapshotClassAmbiguous", `${defaults.length} default VolumeSnapshotClasses for driver ${q(driver)} (${defaults.map((c) => c.metadata.name).join(", ")}): set snapshot-class on profile ${q(profile.name)}`);
  return { ok: true, cls: only };
}

const fail = (reason: string, message: string): { ok: false; reason: string; message: string } => ({ ok: false, reason, message });
