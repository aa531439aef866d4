// Semantic rules of PersistentVolumeClaim, PersistentVolume and StorageClass (pkg/apis/core/validation,
// pkg/apis/storage/validation) that the OpenAPI schema does not carry.

import type { FieldCause, KObject } from "../types.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { arr, isOneOf, isRecord, rec, str } from "./json.ts";
import { isDNS1123Subdomain, isQualifiedName } from "./names.ts";
import { parseQuantity } from "./quantity.ts";

const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"] as const;
const VOLUME_MODES = ["Block", "Filesystem"] as const;
const PV_RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"] as const;
const SC_RECLAIM_POLICIES = ["Delete", "Retain"] as const;
const BINDING_MODES = ["Immediate", "WaitForFirstConsumer"] as const;

/** The volume sources of a PersistentVolume: exactly one must be given. */
export const PV_SOURCES = [
  "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd", "iscsi", "cinder", "cephfs",
  "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk",
  "portworxVolume", "scaleIO", "local", "storageos", "csi",
] as const;

function validateAccessModes(modes: unknown, path: FieldPath): FieldCause[] {
  const list = arr(modes);
  if (list.length === 0) return [fieldError.required(path, "at least 1 access mode is required")];
  const causes: FieldCause[] = [];
  for (const m of list) if (!isOneOf(ACCESS_MODES, m)) causes.push(fieldError.notSupported(path, m, ACCESS_MODES));
  if (list.includes("ReadWriteOncePod") && list.length > 1) {
    causes.push(fieldError.forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  }
  return causes;
}

function validateClassName(name: unknown, path: FieldPath): FieldCause[] {
  if (typeof name !== "string" || name === "") return [];
  return isDNS1123Subdomain(name).map((m) => fieldError.invalid(path, name, m));
}

function validateDataSource(ref: unknown, path: FieldPath): FieldCause[] {
  if (!isRecord(ref)) return [];
  const causes: FieldCause[] = [];
  if (!str(ref.name)) causes.push(fieldError.required(path.child("name")));
  if (!str(ref.kind)) causes.push(fieldError.required(path.child("kind")));
  const group = str(ref.apiGroup) ?? "";
  if (group === "" && str(ref.kind) && ref.kind !== "PersistentVolumeClaim") {
    causes.push(fieldError.notSupported(path.child("kind"), ref.kind, ["PersistentVolumeClaim"]));
  }
  return causes;
}

function sameRef(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return (str(a.apiGroup) ?? "") === (str(b.apiGroup) ?? "") && a.kind === b.kind && a.name === b.name;
}

/** ValidatePersistentVolumeClaimSpec, for a claim or a StatefulSet's volumeClaimTemplates entry. */
export function validatePvcSpec(specValue: unknown, path: FieldPath): FieldCause[] {
  if (!isRecord(specValue)) return [fieldError.required(path.child("accessModes"), "at least 1 access mode is required"), fieldError.required(path.child("resources").key("storage"))];
  const spec = specValue;
  const causes = validateAccessModes(spec.accessModes, path.child("accessModes"));
  const requests = rec(rec(spec.resources).requests);
  const storage = requests.storage;
  if (storage === undefined) causes.push(fieldError.required(path.child("resources").key("storage")));
  else {
    const size = parseQuantity(storage);
    if (size !== undefined && size <= 0) {
      causes.push(fieldError.invalid(path.child("resources", "requests").key("storage"), String(storage), "must be greater than zero"));
    }
  }
  if (spec.volumeMode !== undefined && !isOneOf(VOLUME_MODES, spec.volumeMode)) {
    causes.push(fieldError.notSupported(path.child("volumeMode"), spec.volumeMode, VOLUME_MODES));
  }
  causes.push(...validateClassName(spec.storageClassName, path.child("storageClassName")));
  causes.push(...validateDataSource(spec.dataSource, path.child("dataSource")));
  causes.push(...validateDataSource(spec.dataSourceRef, path.child("dataSourceRef")));
  const ds = spec.dataSource;
  const dsr = spec.dataSourceRef;
  if (isRecord(ds) && isRecord(dsr) && !str(dsr.namespace) && !sameRef(ds, dsr)) {
    causes.push(fieldError.invalid(path.child("dataSource"), ds, "must match dataSourceRef"));
  }
  return causes;
}

export function validatePvc(obj: KObject): FieldCause[] {
  return validatePvcSpec(obj.spec, FieldPath.root("spec"));
}

export function validatePv(obj: KObject): FieldCause[] {
  const path = FieldPath.root("spec");
  const spec = rec(obj.spec);
  const causes = validateAccessModes(spec.accessModes, path.child("accessModes"));
  const capacity = rec(spec.capacity);
  if (capacity.storage === undefined) causes.push(fieldError.required(path.child("capacity")));
  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) causes.push(fieldError.required(path, "must specify a volume type"));
  for (const extra of sources.slice(1)) causes.push(fieldError.forbidden(path.child(extra), "may not specify more than 1 volume type"));
  if (spec.persistentVolumeReclaimPolicy !== undefined && !isOneOf(PV_RECLAIM_POLICIES, spec.persistentVolumeReclaimPolicy)) {
    causes.push(fieldError.notSupported(path.child("persistentVolumeReclaimPolicy"), spec.persistentVolumeReclaimPolicy, PV_RECLAIM_POLICIES));
  }
  if (spec.volumeMode !== undefined && !isOneOf(VOLUME_MODES, spec.volumeMode)) {
    causes.push(fieldError.notSupported(path.child("volumeMode"), spec.volumeMode, VOLUME_MODES));
  }
  causes.push(...validateClassName(spec.storageClassName, path.child("storageClassName")));
  const csi = spec.csi;
  if (isRecord(csi)) {
    if (!str(csi.driver)) causes.push(fieldError.required(path.child("csi", "driver")));
    if (!str(csi.volumeHandle)) causes.push(fieldError.required(path.child("csi", "volumeHandle")));
  }
  const hostPath = spec.hostPath;
  if (isRecord(hostPath) && !str(hostPath.path)) causes.push(fieldError.required(path.child("hostPath", "path")));
  const local = spec.local;
  if (isRecord(local)) {
    if (!str(local.path)) causes.push(fieldError.required(path.child("local", "path")));
    if (!isRecord(spec.nodeAffinity)) causes.push(fieldError.required(path.child("nodeAffinity"), "Local volume requires node affinity"));
  }
  return causes;
}

export function validateStorageClass(obj: KObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const provisioner = obj.provisioner;
  if (typeof provisioner !== "string" || provisioner === "") causes.push(fieldError.required("provisioner"));
  else for (const m of isQualifiedName(provisioner.toLowerCase())) causes.push(fieldError.invalid("provisioner", provisioner, m));
  if (obj.reclaimPolicy !== undefined && !isOneOf(SC_RECLAIM_POLICIES, obj.reclaimPolicy)) {
    causes.push(fieldError.notSupported("reclaimPolicy", obj.reclaimPolicy, SC_RECLAIM_POLICIES));
  }
  if (obj.volumeBindingMode !== undefined && !isOneOf(BINDING_MODES, obj.volumeBindingMode)) {
    causes.push(fieldError.notSupported("volumeBindingMode", obj.volumeBindingMode, BINDING_MODES));
  }
  const params = rec(obj.parameters);
  if (Object.keys(params).length > 512) causes.push(fieldError.tooMany("parameters", Object.keys(params).length, 512));
  return causes;
}
