// Whether a pod uses a PVC: it mounts it and has not finished (the kubelet still holds the volume).
import type { Obj } from "../../shared/kube/port.ts";

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
