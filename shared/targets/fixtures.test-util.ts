// Small builders for the objects target resolution reads, as plain JSON like the Kube port returns them.
import type { Profile } from "../profiles/types.ts";
import type { ContainerLike, NodeLike, OwnerRefLike, PodLike, PvcLike, PvLike, VolumeLike, VolumeMountLike, WorkloadLike } from "./types.ts";

export const NS = "apps";

export interface PodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  owner?: OwnerRefLike;
  node?: string | null;
  phase?: string;
  terminating?: boolean;
  containers?: ContainerLike[];
  volumes?: VolumeLike[];
  annotations?: Record<string, string>;
}

export function pod(name: string, o: PodOptions = {}): PodLike {
  return {
    metadata: {
      name,
      namespace: o.namespace ?? NS,
      uid: `uid-${name}`,
      labels: o.labels ?? {},
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.owner ? { ownerReferences: [o.owner] } : {}),
      ...(o.terminating ? { deletionTimestamp: "2025-06-01T00:00:00Z" } : {}),
    },
    spec: {
      ...(o.node === null ? {} : { nodeName: o.node ?? "node-1" }),
      containers: o.containers ?? [{ name: "app" }],
      volumes: o.volumes ?? [],
    },
    status: { phase: o.phase ?? "Running" },
  };
}

export const container = (name: string, ...volumeMounts: VolumeMountLike[]): ContainerLike => ({ name, volumeMounts });
export const mount = (name: string, mountPath: string, extra: Partial<VolumeMountLike> = {}): VolumeMountLike => ({ name, mountPath, ...extra });
export const pvcVolume = (name: string, claimName: string): VolumeLike => ({ name, persistentVolumeClaim: { claimName } });
export const nfsVolume = (name: string, server: string, path: string): VolumeLike => ({ name, nfs: { server, path } });
export const hostPathVolume = (name: string, path: string): VolumeLike => ({ name, hostPath: { path } });
/** A volume of a kind rafdir does not back up (emptyDir, configMap…), as the API returns it. */
export function otherVolume(name: string, kind: string): VolumeLike {
  const volume: { name: string } & Record<string, unknown> = { name, [kind]: {} };
  return volume;
}

export function pvc(name: string, o: { storageClass?: string; volumeName?: string; phase?: string; size?: string; namespace?: string } = {}): PvcLike {
  return {
    metadata: { name, namespace: o.namespace ?? NS },
    spec: { ...(o.storageClass ? { storageClassName: o.storageClass } : {}), ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
    status: { phase: o.phase ?? "Bound", ...(o.size ? { capacity: { storage: o.size } } : {}) },
  };
}

export const csiPv = (name: string, driver: string): PvLike => ({ metadata: { name }, spec: { csi: { driver } } });
export const nfsPv = (name: string, server: string, path: string): PvLike => ({ metadata: { name }, spec: { nfs: { server, path } } });

export function workload(name: string, o: { labels?: Record<string, string>; owner?: OwnerRefLike; namespace?: string } = {}): WorkloadLike {
  return {
    metadata: { name, namespace: o.namespace ?? NS, uid: `uid-${name}`, ...(o.owner ? { ownerReferences: [o.owner] } : {}) },
    spec: { selector: { matchLabels: o.labels ?? { app: name } } },
  };
}

export const ownerRef = (kind: string, name: string): OwnerRefLike => ({ kind, name, uid: `uid-${name}` });

export const node = (name: string, ready = "True"): NodeLike => ({ metadata: { name }, status: { conditions: [{ type: "Ready", status: ready }] } });

export function profile(extra: Partial<Profile> = {}): Profile {
  return {
    name: "web",
    disabled: false,
    namespace: NS,
    target: { kind: "deployment", name: "web" },
    folders: ["/data"],
    host: "web",
    stop: false,
    podWaitTimeoutMs: 14_400_000,
    minIntervalMs: 43_200_000,
    repositories: ["local"],
    restoreNamespaces: [NS],
    ...extra,
  };
}

/** A deployment "web" with ReplicaSet "web-abc" and its pod "web-abc-1" mounting PVC "web-data" at /data. */
export function deploymentWorld(podOptions: PodOptions = {}): { deployments: WorkloadLike[]; replicaSets: WorkloadLike[]; pods: PodLike[]; pvcs: PvcLike[] } {
  return {
    deployments: [workload("web")],
    replicaSets: [workload("web-abc", { owner: ownerRef("Deployment", "web") })],
    pods: [
      pod("web-abc-1", {
        labels: { app: "web" },
        owner: ownerRef("ReplicaSet", "web-abc"),
        containers: [container("app", mount("data", "/data"))],
        volumes: [pvcVolume("data", "web-data")],
        ...podOptions,
      }),
    ],
    pvcs: [pvc("web-data", { storageClass: "standard", size: "1Gi" })],
  };
}
