// What target resolution needs to see (shared/targets `Observed`), read through the port: the pods, workloads and
// claims of the profile's namespace (and of its stdin namespace), the PVs and the nodes.
import type { Kube, Obj } from "../../shared/kube/port.ts";
import type { Profile } from "../../shared/profiles/index.ts";
import type { NodeLike, Observed, PodLike, PvcLike, PvLike, WorkloadLike } from "../../shared/targets/index.ts";

type As<T> = T & Obj;

export async function observeTarget(kube: Kube, profile: Profile): Promise<Observed> {
  const namespaces = [...new Set([profile.namespace, profile.stdin?.namespace].filter((n): n is string => !!n))];
  const perNamespace = async <T>(apiVersion: string, kind: string): Promise<T[]> =>
    (await Promise.all(namespaces.map((ns) => kube.list<As<T>>(apiVersion, kind, ns)))).flat();
  const [pods, deployments, statefulSets, replicaSets, pvcs, pvs, nodes] = await Promise.all([
    perNamespace<PodLike>("v1", "Pod"),
    perNamespace<WorkloadLike>("apps/v1", "Deployment"),
    perNamespace<WorkloadLike>("apps/v1", "StatefulSet"),
    perNamespace<WorkloadLike>("apps/v1", "ReplicaSet"),
    perNamespace<PvcLike>("v1", "PersistentVolumeClaim"),
    kube.list<As<PvLike>>("v1", "PersistentVolume"),
    profile.target.kind === "node" ? kube.list<As<NodeLike>>("v1", "Node") : Promise.resolve(undefined),
  ]);
  return { pods, deployments, statefulSets, replicaSets, pvcs, pvs, ...(nodes ? { nodes } : {}) };
}
