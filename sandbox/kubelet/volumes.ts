// Turns a pod's volumes and a container's volumeMounts into host directories to bind-mount.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import type { Api } from "../apiserver/api.ts";
import { errors, type KObject } from "../apiserver/types.ts";
import { SANDBOX_DRIVER, nfsDir, nodeRoot, podDir, volumeDir } from "../controllers/paths.ts";
import type { ContainerDef, KeyToPath, VolumeDef } from "./pod-types.ts";
import type { VolumeMount } from "./runtime.ts";

export interface ResolvedVolume {
  hostPath: string;
  readOnly: boolean;
}

/** Why a pod cannot start yet (claim not bound, ...) — the kubelet keeps it Pending and retries. */
export class NotReadyError extends Error {}

interface PvSpec {
  csi?: { driver: string; volumeHandle: string };
  hostPath?: { path: string };
  local?: { path: string };
  nfs?: { server: string; path: string };
}

export async function resolvePodVolumes(api: Api, dataDir: string, pod: KObject, nodeName: string): Promise<Map<string, ResolvedVolume>> {
  const spec = (pod["spec"] ?? {}) as { volumes?: VolumeDef[] };
  const ns = pod.metadata.namespace ?? "default";
  const base = podDir(dataDir, pod.metadata.uid ?? "");
  const out = new Map<string, ResolvedVolume>();
  for (const v of spec.volumes ?? []) {
    out.set(v.name, await resolveVolume(api, dataDir, ns, base, nodeName, v));
  }
  return out;
}

async function resolveVolume(api: Api, dataDir: string, ns: string, base: string, nodeName: string, v: VolumeDef): Promise<ResolvedVolume> {
  if (v.persistentVolumeClaim) {
    const pvcInfo = api.resource("", "v1", "persistentvolumeclaims");
    const pvc = api.tryGet(pvcInfo, ns, v.persistentVolumeClaim.claimName);
    if (!pvc) throw new NotReadyError(`persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not found`);
    const volumeName = (pvc["spec"] as { volumeName?: string }).volumeName;
    const phase = (pvc["status"] as { phase?: string } | undefined)?.phase;
    if (!volumeName || phase !== "Bound") throw new NotReadyError(`persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" is not bound`);
    const pv = api.tryGet(api.resource("", "v1", "persistentvolumes"), undefined, volumeName);
    if (!pv) throw new NotReadyError(`persistentvolume "${volumeName}" not found`);
    return { hostPath: await pvHostPath(dataDir, nodeName, (pv["spec"] ?? {}) as PvSpec, volumeName), readOnly: v.persistentVolumeClaim.readOnly ?? false };
  }
  if (v.hostPath) {
    const path = join(nodeRoot(dataDir, nodeName), normalize(v.hostPath.path));
    if (v.hostPath.type === "File" || v.hostPath.type === "FileOrCreate") await mkdir(dirname(path), { recursive: true });
    else await mkdir(path, { recursive: true });
    return { hostPath: path, readOnly: false };
  }
  if (v.nfs) {
    const path = nfsDir(dataDir, v.nfs.server, normalize(v.nfs.path));
    await mkdir(path, { recursive: true });
    return { hostPath: path, readOnly: v.nfs.readOnly ?? false };
  }
  if (v.emptyDir) {
    const path = join(base, "volumes", "empty-dir", v.name);
    await mkdir(path, { recursive: true, mode: 0o777 });
    return { hostPath: path, readOnly: false };
  }
  if (v.configMap) {
    const data = readData(api, "configmaps", ns, v.configMap.name, v.configMap.optional, false);
    return { hostPath: await writeKeys(join(base, "volumes", "configmap", v.name), data, v.configMap.items), readOnly: true };
  }
  if (v.secret) {
    const data = readData(api, "secrets", ns, v.secret.secretName, v.secret.optional, true);
    return { hostPath: await writeKeys(join(base, "volumes", "secret", v.name), data, v.secret.items), readOnly: true };
  }
  if (v.projected) {
    const dir = join(base, "volumes", "projected", v.name);
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) await writeKeys(dir, readData(api, "configmaps", ns, s.configMap.name, false, false), s.configMap.items);
      if (s.secret) await writeKeys(dir, readData(api, "secrets", ns, s.secret.name, false, true), s.secret.items);
    }
    await mkdir(dir, { recursive: true });
    return { hostPath: dir, readOnly: true };
  }
  throw errors.badRequest(`volume "${v.name}" has a type the sandbox does not support`);
}

async function pvHostPath(dataDir: string, nodeName: string, spec: PvSpec, pvName: string): Promise<string> {
  if (spec.csi?.driver === SANDBOX_DRIVER) return volumeDir(dataDir, spec.csi.volumeHandle);
  if (spec.hostPath) return join(nodeRoot(dataDir, nodeName), normalize(spec.hostPath.path));
  if (spec.local) return join(nodeRoot(dataDir, nodeName), normalize(spec.local.path));
  if (spec.nfs) {
    const path = nfsDir(dataDir, spec.nfs.server, normalize(spec.nfs.path));
    await mkdir(path, { recursive: true });
    return path;
  }
  throw new NotReadyError(`persistentvolume "${pvName}" has a volume source the sandbox cannot mount`);
}

function readData(api: Api, plural: "configmaps" | "secrets", ns: string, name: string, optional: boolean | undefined, base64: boolean): Record<string, Buffer> {
  const obj = api.tryGet(api.resource("", "v1", plural), ns, name);
  if (!obj) {
    if (optional) return {};
    throw new NotReadyError(`${plural === "secrets" ? "secret" : "configmap"} "${name}" not found`);
  }
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries((obj["data"] ?? {}) as Record<string, string>)) out[k] = base64 ? Buffer.from(v, "base64") : Buffer.from(v);
  for (const [k, v] of Object.entries((obj["binaryData"] ?? {}) as Record<string, string>)) out[k] = Buffer.from(v, "base64");
  return out;
}

async function writeKeys(dir: string, data: Record<string, Buffer>, items: KeyToPath[] | undefined): Promise<string> {
  await mkdir(dir, { recursive: true });
  const entries = items ? items.map((i) => [i.path, data[i.key]] as const) : Object.entries(data);
  for (const [path, value] of entries) {
    if (value === undefined) continue;
    const target = join(dir, normalize(path));
    if (!target.startsWith(dir + "/")) throw errors.badRequest(`volume item path "${path}" escapes the volume`);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, value, { mode: 0o644 });
  }
  return dir;
}

/** A container's volumeMounts as host bind mounts (subPath applied and created, as the kubelet does). */
export async function containerMounts(container: ContainerDef, volumes: Map<string, ResolvedVolume>): Promise<VolumeMount[]> {
  const mounts: VolumeMount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const vol = volumes.get(m.name);
    if (!vol) throw errors.badRequest(`volumeMount "${m.name}" names no volume of the pod`);
    let hostPath = vol.hostPath;
    if (m.subPath) {
      const sub = normalize(m.subPath);
      if (sub.startsWith("..") || sub.startsWith("/")) throw errors.badRequest(`subPath "${m.subPath}" must be a relative path inside the volume`);
      hostPath = join(vol.hostPath, sub);
      await mkdir(hostPath, { recursive: true }).catch(() => undefined); // an existing file is fine too
    }
    mounts.push({ hostPath, mountPath: m.mountPath, readOnly: Boolean(m.readOnly) || vol.readOnly });
  }
  return mounts;
}
