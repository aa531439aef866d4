// The sandbox scheduler: picks a node for a pod, honouring nodeName/nodeSelector/node affinity and the node
// affinity of bound volumes, and triggers WaitForFirstConsumer provisioning by annotating the claim.
import type { Api } from "../apiserver/api.ts";
import type { KObject } from "../apiserver/types.ts";
import type { PodSpec } from "./pod-types.ts";

export const SELECTED_NODE = "volume.kubernetes.io/selected-node";

export type ScheduleDecision =
  | { kind: "bind"; node: string }
  | { kind: "wait"; reason: string; message: string }
  | { kind: "unschedulable"; message: string };

interface ClaimView {
  name: string;
  pvc?: KObject;
  pvNodes?: string[]; // nodes allowed by the bound PV's nodeAffinity
  wffc: boolean; // class is WaitForFirstConsumer
}

function hostnameTerms(affinity: unknown): string[] | undefined {
  const terms = (affinity as { required?: { nodeSelectorTerms?: Array<{ matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }> } } | undefined)
    ?.required?.nodeSelectorTerms;
  const nodes = (terms ?? []).flatMap((t) => (t.matchExpressions ?? []).filter((e) => e.key === "kubernetes.io/hostname" && e.operator === "In").flatMap((e) => e.values ?? []));
  return nodes.length > 0 ? nodes : undefined;
}

/** Pure: where the pod can go, given the nodes and what its claims look like. */
export function decideNode(spec: PodSpec, nodes: string[], claims: ClaimView[], preferred: string): ScheduleDecision {
  let allowed = [...nodes];
  const byName = spec.nodeSelector?.["kubernetes.io/hostname"];
  if (byName) allowed = allowed.filter((n) => n === byName);
  const affinity = hostnameTerms(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution ? { required: spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution } : undefined);
  if (affinity) allowed = allowed.filter((n) => affinity.includes(n));
  for (const c of claims) {
    if (!c.pvc) return { kind: "unschedulable", message: `persistentvolumeclaim "${c.name}" not found` };
    if (c.pvc.metadata.deletionTimestamp) return { kind: "unschedulable", message: `persistentvolumeclaim "${c.name}" is being deleted` };
    if (c.pvNodes) allowed = allowed.filter((n) => c.pvNodes?.includes(n));
  }
  if (allowed.length === 0) return { kind: "unschedulable", message: `0/${nodes.length} nodes are available: the pod's node selector, affinity or volumes match no node` };
  const node = allowed.includes(preferred) ? preferred : (allowed[0] ?? preferred);
  const unbound = claims.filter((c) => (c.pvc?.["status"] as { phase?: string } | undefined)?.phase !== "Bound");
  const notWffc = unbound.filter((c) => !c.wffc);
  if (notWffc.length > 0) {
    return { kind: "wait", reason: "Unschedulable", message: `pod has unbound immediate PersistentVolumeClaims (${notWffc.map((c) => c.name).join(", ")})` };
  }
  if (unbound.length > 0) return { kind: "wait", reason: "WaitingForVolumes", message: `waiting for volumes to be provisioned on node ${node}` };
  return { kind: "bind", node };
}

/** Reads the claims a pod uses, with what scheduling needs to know about them. */
export function claimViews(api: Api, pod: KObject, spec: PodSpec): ClaimView[] {
  const ns = pod.metadata.namespace ?? "default";
  const pvcs = api.resource("", "v1", "persistentvolumeclaims");
  const pvs = api.resource("", "v1", "persistentvolumes");
  const classes = api.resource("storage.k8s.io", "v1", "storageclasses");
  return (spec.volumes ?? [])
    .filter((v) => v.persistentVolumeClaim)
    .map((v) => {
      const name = v.persistentVolumeClaim?.claimName ?? "";
      const pvc = api.tryGet(pvcs, ns, name);
      if (!pvc) return { name, wffc: false };
      const pvcSpec = (pvc["spec"] ?? {}) as { volumeName?: string; storageClassName?: string };
      const sc = pvcSpec.storageClassName ? api.tryGet(classes, undefined, pvcSpec.storageClassName) : undefined;
      const wffc = (sc?.["volumeBindingMode"] as string | undefined) === "WaitForFirstConsumer";
      const pv = pvcSpec.volumeName ? api.tryGet(pvs, undefined, pvcSpec.volumeName) : undefined;
      const pvNodes = hostnameTerms((pv?.["spec"] as { nodeAffinity?: unknown } | undefined)?.nodeAffinity);
      return { name, pvc, wffc, ...(pvNodes ? { pvNodes } : {}) };
    });
}

/** For a pod that waits on WaitForFirstConsumer claims: tell the provisioner which node was picked. */
export function selectNodeForClaims(api: Api, claims: ClaimView[], node: string): void {
  const pvcs = api.resource("", "v1", "persistentvolumeclaims");
  for (const c of claims) {
    if (!c.pvc || !c.wffc || c.pvc.metadata.annotations?.[SELECTED_NODE]) continue;
    if ((c.pvc["status"] as { phase?: string } | undefined)?.phase === "Bound") continue;
    api.patch(pvcs, c.pvc.metadata.namespace, c.name, "application/merge-patch+json", { metadata: { annotations: { [SELECTED_NODE]: node } } });
  }
}
