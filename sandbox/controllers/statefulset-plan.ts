// Pure parts of the StatefulSet controller: which ordinals to create or delete, the pods and claims it makes,
// and its status.
import { deepCopy } from "../apiserver/store.ts";
import type { KObject } from "../apiserver/types.ts";
import {
  controllerRefTo,
  dict,
  isPodTerminal,
  isRunningAndReady,
  msUntilAvailable,
  num,
  omitZero,
  templateHash,
  type Dict,
  type PodTemplate,
} from "./workload-util.ts";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
export const REVISION_LABEL = "controller-revision-hash";

export interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Dict;
}

export interface StatefulSetSpec {
  replicas?: number;
  serviceName?: string;
  minReadySeconds?: number;
  podManagementPolicy?: string;
  ordinals?: { start?: number };
  selector?: { matchLabels?: Record<string, string> };
  template?: PodTemplate;
  volumeClaimTemplates?: ClaimTemplate[];
  updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
}

export function stsSpec(sts: KObject): StatefulSetSpec {
  return dict(sts["spec"]) as StatefulSetSpec;
}

/** The ordinal of `<sts>-<n>`, or undefined when the name is not one of the set's. */
export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function updateRevision(sts: KObject): string {
  return `${sts.metadata.name ?? ""}-${templateHash(stsSpec(sts).template)}`;
}

export interface StsPod {
  name: string;
  ordinal: number;
  revision: string;
  /** Running with Ready=True. */
  healthy: boolean;
  /** Phase Failed or Succeeded: it gets deleted and recreated. */
  ended: boolean;
  deleting: boolean;
}

export function stsPod(setName: string, pod: KObject): StsPod | undefined {
  const ordinal = ordinalOf(setName, pod.metadata.name ?? "");
  if (ordinal === undefined) return undefined;
  return {
    name: pod.metadata.name ?? "",
    ordinal,
    revision: pod.metadata.labels?.[REVISION_LABEL] ?? "",
    healthy: isRunningAndReady(pod),
    ended: isPodTerminal(pod),
    deleting: Boolean(pod.metadata.deletionTimestamp),
  };
}

export interface StsPlanInput {
  replicas: number;
  start: number;
  /** OrderedReady: one pod at a time, in order; Parallel: all at once. */
  ordered: boolean;
  /** RollingUpdate partition; undefined for the OnDelete strategy. */
  partition: number | undefined;
  updateRevision: string;
  pods: StsPod[];
}

export interface StsPlan {
  create: number[];
  delete: string[];
}

/** One sync of a StatefulSet (updateStatefulSet in the real controller, without ControllerRevisions). */
export function decideStatefulSet(input: StsPlanInput): StsPlan {
  const { replicas, start, ordered } = input;
  const plan: StsPlan = { create: [], delete: [] };
  const byOrdinal = new Map(input.pods.map((p) => [p.ordinal, p]));
  const inRange = (o: number) => o >= start && o < start + replicas;
  // 1. bring up ordinals in order: create missing ones, replace ended ones, wait on unhealthy ones when ordered
  for (let o = start; o < start + replicas; o++) {
    const pod = byOrdinal.get(o);
    if (!pod) {
      plan.create.push(o);
      if (ordered) return plan;
      continue;
    }
    if (pod.ended && !pod.deleting) {
      plan.delete.push(pod.name);
      if (ordered) return plan;
      continue;
    }
    if (ordered && (pod.deleting || !pod.healthy)) return plan;
  }
  // 2. remove condemned pods, highest ordinal first
  const condemned = input.pods.filter((p) => !inRange(p.ordinal)).sort((a, b) => b.ordinal - a.ordinal);
  for (const pod of condemned) {
    if (pod.deleting) {
      if (ordered) return plan;
      continue;
    }
    plan.delete.push(pod.name);
    if (ordered) return plan;
  }
  // 3. rolling update: replace the highest outdated pod at or above the partition, once everything is healthy
  if (input.partition === undefined || condemned.length > 0) return plan;
  const current = [...byOrdinal.values()].filter((p) => inRange(p.ordinal));
  if (current.length < replicas || current.some((p) => p.deleting || !p.healthy) || plan.delete.length > 0 || plan.create.length > 0) return plan;
  const outdated = current
    .filter((p) => p.ordinal - start >= (input.partition ?? 0) && p.revision !== input.updateRevision)
    .sort((a, b) => b.ordinal - a.ordinal)[0];
  if (outdated) plan.delete.push(outdated.name);
  return plan;
}

