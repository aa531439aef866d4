// What the workload controllers (Deployment, ReplicaSet, StatefulSet) share: selectors, owner references,
// pod state, pod-template hashing, status conditions and idempotent writes.
import type { Api } from "../apiserver/api.ts";
import { defaultPodSpec } from "../apiserver/defaults.ts";
import { labelSelectorFromObject, type LabelSelectorObject } from "../apiserver/selectors.ts";
import { deepCopy } from "../apiserver/store.ts";
import { ApiError, type KObject, type OwnerReference, type ResourceInfo } from "../apiserver/types.ts";

export type Dict = Record<string, unknown>;

export const POD_TEMPLATE_HASH = "pod-template-hash";

export function dict(value: unknown): Dict {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Dict) : {};
}

export function num(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Dict;
}

// --- selectors ---

/** metav1.LabelSelector semantics: undefined selects nothing, {} selects everything; an invalid selector selects nothing. */
export function selectorMatches(selector: LabelSelectorObject | undefined, labels: Record<string, string> | undefined): boolean {
  try {
    return labelSelectorFromObject(selector).matches(labels ?? {});
  } catch {
    return false;
  }
}

// --- owner references ---

export function controllerRef(obj: KObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

export function isControlledBy(obj: KObject, owner: KObject): boolean {
  return controllerRef(obj)?.uid === owner.metadata.uid;
}

/** The reference a controller puts on what it creates or adopts. */
export function controllerRefTo(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Splits candidates in a namespace into those `owner` controls, adopting matching orphans and releasing
 * owned objects that no longer match (as ControllerRefManager does). Returns the objects it controls afterwards.
 */
export function claimObjects(
  api: Api,
  info: ResourceInfo,
  owner: KObject,
  candidates: KObject[],
  matches: (obj: KObject) => boolean,
): KObject[] {
  const owned: KObject[] = [];
  const ownerDeleting = Boolean(owner.metadata.deletionTimestamp);
  for (const obj of candidates) {
    const ref = controllerRef(obj);
    if (ref?.uid === owner.metadata.uid) {
      if (matches(obj) || ownerDeleting || obj.metadata.deletionTimestamp) owned.push(obj);
      else writeOwnerRefs(api, info, obj, (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== owner.metadata.uid));
      continue;
    }
    if (ref || ownerDeleting || obj.metadata.deletionTimestamp || !matches(obj)) continue;
    const adopted = writeOwnerRefs(api, info, obj, [...(obj.metadata.ownerReferences ?? []), controllerRefTo(owner)]);
    if (adopted) owned.push(adopted);
  }
  return owned;
}

function writeOwnerRefs(api: Api, info: ResourceInfo, obj: KObject, refs: OwnerReference[]): KObject | undefined {
  const next = deepCopy(obj);
  if (refs.length > 0) next.metadata.ownerReferences = refs;
  else delete next.metadata.ownerReferences;
  try {
    return api.update(info, obj.metadata.namespace, obj.metadata.name ?? "", next).object;
  } catch (err) {
    if (isNotFoundError(err)) return undefined;
    throw err; // a conflict: the work queue retries with a fresh list
  }
}

// --- pod state ---

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

export function podPhase(pod: KObject): string {
  return String(dict(pod["status"])["phase"] ?? "");
}

export function isPodTerminal(pod: KObject): boolean {
  const phase = podPhase(pod);
  return phase === "Succeeded" || phase === "Failed";
}

export function isDeleting(obj: KObject): boolean {
  return Boolean(obj.metadata.deletionTimestamp);
}

/** Counts toward replicas: not ended and not being deleted. */
export function isPodActive(pod: KObject): boolean {
  return !isPodTerminal(pod) && !isDeleting(pod);
}

function readyCondition(pod: KObject): PodCondition | undefined {
  const conditions = dict(pod["status"])["conditions"];
  return Array.isArray(conditions) ? (conditions as PodCondition[]).find((c) => c.type === "Ready") : undefined;
}

export function isPodReady(pod: KObject): boolean {
  return readyCondition(pod)?.status === "True";
}

export function isRunningAndReady(pod: KObject): boolean {
  return podPhase(pod) === "Running" && isPodReady(pod);
}

/** Milliseconds until a ready pod counts as available (0: available now), or undefined when it is not ready. */
export function msUntilAvailable(pod: KObject, minReadySeconds: number, nowMs: number): number | undefined {
  const ready = readyCondition(pod);
  if (ready?.status !== "True") return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  if (Number.isNaN(since)) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - nowMs);
}

// --- hashing ---

/** JSON with object keys sorted, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Dict)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SAFE_CHARS = "bcdfghjklmnpqrstvwxz2456789";

/** apimachinery's rand.SafeEncodeString: no vowels, no look-alike characters. */
export function safeEncode(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += SAFE_CHARS[s.charCodeAt(i) % SAFE_CHARS.length];
  return out;
}

/** A pod template as compared and hashed: defaults applied and without the pod-template-hash label. */
export function normalizeTemplate(template: unknown): Dict {
  const t = deepCopy(dict(template));
  const meta = dict(t["metadata"]);
  const labels = { ...dict(meta["labels"]) };
  delete labels[POD_TEMPLATE_HASH];
  t["metadata"] = { ...meta, labels };
  const spec = deepCopy(dict(t["spec"]));
  defaultPodSpec(spec);
  t["spec"] = spec;
  return t;
}

export function sameTemplate(a: unknown, b: unknown): boolean {
  return canonicalJson(normalizeTemplate(a)) === canonicalJson(normalizeTemplate(b));
}

/** The pod-template-hash (ComputeHash): FNV-32a of the template plus the collision count, safely encoded. */
export function templateHash(template: unknown, collisionCount = 0): string {
  const text = canonicalJson(normalizeTemplate(template)) + (collisionCount > 0 ? String(collisionCount) : "");
  return safeEncode(String(fnv32a(text)));
}

// --- conditions and status ---

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

/**
 * Sets one condition: lastTransitionTime moves only when the status flips; lastUpdateTime (when `withUpdateTime`)
 * moves whenever status, reason or message change or `touch` is set.
 */
export function setCondition(
  conditions: Condition[],
  next: Omit<Condition, "lastTransitionTime" | "lastUpdateTime">,
  now: string,
  opts: { withUpdateTime?: boolean; touch?: boolean } = {},
): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const changed = !old || old.status !== next.status || old.reason !== next.reason || old.message !== next.message || opts.touch === true;
  const cond: Condition = { ...next };
  if (opts.withUpdateTime) cond.lastUpdateTime = changed ? now : (old?.lastUpdateTime ?? now);
  cond.lastTransitionTime = old && old.status === next.status ? (old.lastTransitionTime ?? now) : now;
  return old ? conditions.map((c) => (c.type === next.type ? cond : c)) : [...conditions, cond];
}

