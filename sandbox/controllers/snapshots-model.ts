// Pure decisions of the snapshot controller and the csi-snapshotter sidecar (external-snapshotter v8): object shapes,
// names, finalizer rules, the VolumeSnapshot status mirrored from its content, and the content a dynamic snapshot gets.
import type { KObject } from "../apiserver/types.ts";
import { formatBytes, phaseOf, type ClaimRef, type Pv, type Pvc } from "./storage-model.ts";

export const GROUP = "snapshot.storage.k8s.io";
export const VS_AS_SOURCE = "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection";
export const VS_BOUND = "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection";
export const VSC_BOUND = "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection";
export const PVC_AS_SOURCE = "snapshot.storage.kubernetes.io/pvc-as-source-protection";
export const ANN_BEING_DELETED = "snapshot.storage.kubernetes.io/volumesnapshot-being-deleted";
export const ANN_DELETION_SECRET_NAME = "snapshot.storage.kubernetes.io/deletion-secret-name";
export const ANN_DELETION_SECRET_NAMESPACE = "snapshot.storage.kubernetes.io/deletion-secret-namespace";
export const ANN_DEFAULT_CLASS = "snapshot.storage.kubernetes.io/is-default-class";
export const PARAM_SECRET_NAME = "csi.storage.k8s.io/snapshotter-secret-name";
export const PARAM_SECRET_NAMESPACE = "csi.storage.k8s.io/snapshotter-secret-namespace";
/** Class parameters the sandbox driver understands. */
export const PARAM_READY_DELAY = "sandbox.rafdir.io/ready-delay-seconds";
export const PARAM_FAIL_MESSAGE = "sandbox.rafdir.io/fail-message";

export interface SnapshotError {
  message?: string;
  time?: string;
}

export interface VolumeSnapshot extends KObject {
  spec: { source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string }; volumeSnapshotClassName?: string };
  status?: {
    boundVolumeSnapshotContentName?: string;
    creationTime?: string;
    readyToUse?: boolean;
    restoreSize?: string | number;
    error?: SnapshotError;
  };
}

export interface VolumeSnapshotContent extends KObject {
  spec: {
    deletionPolicy: string;
    driver: string;
    source: { volumeHandle?: string; snapshotHandle?: string };
    sourceVolumeMode?: string;
    volumeSnapshotClassName?: string;
    volumeSnapshotRef: ClaimRef;
  };
  status?: { snapshotHandle?: string; creationTime?: number; readyToUse?: boolean; restoreSize?: number; error?: SnapshotError };
}

export interface VolumeSnapshotClass extends KObject {
  driver: string;
  deletionPolicy: string;
  parameters?: Record<string, string>;
}

export type Outcome<T> = { ok: T } | { error: string };

/** Go's %q of a string, as the controllers' messages quote wrapped errors. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function dynamicContentName(vs: VolumeSnapshot): string {
  return `snapcontent-${vs.metadata.uid ?? ""}`;
}

export function snapshotKey(vs: KObject): string {
  return `${vs.metadata.namespace}/${vs.metadata.name}`;
}

export function isReady(vs: VolumeSnapshot): boolean {
  return vs.status?.readyToUse === true;
}

export function hasFinalizer(obj: KObject, f: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(f);
}

export function withoutFinalizers<T extends KObject>(obj: T, drop: string[]): T {
  return { ...obj, metadata: { ...obj.metadata, finalizers: (obj.metadata.finalizers ?? []).filter((f) => !drop.includes(f)) } };
}

export function withFinalizers<T extends KObject>(obj: T, add: string[]): T {
  const have = obj.metadata.finalizers ?? [];
  return { ...obj, metadata: { ...obj.metadata, finalizers: [...have, ...add.filter((f) => !have.includes(f))] } };
}

/** IsSnapshotDeletionCandidate: being deleted and still holding one of the controller's finalizers. */
export function isDeletionCandidate(vs: VolumeSnapshot): boolean {
  return Boolean(vs.metadata.deletionTimestamp) && (hasFinalizer(vs, VS_AS_SOURCE) || hasFinalizer(vs, VS_BOUND));
}

