// Finding the exactly-one pod of a target: deployment → its ReplicaSets' pods; statefulset → its pods; selector →
// the pods it matches. Terminating and finished pods do not count (a rolling update leaves some behind).
import { formatSelector, fromKubeSelector, matchesSelector } from "../profiles/selector.ts";
import type { LabelSelector, TargetSpec } from "../profiles/types.ts";
import { failure, type MetaLike, type Observed, type OwnerRefLike, type Outcome, type PodLike, type WorkloadLike } from "./types.ts";

export type PodTarget = Extract<TargetSpec, { kind: "deployment" | "statefulset" | "selector" }>;

/** `deployment "web" in namespace "apps"`: how messages name a target. */
export function describeTarget(namespace: string, target: PodTarget): string {
  const what = target.kind === "selector" ? `selector ${JSON.stringify(formatSelector(target.selector))}` : `${target.kind} ${JSON.stringify(target.name)}`;
  return `${what} in namespace ${JSON.stringify(namespace)}`;
}

export const podName = (pod: PodLike): string => pod.metadata?.name ?? "(unnamed)";
export const podLabel = (pod: PodLike, namespace: string): string => JSON.stringify(`${pod.metadata?.namespace ?? namespace}/${podName(pod)}`);

const inNamespace = (meta: MetaLike | undefined, namespace: string): boolean => (meta?.namespace ?? namespace) === namespace;

/** Whether `ref` points at `owner` (by uid when both carry one). */
const refersTo = (ref: OwnerRefLike, kind: string, owner: MetaLike | undefined): boolean =>
  ref.kind === kind && ref.name === owner?.name && (!ref.uid || !owner?.uid || ref.uid === owner.uid);

const ownedBy = (meta: MetaLike | undefined, kind: string, owner: MetaLike | undefined): boolean =>
  (meta?.ownerReferences ?? []).some((r) => refersTo(r, kind, owner));

/** Why a pod does not count, or "" when it does. */
function notLive(pod: PodLike): string {
  if (pod.metadata?.deletionTimestamp) return "terminating";
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed" ? phase : "";
}

/** The pods a target names, live or not; a failure when its workload is missing. */
function candidates(namespace: string, target: PodTarget, observed: Observed): Outcome<{ pods: PodLike[] }> {
  const pods = observed.pods.filter((p) => inNamespace(p.metadata, namespace));
  if (target.kind === "selector") return { ok: true, pods: pods.filter((p) => matchesSelector(target.selector, p.metadata?.labels)) };

  const list = target.kind === "deployment" ? observed.deployments : observed.statefulSets;
  const workload = (list ?? []).find((w) => w.metadata?.name === target.name && inNamespace(w.metadata, namespace));
  if (!workload) return failure("workload-not-found", `${target.kind} ${JSON.stringify(target.name)} not found in namespace ${JSON.stringify(namespace)}`);

  if (target.kind === "statefulset") return { ok: true, pods: pods.filter((p) => ownedBy(p.metadata, "StatefulSet", workload.metadata)) };
  if (observed.replicaSets === undefined) return bySelector(namespace, target, workload, pods);
  const sets = observed.replicaSets.filter((rs) => inNamespace(rs.metadata, namespace) && ownedBy(rs.metadata, "Deployment", workload.metadata));
  return { ok: true, pods: pods.filter((p) => sets.some((rs) => ownedBy(p.metadata, "ReplicaSet", rs.metadata))) };
}

function bySelector(namespace: string, target: PodTarget, workload: WorkloadLike, pods: PodLike[]): Outcome<{ pods: PodLike[] }> {
  const selector = fromKubeSelector(workload.spec?.selector);
  if (!selector) return failure("workload-selector", `${describeTarget(namespace, target)} has no usable spec.selector`);
  return { ok: true, pods: pods.filter((p) => matchesSelector(selector, p.metadata?.labels)) };
}

/** The one live pod of a target, or a failure naming the pods found (zero or several). */
export function selectPod(namespace: string, target: PodTarget, observed: Observed): Outcome<{ pod: PodLike }> {
  const found = candidates(namespace, target, observed);
  if (!found.ok) return found;
  const live = found.pods.filter((p) => notLive(p) === "");
  const what = describeTarget(namespace, target);
  if (live.length === 1 && live[0]) return { ok: true, pod: live[0] };
  if (live.length > 1)
    return failure("several-pods", `${live.length} pods for ${what}: ${live.map(podName).join(", ")}; rafdir needs exactly one (one replica, or a narrower selector)`);
  const ignored = found.pods.map((p) => `${podName(p)} (${notLive(p)})`);
  return failure("no-pod", `no running pod for ${what}${ignored.length ? `; ignored: ${ignored.join(", ")}` : ""}`);
}

/** The one live pod a selector matches (stdin-selector). */
export function selectPodBySelector(namespace: string, selector: LabelSelector, observed: Observed): Outcome<{ pod: PodLike }> {
  return selectPod(namespace, { kind: "selector", selector }, observed);
}