export function claimName(template: ClaimTemplate, setName: string, ordinal: number): string {
  return `${template.metadata?.name ?? ""}-${setName}-${ordinal}`;
}

/** The PersistentVolumeClaim of one volumeClaimTemplate for one ordinal (template labels plus selector labels). */
export function claimFor(sts: KObject, template: ClaimTemplate, ordinal: number): KObject {
  const spec = stsSpec(sts);
  const setName = sts.metadata.name ?? "";
  const metadata: KObject["metadata"] = {
    name: claimName(template, setName, ordinal),
    namespace: sts.metadata.namespace,
    labels: { ...(template.metadata?.labels ?? {}), ...(spec.selector?.matchLabels ?? {}) },
  };
  if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
  if (spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete") {
    metadata.ownerReferences = [{ ...controllerRefTo(sts), controller: false }];
  }
  return { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata, spec: deepCopy(template.spec ?? {}) };
}

/** The pod of one ordinal: identity labels, hostname/subdomain, one PVC volume per claim template. */
export function podFor(sts: KObject, ordinal: number, revision: string): KObject {
  const spec = stsSpec(sts);
  const setName = sts.metadata.name ?? "";
  const name = `${setName}-${ordinal}`;
  const template = spec.template ?? {};
  const podSpec = deepCopy(template.spec ?? {});
  podSpec["hostname"] = name;
  if (spec.serviceName) podSpec["subdomain"] = spec.serviceName;
  const claims = spec.volumeClaimTemplates ?? [];
  const claimVolumes = claims.map((c) => ({ name: c.metadata?.name ?? "", persistentVolumeClaim: { claimName: claimName(c, setName, ordinal) } }));
  const names = new Set(claimVolumes.map((v) => v.name));
  const others = (Array.isArray(podSpec["volumes"]) ? (podSpec["volumes"] as Dict[]) : []).filter((v) => !names.has(String(v["name"])));
  if (claimVolumes.length + others.length > 0) podSpec["volumes"] = [...claimVolumes, ...others];
  const metadata: KObject["metadata"] = {
    name,
    namespace: sts.metadata.namespace,
    labels: { ...(template.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
    ownerReferences: [controllerRefTo(sts)],
  };
  if (template.metadata?.annotations) metadata.annotations = { ...template.metadata.annotations };
  return { apiVersion: "v1", kind: "Pod", metadata, spec: podSpec };
}

export interface StsStatusResult {
  status: Dict;
  requeueMs?: number;
}

/** StatefulSet status from its pods; currentRevision catches up with updateRevision once every pod runs it. */
export function statefulSetStatus(sts: KObject, pods: KObject[], nowMs: number): StsStatusResult {
  const spec = stsSpec(sts);
  const old = dict(sts["status"]);
  const update = updateRevision(sts);
  const replicas = num(spec.replicas, 1);
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const revisionOf = (p: KObject) => p.metadata.labels?.[REVISION_LABEL] ?? "";
  const updated = live.filter((p) => revisionOf(p) === update).length;
  let current = typeof old["currentRevision"] === "string" && old["currentRevision"] !== "" ? old["currentRevision"] : update;
  if (updated === replicas && live.length === replicas) current = update;
  let available = 0;
  let requeueMs: number | undefined;
  for (const pod of pods.filter(isRunningAndReady)) {
    const wait = msUntilAvailable(pod, num(spec.minReadySeconds, 0), nowMs);
    if (wait === 0) available++;
    else if (wait !== undefined) requeueMs = Math.min(requeueMs ?? wait, wait);
  }
  const status = omitZero(
    {
      observedGeneration: sts.metadata.generation ?? 0,
      replicas: pods.length,
      readyReplicas: pods.filter(isRunningAndReady).length,
      currentReplicas: live.filter((p) => revisionOf(p) === current).length,
      updatedReplicas: updated,
      availableReplicas: available,
      currentRevision: current,
      updateRevision: update,
      collisionCount: num(old["collisionCount"], 0),
    } as Dict,
    ["readyReplicas", "currentReplicas", "updatedReplicas"],
  );
  return requeueMs === undefined ? { status } : { status, requeueMs: requeueMs + 10 };
}
