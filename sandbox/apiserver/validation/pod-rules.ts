// Semantic rules of PodSpec (pkg/apis/core/validation ValidatePodSpec), the ones the OpenAPI schema cannot say.

import type { FieldCause } from "../types.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { arr, isOneOf, isRecord, rec, str } from "./json.ts";
import { isDNS1123Label } from "./names.ts";

const RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;
const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

/** The volume sources a pod volume may name (one at most; none means an emptyDir after defaulting). */
const POD_VOLUME_SOURCES = [
  "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
  "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
  "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
  "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
] as const;

function validateVolumes(spec: Record<string, unknown>, path: FieldPath): { causes: FieldCause[]; names: Set<string> } {
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  arr(spec.volumes).forEach((raw, i) => {
    const p = path.child("volumes").index(i);
    const vol = rec(raw);
    const name = str(vol.name) ?? "";
    if (name === "") causes.push(fieldError.required(p.child("name")));
    else {
      for (const m of isDNS1123Label(name)) causes.push(fieldError.invalid(p.child("name"), name, m));
      if (names.has(name)) causes.push(fieldError.duplicate(p.child("name"), name));
      names.add(name);
    }
    const sources = POD_VOLUME_SOURCES.filter((s) => vol[s] !== undefined && vol[s] !== null);
    for (const extra of sources.slice(1)) causes.push(fieldError.forbidden(p.child(extra), "may not specify more than 1 volume type"));
    const pvc = vol.persistentVolumeClaim;
    if (isRecord(pvc) && !str(pvc.claimName)) causes.push(fieldError.required(p.child("persistentVolumeClaim", "claimName")));
    const hostPath = vol.hostPath;
    if (isRecord(hostPath) && !str(hostPath.path)) causes.push(fieldError.required(p.child("hostPath", "path")));
    const csi = vol.csi;
    if (isRecord(csi) && !str(csi.driver)) causes.push(fieldError.required(p.child("csi", "driver")));
  });
  return { causes, names };
}

function validateContainer(c: Record<string, unknown>, p: FieldPath, volumes: ReadonlySet<string>): FieldCause[] {
  const causes: FieldCause[] = [];
  if (!str(c.image)) causes.push(fieldError.required(p.child("image")));
  const mountPaths = new Set<string>();
  arr(c.volumeMounts).forEach((raw, j) => {
    const mp = p.child("volumeMounts").index(j);
    const m = rec(raw);
    const name = str(m.name) ?? "";
    if (name === "") causes.push(fieldError.required(mp.child("name")));
    else if (!volumes.has(name)) causes.push(fieldError.notFound(mp.child("name"), name));
    const mountPath = str(m.mountPath) ?? "";
    if (mountPath === "") causes.push(fieldError.required(mp.child("mountPath")));
    else if (mountPaths.has(mountPath)) causes.push(fieldError.invalid(mp.child("mountPath"), mountPath, "must be unique"));
    mountPaths.add(mountPath);
  });
  arr(c.volumeDevices).forEach((raw, j) => {
    const dp = p.child("volumeDevices").index(j);
    const d = rec(raw);
    const name = str(d.name) ?? "";
    if (name === "") causes.push(fieldError.required(dp.child("name")));
    else if (!volumes.has(name)) causes.push(fieldError.notFound(dp.child("name"), name));
    if (!str(d.devicePath)) causes.push(fieldError.required(dp.child("devicePath")));
  });
  arr(c.ports).forEach((raw, j) => {
    const port = rec(raw).containerPort;
    if (typeof port === "number" && (port < 1 || port > 65535)) {
      causes.push(fieldError.invalid(p.child("ports").index(j).child("containerPort"), port, "must be between 1 and 65535, inclusive"));
    }
  });
  arr(c.env).forEach((raw, j) => {
    if (!str(rec(raw).name)) causes.push(fieldError.required(p.child("env").index(j).child("name")));
  });
  return causes;
}

/** ValidatePodSpec's main rules: containers present, named, unique, with images; mounts naming defined volumes. */
/** `claimVolumes`: volume names a StatefulSet's volumeClaimTemplates provide to its pods. */
export function validatePodSpec(specValue: unknown, path: FieldPath, claimVolumes: Iterable<string> = []): FieldCause[] {
  if (!isRecord(specValue)) return [fieldError.required(path)];
  const spec = specValue;
  const { causes, names: volumes } = validateVolumes(spec, path);
  for (const name of claimVolumes) volumes.add(name);
  if (arr(spec.containers).length === 0) causes.push(fieldError.required(path.child("containers")));
  const containerNames = new Set<string>();
  for (const list of CONTAINER_LISTS) {
    arr(spec[list]).forEach((raw, i) => {
      const p = path.child(list).index(i);
      const c = rec(raw);
      const name = str(c.name) ?? "";
      if (name === "") causes.push(fieldError.required(p.child("name")));
      else {
        for (const m of isDNS1123Label(name)) causes.push(fieldError.invalid(p.child("name"), name, m));
        if (containerNames.has(name)) causes.push(fieldError.duplicate(p.child("name"), name));
        containerNames.add(name);
      }
      causes.push(...validateContainer(c, p, volumes));
    });
  }
  const restartPolicy = spec.restartPolicy;
  if (restartPolicy !== undefined && !isOneOf(RESTART_POLICIES, restartPolicy)) {
    causes.push(fieldError.notSupported(path.child("restartPolicy"), restartPolicy, RESTART_POLICIES));
  }
  return causes;
}