/** IsVolumeSnapshotRefSet: the content points back at this very snapshot (uid included). */
export function pointsBack(content: VolumeSnapshotContent, vs: VolumeSnapshot): boolean {
  const ref = content.spec.volumeSnapshotRef;
  return ref.name === vs.metadata.name && ref.namespace === vs.metadata.namespace && ref.uid === vs.metadata.uid;
}

/** The content found for a snapshot must be of the expected kind and point back (uid optional for pre-provisioned). */
export function checkFoundContent(vs: VolumeSnapshot, content: VolumeSnapshotContent, preProvisioned: boolean): { reason: string; message: string } | undefined {
  const name = content.metadata.name ?? "";
  if (preProvisioned && !content.spec.source.snapshotHandle) {
    return { reason: "SnapshotContentMismatch", message: "VolumeSnapshotContent is dynamically provisioned while expecting a pre-provisioned one" };
  }
  if (!preProvisioned && !content.spec.source.volumeHandle) {
    return { reason: "SnapshotContentMismatch", message: `VolumeSnapshotContent ${name} is pre-provisioned while expecting a dynamically provisioned one` };
  }
  const ref = content.spec.volumeSnapshotRef;
  const uidOk = preProvisioned ? !ref.uid || ref.uid === vs.metadata.uid : ref.uid === vs.metadata.uid;
  if (ref.name !== vs.metadata.name || ref.namespace !== vs.metadata.namespace || !uidOk) {
    return { reason: "SnapshotContentMisbound", message: `VolumeSnapshotContent [${name}] is bound to a different snapshot` };
  }
  return undefined;
}

/** getVolumeFromVolumeSnapshot: the bound, CSI volume a dynamic snapshot is taken from. */
export function sourceVolume(vs: VolumeSnapshot, pvc: Pvc | undefined, pv: Pv | undefined): Outcome<Pv> {
  const pvcName = vs.spec.source?.persistentVolumeClaimName ?? "";
  if (!pvc) return { error: `failed to retrieve PVC ${pvcName} from the lister: ${goQuote(`persistentvolumeclaim "${pvcName}" not found`)}` };
  if (phaseOf(pvc) !== "Bound") return { error: `the PVC ${pvcName} is not yet bound to a PV, will not attempt to take a snapshot` };
  const pvName = pvc.spec.volumeName ?? "";
  if (!pv) return { error: `failed to retrieve PV ${pvName} from the API server: ${goQuote(`persistentvolumes "${pvName}" not found`)}` };
  const ref = pv.spec.claimRef;
  if (!ref || ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace || (ref.uid && ref.uid !== pvc.metadata.uid)) {
    return { error: "claim in dataSource not bound or invalid" };
  }
  return { ok: pv };
}

/** SetDefaultSnapshotClass: the one default class for the driver. */
export function defaultClassFor(classes: VolumeSnapshotClass[], driver: string): Outcome<VolumeSnapshotClass> {
  const defaults = classes.filter((c) => c.metadata.annotations?.[ANN_DEFAULT_CLASS] === "true" && c.driver === driver);
  const only = defaults[0];
  if (!only) return { error: "cannot find default snapshot class" };
  if (defaults.length > 1) return { error: `${defaults.length} default snapshot classes were found` };
  return { ok: only };
}

/** GetSecretReference for the snapshotter secret: the deletion secret the content is annotated with, if any. */
export function snapshotterSecret(cls: VolumeSnapshotClass, contentName: string, vs: VolumeSnapshot): Outcome<{ name: string; namespace: string } | undefined> {
  const params = cls.parameters ?? {};
  const nameT = params[PARAM_SECRET_NAME];
  const nsT = params[PARAM_SECRET_NAMESPACE];
  if (nameT === undefined && nsT === undefined) return { ok: undefined };
  if (nameT === undefined || nsT === undefined) return { error: "either name and namespace for Snapshotter secrets specified, Both must be specified" };
  const fill = (t: string) =>
    t
      .replaceAll("${volumesnapshotcontent.name}", contentName)
      .replaceAll("${volumesnapshot.namespace}", vs.metadata.namespace ?? "")
      .replaceAll("${volumesnapshot.name}", vs.metadata.name ?? "");
  return { ok: { name: fill(nameT), namespace: fill(nsT) } };
}

