// Update rules of built-in kinds: what may not change once an object exists, worded like the real API server.

import type { FieldCause, KObject } from "../types.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { arr, deepCopy, deepEqual, isRecord, rec, str, type JsonRecord } from "./json.ts";
import { parseQuantity } from "./quantity.ts";
import { PV_SOURCES } from "./storage-rules.ts";

export const POD_UPDATE_MESSAGE =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`," +
  "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)," +
  "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";
export const PVC_UPDATE_MESSAGE =
  "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";
const STATEFULSET_UPDATE_MESSAGE =
  "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', " +
  "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

const POD_SPEC_DEFAULTS = ["restartPolicy", "terminationGracePeriodSeconds", "dnsPolicy", "schedulerName", "securityContext"];
const CONTAINER_DEFAULTS = ["terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy"];

/** A copy of `next` where fields the server defaults, absent in `next`, take their value from `prev`. */
function withDefaultsFrom(next: JsonRecord, prev: JsonRecord, keys: readonly string[]): JsonRecord {
  const out = deepCopy(next);
  for (const k of keys) if (out[k] === undefined && prev[k] !== undefined) out[k] = deepCopy(prev[k]);
  return out;
}

function normalizePodSpec(next: JsonRecord, prev: JsonRecord): JsonRecord {
  const out = withDefaultsFrom(next, prev, POD_SPEC_DEFAULTS);
  for (const list of ["containers", "initContainers"]) {
    const prevList = arr(prev[list]);
    if (Array.isArray(out[list])) {
      out[list] = arr(out[list]).map((c, i) => (isRecord(c) ? withDefaultsFrom(c, rec(prevList[i]), CONTAINER_DEFAULTS) : c));
    }
  }
  return out;
}

function sameToleration(a: unknown, b: unknown): boolean {
  return deepEqual(a, b);
}

function validatePodUpdate(obj: KObject, old: KObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const path = FieldPath.root("spec");
  const oldSpec = rec(old.spec);
  const munged = normalizePodSpec(rec(obj.spec), oldSpec);
  for (const list of ["containers", "initContainers"]) {
    const oldList = arr(oldSpec[list]);
    const newList = arr(munged[list]);
    if (Array.isArray(munged[list]) && newList.length === oldList.length) {
      munged[list] = newList.map((c, i) => (isRecord(c) ? { ...c, image: rec(oldList[i]).image } : c));
    }
  }
  const newAds = munged.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (typeof newAds === "number") {
    if (typeof oldAds === "number" && newAds > oldAds) {
      causes.push(fieldError.invalid(path.child("activeDeadlineSeconds"), newAds, "must be less than or equal to previous value"));
    }
  } else if (typeof oldAds === "number") {
    causes.push(fieldError.invalid(path.child("activeDeadlineSeconds"), null, "must not update from a positive integer to nil value"));
  }
  munged.activeDeadlineSeconds = oldAds;
  if (munged.activeDeadlineSeconds === undefined) delete munged.activeDeadlineSeconds;
  const oldTolerations = arr(oldSpec.tolerations);
  const newTolerations = arr(munged.tolerations);
  if (oldTolerations.every((t) => newTolerations.some((n) => sameToleration(t, n)))) {
    if (oldSpec.tolerations === undefined) delete munged.tolerations;
    else munged.tolerations = oldSpec.tolerations;
  }
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === "number" && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if (!deepEqual(munged, oldSpec)) causes.push(fieldError.forbidden(path, POD_UPDATE_MESSAGE));
  return causes;
}

function storageRequest(spec: JsonRecord): unknown {
  return rec(rec(spec.resources).requests).storage;
}

function validatePvcUpdate(obj: KObject, old: KObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const oldSpec = deepCopy(rec(old.spec));
  const newSpec = withDefaultsFrom(rec(obj.spec), oldSpec, ["volumeMode"]);
  if (!str(oldSpec.volumeName)) {
    // volumeName may be set once, by the binder.
    if (newSpec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = newSpec.volumeName;
  }
  if (newSpec.volumeAttributesClassName === undefined) delete oldSpec.volumeAttributesClassName;
  else oldSpec.volumeAttributesClassName = newSpec.volumeAttributesClassName;
  const bound = rec(old.status).phase === "Bound" || rec(obj.status).phase === "Bound";
  const oldSize = parseQuantity(storageRequest(oldSpec));
  const newSize = parseQuantity(storageRequest(newSpec));
  if (bound && oldSize !== undefined && newSize !== undefined) {
    if (newSize < oldSize) {
      causes.push(fieldError.forbidden(FieldPath.root("spec", "resources", "requests", "storage"), "field can not be less than previous value"));
    }
    const resources = rec(newSpec.resources);
    newSpec.resources = { ...resources, requests: { ...rec(resources.requests), storage: storageRequest(oldSpec) } };
  }
  if (!deepEqual(newSpec, oldSpec)) causes.push(fieldError.forbidden("spec", PVC_UPDATE_MESSAGE));
  return causes;
}

function validatePvUpdate(obj: KObject, old: KObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const spec = rec(obj.spec);
  const oldSpec = rec(old.spec);
  const source = (s: JsonRecord) => Object.fromEntries(PV_SOURCES.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  if (!deepEqual(source(spec), source(oldSpec))) {
    causes.push(fieldError.forbidden("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation"));
  }
  if (spec.volumeMode !== undefined && oldSpec.volumeMode !== undefined && spec.volumeMode !== oldSpec.volumeMode) {
    causes.push(fieldError.immutable("spec.volumeMode", spec.volumeMode));
  }
  if (oldSpec.nodeAffinity !== undefined && !deepEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    causes.push(fieldError.immutable("spec.nodeAffinity", spec.nodeAffinity ?? null));
  }
  return causes;
}

function immutableField(obj: JsonRecord, old: JsonRecord, key: string, path: string): FieldCause[] {
  return deepEqual(obj[key], old[key]) ? [] : [fieldError.immutable(path, obj[key] ?? null)];
}

function validateSelectorUpdate(obj: KObject, old: KObject): FieldCause[] {
  return immutableField(rec(obj.spec), rec(old.spec), "selector", "spec.selector");
}

function validateStatefulSetUpdate(obj: KObject, old: KObject): FieldCause[] {
  const mutable = ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];
  const strip = (s: JsonRecord) => Object.fromEntries(Object.entries(s).filter(([k]) => !mutable.includes(k)));
  const spec = withDefaultsFrom(rec(obj.spec), rec(old.spec), ["podManagementPolicy"]);
  return deepEqual(strip(spec), strip(rec(old.spec))) ? [] : [fieldError.forbidden("spec", STATEFULSET_UPDATE_MESSAGE)];
}

function validateJobUpdate(obj: KObject, old: KObject): FieldCause[] {
  const spec = rec(obj.spec);
  const oldSpec = rec(old.spec);
  const causes = [...immutableField(spec, oldSpec, "selector", "spec.selector"), ...immutableField(spec, oldSpec, "completions", "spec.completions")];
  const template = rec(spec.template);
  const oldTemplate = rec(oldSpec.template);
  const normalized = { ...template, spec: normalizePodSpec(rec(template.spec), rec(oldTemplate.spec)) };
  if (!deepEqual(normalized, oldTemplate)) causes.push(fieldError.immutable("spec.template", template));
  return causes;
}

function validateStorageClassUpdate(obj: KObject, old: KObject): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const f of ["parameters", "provisioner", "reclaimPolicy"]) {
    if (!deepEqual(obj[f], old[f])) causes.push(fieldError.forbidden(f, `updates to ${f} are forbidden.`));
  }
  if (!deepEqual(obj.volumeBindingMode, old.volumeBindingMode)) causes.push(fieldError.forbidden("volumeBindingMode", "field is immutable"));
  return causes;
}

/** ConfigMap and Secret: nothing of the payload changes once `immutable: true`, and that flag stays. */
function validateImmutablePayload(obj: KObject, old: KObject): FieldCause[] {
  const causes: FieldCause[] = [];
  if (obj.kind === "Secret" && (str(obj.type) ?? "Opaque") !== (str(old.type) ?? "Opaque")) causes.push(fieldError.immutable("type", obj.type ?? ""));
  if (old.immutable !== true) return causes;
  if (obj.immutable !== true) causes.push(fieldError.forbidden("immutable", "field is immutable when `immutable` is set"));
  for (const f of ["data", "binaryData"]) {
    if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) causes.push(fieldError.forbidden(f, "field is immutable when `immutable` is set"));
  }
  return causes;
}

function validateServiceUpdate(obj: KObject, old: KObject): FieldCause[] {
  const ip = str(rec(obj.spec).clusterIP) ?? "";
  const oldIp = str(rec(old.spec).clusterIP) ?? "";
  if (ip === "" || oldIp === "" || ip === oldIp) return [];
  return [fieldError.invalid(FieldPath.root("spec", "clusterIPs").index(0), [ip], "may not change once set")];
}

function validateRoleRefUpdate(obj: KObject, old: KObject): FieldCause[] {
  return deepEqual(obj.roleRef, old.roleRef) ? [] : [fieldError.invalid("roleRef", obj.roleRef ?? null, "cannot change roleRef")];
}

function validateCrdUpdate(obj: KObject, old: KObject): FieldCause[] {
  const spec = rec(obj.spec);
  const oldSpec = rec(old.spec);
  return [...immutableField(spec, oldSpec, "scope", "spec.scope"), ...immutableField(spec, oldSpec, "group", "spec.group")];
}

const UPDATE_RULES: Readonly<Record<string, (obj: KObject, old: KObject) => FieldCause[]>> = {
  "/Pod": validatePodUpdate,
  "/PersistentVolumeClaim": validatePvcUpdate,
  "/PersistentVolume": validatePvUpdate,
  "/ConfigMap": validateImmutablePayload,
  "/Secret": validateImmutablePayload,
  "/Service": validateServiceUpdate,
  "apps/Deployment": validateSelectorUpdate,
  "apps/ReplicaSet": validateSelectorUpdate,
  "apps/DaemonSet": validateSelectorUpdate,
  "apps/StatefulSet": validateStatefulSetUpdate,
  "batch/Job": validateJobUpdate,
  "storage.k8s.io/StorageClass": validateStorageClassUpdate,
  "rbac.authorization.k8s.io/RoleBinding": validateRoleRefUpdate,
  "rbac.authorization.k8s.io/ClusterRoleBinding": validateRoleRefUpdate,
  "apiextensions.k8s.io/CustomResourceDefinition": validateCrdUpdate,
};

/** The update rules of the object's kind (group/Kind); [] for kinds without any. */
export function validateUpdate(group: string, obj: KObject, old: KObject): FieldCause[] {
  const rule = UPDATE_RULES[`${group}/${obj.kind}`];
  return rule ? rule(obj, old) : [];
}
