// Whether a pod uses a PVC: it mounts it and has not finished (the kubelet still holds the volume).
import type { Obj } from "../../shared/kube/port.ts";
import type { FunctionDeps } from "../common/index.ts";

interface PodShape {
  spec?: { volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> };
  status?: { phase?: string };
}

export function claimInUse(pod: Obj, claim: string): boolean {
  const p = pod as Obj & PodShape;
  const phase = p.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  return (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim);
}

/** `namespace/pod` of every pod using the PVC, but `except` (the restore's own copy pod). */
export async function claimUsers(deps: Pick<FunctionDeps, "kube">, namespace: string, claim: string, except?: string): Promise<string[]> {
  const pods = await deps.kube.list<Obj>("v1", "Pod", namespace);
  return pods.filter((p) => p.metadata.name !== except && claimInUse(p, claim)).map((p) => `${namespace}/${p.metadata.name}`);
}