/** createSnapshotContent's object. */
export function dynamicContent(vs: VolumeSnapshot, cls: VolumeSnapshotClass, pv: Pv, secret: { name: string; namespace: string } | undefined): VolumeSnapshotContent {
  const name = dynamicContentName(vs);
  const annotations = secret ? { [ANN_DELETION_SECRET_NAME]: secret.name, [ANN_DELETION_SECRET_NAMESPACE]: secret.namespace } : undefined;
  return {
    apiVersion: `${GROUP}/v1`,
    kind: "VolumeSnapshotContent",
    metadata: { name, ...(annotations ? { annotations } : {}), finalizers: [VSC_BOUND] },
    spec: {
      volumeSnapshotRef: {
        kind: "VolumeSnapshot",
        namespace: vs.metadata.namespace,
        name: vs.metadata.name,
        uid: vs.metadata.uid,
        apiVersion: `${GROUP}/v1`,
        resourceVersion: vs.metadata.resourceVersion,
      },
      source: { volumeHandle: pv.spec.csi?.volumeHandle ?? "" },
      volumeSnapshotClassName: cls.metadata.name,
      deletionPolicy: cls.deletionPolicy,
      driver: cls.driver,
      ...(pv.spec.volumeMode ? { sourceVolumeMode: pv.spec.volumeMode } : {}),
    },
  };
}

function isZeroQuantity(q: string | number | undefined): boolean {
  return q === 0 || q === "0";
}

/** updateSnapshotStatus: the snapshot's status mirrored from its content (bound name, creation time, readiness, size, error). */
export function mirroredStatus(current: VolumeSnapshot["status"], content: VolumeSnapshotContent): NonNullable<VolumeSnapshot["status"]> {
  const cs = content.status;
  const createdAt = cs?.creationTime !== undefined ? rfc3339(new Date(Math.floor(cs.creationTime / 1e6))) : undefined;
  const size = cs?.restoreSize;
  const ready = cs?.readyToUse ?? false;
  const next: NonNullable<VolumeSnapshot["status"]> = { ...current };
  if (!next.boundVolumeSnapshotContentName) next.boundVolumeSnapshotContentName = content.metadata.name;
  if (!next.creationTime && createdAt) next.creationTime = createdAt;
  if (next.readyToUse !== ready) next.readyToUse = ready;
  if (size !== undefined && (next.restoreSize === undefined || (isZeroQuantity(next.restoreSize) && size > 0))) next.restoreSize = formatBytes(size);
  if (cs?.error) next.error = cs.error;
  else delete next.error;
  return next;
}

/** isVolumeBeingCreatedFromSnapshot: a Pending claim in the namespace names this snapshot as its data source. */
export function restoringClaims(vs: VolumeSnapshot, pvcs: Pvc[]): Pvc[] {
  return pvcs.filter((pvc) => {
    if (phaseOf(pvc) !== "Pending") return false;
    return [pvc.spec.dataSource, pvc.spec.dataSourceRef].some(
      (ref) =>
        ref !== undefined &&
        ref.name === vs.metadata.name &&
        ref.kind === "VolumeSnapshot" &&
        ref.apiGroup === GROUP &&
        (!ref.namespace || ref.namespace === vs.metadata.namespace),
    );
  });
}

/** isPVCBeingUsed: another dynamic snapshot of the claim is not ready yet. */
export function claimStillSnapshotted(pvcName: string, snapshots: VolumeSnapshot[], skip: string | undefined): boolean {
  return snapshots.some((s) => s.metadata.name !== skip && s.spec.source?.persistentVolumeClaimName === pvcName && !isReady(s));
}

/** The sidecar's shouldDelete: a content being deleted whose snapshot is gone (or that was never bound). */
export function sidecarShouldDelete(content: VolumeSnapshotContent): boolean {
  if (!content.metadata.deletionTimestamp) return false;
  if (content.spec.source.snapshotHandle && !content.spec.volumeSnapshotRef.uid) return true;
  return content.metadata.annotations?.[ANN_BEING_DELETED] === "yes";
}

/** The readiness delay a class asks for, in ms (class parameter, else the controller's default). */
export function readyDelayMs(cls: VolumeSnapshotClass | undefined, fallbackMs: number): number {
  const raw = cls?.parameters?.[PARAM_READY_DELAY];
  const seconds = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : fallbackMs;
}
