// Pure decisions of the Deployment controller: rollout limits, how far to scale each ReplicaSet, and the status.
import type { KObject } from "../apiserver/types.ts";
import { dict, num, omitZero, setCondition, type Condition, type Dict } from "./workload-util.ts";

export const REVISION = "deployment.kubernetes.io/revision";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

export interface DeploymentStrategy {
  type?: string;
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

/** An int-or-percent against `total`: percentages round up for surge, down for unavailability. */
export function resolveIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean, fallback: number | string): number {
  const v = value ?? fallback;
  if (typeof v === "number") return Math.max(0, Math.trunc(v));
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) return Number.isFinite(Number(v)) ? Math.max(0, Math.trunc(Number(v))) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge and maxUnavailable as pod counts (Recreate: neither; both zero means one may be unavailable). */
export function rolloutLimits(strategy: DeploymentStrategy | undefined, replicas: number): { maxSurge: number; maxUnavailable: number } {
  if (strategy?.type === "Recreate") return { maxSurge: 0, maxUnavailable: 0 };
  const maxSurge = resolveIntOrPercent(strategy?.rollingUpdate?.maxSurge, replicas, true, "25%");
  let maxUnavailable = Math.min(resolveIntOrPercent(strategy?.rollingUpdate?.maxUnavailable, replicas, false, "25%"), replicas);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export interface RsState {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.replicas: active pods */
  current: number;
  /** status.availableReplicas */
  available: number;
}

export interface ScaleInput {
  replicas: number;
  recreate: boolean;
  maxSurge: number;
  maxUnavailable: number;
  /** The ReplicaSet matching the template (replicas 0 when it is still to be created). */
  newRs: RsState;
  /** Other ReplicaSets, oldest first. */
  oldRss: RsState[];
}

/** Target spec.replicas for every ReplicaSet of the Deployment (rolloutRolling / rolloutRecreate, simplified). */
export function planDeploymentScale(input: ScaleInput): Map<string, number> {
  const { replicas, newRs, oldRss } = input;
  const out = new Map<string, number>([[newRs.name, newRs.replicas], ...oldRss.map((rs) => [rs.name, rs.replicas] as [string, number])]);
  const oldTotal = oldRss.reduce((n, rs) => n + rs.replicas, 0);
  if (input.recreate) {
    if (oldTotal > 0) for (const rs of oldRss) out.set(rs.name, 0);
    else if (oldRss.every((rs) => rs.current === 0)) out.set(newRs.name, replicas);
    return out;
  }
  if (oldTotal === 0) {
    out.set(newRs.name, replicas);
    return out;
  }
  // scale the new ReplicaSet up within maxSurge
  let newReplicas = newRs.replicas;
  if (newReplicas > replicas) newReplicas = replicas;
  else {
    const room = replicas + input.maxSurge - (newReplicas + oldTotal);
    if (room > 0) newReplicas = Math.min(replicas, newReplicas + room);
  }
  out.set(newRs.name, newReplicas);
  // scale old ReplicaSets down within maxUnavailable: first their unavailable pods, then available ones
  const minAvailable = replicas - input.maxUnavailable;
  const newUnavailable = Math.max(0, newReplicas - newRs.available);
  let budget = newReplicas + oldTotal - minAvailable - newUnavailable;
  for (const rs of oldRss) {
    if (budget <= 0) break;
    const current = out.get(rs.name) ?? 0;
    const cut = Math.min(budget, Math.max(0, current - rs.available));
    if (cut > 0) out.set(rs.name, current - cut);
    budget -= cut;
  }
  const availableTotal = newRs.available + oldRss.reduce((n, rs) => n + Math.min(rs.available, out.get(rs.name) ?? 0), 0);
  let surplus = availableTotal - minAvailable;
  for (const rs of oldRss) {
    if (surplus <= 0) break;
    const current = out.get(rs.name) ?? 0;
    const cut = Math.min(current, surplus);
    out.set(rs.name, current - cut);
    surplus -= cut;
  }
  return out;
}

export function revisionOf(rs: KObject): number {
  const n = Number(rs.metadata.annotations?.[REVISION] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** Old ReplicaSets beyond revisionHistoryLimit that are fully scaled down, oldest first. */
export function replicaSetsToPrune(olds: KObject[], limit: number): string[] {
  const idle = olds
    .filter((rs) => !rs.metadata.deletionTimestamp && num(dict(rs["spec"])["replicas"], 0) === 0 && num(dict(rs["status"])["replicas"], 0) === 0)
    .sort((a, b) => revisionOf(a) - revisionOf(b) || (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
  return idle.slice(0, Math.max(0, idle.length - Math.max(0, limit))).map((rs) => rs.metadata.name ?? "");
}

export interface StatusInput {
  deployment: KObject;
  newRs: KObject | undefined;
  all: KObject[];
  now: string;
  maxUnavailable: number;
  /** The new ReplicaSet was created in this sync. */
  created: boolean;
}

const statusNum = (obj: KObject, key: string) => num(dict(obj["status"])[key], 0);

/** Deployment status: counts summed from the ReplicaSets, Available and Progressing conditions. */
export function deploymentStatus(input: StatusInput): Dict {
  const { deployment: dep, newRs, all, now } = input;
  const spec = dict(dep["spec"]);
  const old = dict(dep["status"]);
  const replicas = num(spec["replicas"], 1);
  const sum = (key: string) => all.reduce((n, rs) => n + statusNum(rs, key), 0);
  const specTotal = all.reduce((n, rs) => n + num(dict(rs["spec"])["replicas"], 0), 0);
  const counts = {
    observedGeneration: dep.metadata.generation ?? 0,
    replicas: sum("replicas"),
    updatedReplicas: newRs ? statusNum(newRs, "replicas") : 0,
    readyReplicas: sum("readyReplicas"),
    availableReplicas: sum("availableReplicas"),
    unavailableReplicas: Math.max(0, specTotal - sum("availableReplicas")),
  };
  let conditions = (old["conditions"] ?? []) as Condition[];
  conditions =
    counts.availableReplicas >= replicas - input.maxUnavailable
      ? setCondition(conditions, { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }, now, { withUpdateTime: true })
      : setCondition(conditions, { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." }, now, { withUpdateTime: true });
  conditions = progressing(conditions, input, counts, old, replicas);
  const status: Dict = { ...counts, conditions };
  if (old["collisionCount"] !== undefined) status["collisionCount"] = old["collisionCount"];
  return omitZero(status, ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"]);
}

function progressing(conditions: Condition[], input: StatusInput, counts: Record<string, number>, old: Dict, replicas: number): Condition[] {
  const { deployment: dep, newRs, now } = input;
  const rsName = newRs?.metadata.name ?? "";
  const set = (status: Condition["status"], reason: string, message: string, touch = false) =>
    setCondition(conditions, { type: "Progressing", status, reason, message }, now, { withUpdateTime: true, touch });
  if (dict(dep["spec"])["paused"] === true) return set("Unknown", "DeploymentPaused", "Deployment is paused");
  if (input.created) return set("True", "NewReplicaSetCreated", `Created new replica set "${rsName}"`);
  const complete =
    counts["updatedReplicas"] === replicas && counts["replicas"] === replicas && counts["availableReplicas"] === replicas;
  if (complete && newRs) return set("True", "NewReplicaSetAvailable", `ReplicaSet "${rsName}" has successfully progressed.`);
  const was = (k: string) => num(old[k], 0);
  const progressed =
    counts["updatedReplicas"]! > was("updatedReplicas") ||
    counts["replicas"]! < was("replicas") ||
    counts["readyReplicas"]! > was("readyReplicas") ||
    counts["availableReplicas"]! > was("availableReplicas");
  const current = conditions.find((c) => c.type === "Progressing");
  if (progressed || !current || current.reason === "NewReplicaSetAvailable") {
    return set("True", "ReplicaSetUpdated", `ReplicaSet "${rsName}" is progressing.`, progressed);
  }
  const deadline = num(dict(dep["spec"])["progressDeadlineSeconds"], 600);
  const since = Date.parse(current.lastUpdateTime ?? current.lastTransitionTime ?? now);
  if (current.status === "True" && Date.parse(now) - since > deadline * 1000) {
    return set("False", "ProgressDeadlineExceeded", `ReplicaSet "${rsName}" has timed out progressing.`);
  }
  return conditions;
}