/** Drops zero/empty values, like the `omitempty` status fields of the real types. */
export function omitZero<T extends Dict>(status: T, keys: Array<keyof T>): T {
  const out = { ...status };
  for (const k of keys) if (out[k] === 0 || out[k] === undefined) delete out[k];
  return out;
}

/** Writes status through the status subresource when it changed. Returns the stored object. */
export function writeStatus(api: Api, info: ResourceInfo, obj: KObject, status: Dict): KObject {
  if (canonicalJson(obj["status"] ?? {}) === canonicalJson(status)) return obj;
  try {
    return api.update(info, obj.metadata.namespace, obj.metadata.name ?? "", { ...obj, status }, { subresource: "status" }).object;
  } catch (err) {
    if (isNotFoundError(err)) return obj;
    throw err;
  }
}

export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// --- errors ---

export function errorCode(err: unknown): number | undefined {
  return err instanceof ApiError ? err.code : undefined;
}

export function isNotFoundError(err: unknown): boolean {
  return errorCode(err) === 404;
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === "AlreadyExists";
}

/** Errors a retry cannot fix (bad template, namespace terminating): reported, then left to the periodic resync. */
export function isPermanent(err: unknown): boolean {
  const code = errorCode(err);
  return code === 400 || code === 403 || code === 422;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
