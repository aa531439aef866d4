// Pure decisions of the garbage collector and the namespace controller: what happens to dependents whose owners
// are gone or being deleted, when the orphan/foregroundDeletion finalizers can go, how a namespace reports progress.
import { resourceKey } from "../apiserver/store.ts";
import type { KObject, OwnerReference, ResourceInfo } from "../apiserver/types.ts";
import { setCondition, type Condition } from "./workload-util.ts";

export const ORPHAN = "orphan";
export const FOREGROUND = "foregroundDeletion";

/** One stored object with its store key ("<group>/<plural>"). */
export interface GcNode {
  resource: string;
  obj: KObject;
}

/** Where objects of an owner reference's kind are stored. */
export interface OwnerKind {
  resource: string;
  namespaced: boolean;
}

export type GcAction =
  | { type: "delete"; node: GcNode; policy: "Background" | "Foreground" }
  | { type: "removeOwnerRefs"; node: GcNode; uids: string[] }
  | { type: "removeFinalizer"; node: GcNode; finalizer: typeof ORPHAN | typeof FOREGROUND };

type OwnerState = "absent" | "solid" | "waiting" | "orphaning";

/** One entry per store key among the served resources (a CRD's versions share one). */
export function servedResources(registry: { all(): ResourceInfo[] }): Map<string, ResourceInfo> {
  const out = new Map<string, ResourceInfo>();
  for (const info of registry.all()) {
    const key = resourceKey(info.group, info.plural);
    if (!out.has(key)) out.set(key, info);
  }
  return out;
}

function nodeKey(resource: string, namespace: string | undefined, name: string): string {
  return `${resource}|${namespace ?? ""}|${name}`;
}

function ownerState(owner: GcNode | undefined): OwnerState {
  if (!owner) return "absent";
  if (!owner.obj.metadata.deletionTimestamp) return "solid";
  const finalizers = owner.obj.metadata.finalizers ?? [];
  if (finalizers.includes(ORPHAN)) return "orphaning";
  if (finalizers.includes(FOREGROUND)) return "waiting";
  return "solid";
}

/**
 * One garbage-collection pass over every stored object.
 * - A dependent whose owners are all gone (or deleting in the foreground) is deleted; one that still has a live
 *   owner loses the references to the gone ones.
 * - References to owners deleted with the orphan finalizer are removed; the finalizer goes once none remain.
 * - The foregroundDeletion finalizer goes once no dependent with blockOwnerDeletion remains.
 * `kindOf` resolves an owner reference's kind (undefined: unknown kind, never treated as gone);
 * `keepFinalizers` exempts owners whose finalizers someone else handles (namespaces).
 */
export function planGarbageCollection(
  nodes: GcNode[],
  kindOf: (ref: OwnerReference) => OwnerKind | undefined,
  keepFinalizers: (node: GcNode) => boolean = () => false,
): GcAction[] {
  const index = new Map<string, GcNode>();
  for (const n of nodes) index.set(nodeKey(n.resource, n.obj.metadata.namespace, n.obj.metadata.name ?? ""), n);
  const dependents = new Map<GcNode, Array<{ node: GcNode; ref: OwnerReference }>>();
  const actions: GcAction[] = [];

  const resolve = (dep: GcNode, ref: OwnerReference): GcNode | "unresolvable" | undefined => {
    const kind = kindOf(ref);
    if (!kind) return "unresolvable";
    const depNs = dep.obj.metadata.namespace;
    if (kind.namespaced && !depNs) return "unresolvable"; // a cluster-scoped object cannot have a namespaced owner
    const owner = index.get(nodeKey(kind.resource, kind.namespaced ? depNs : undefined, ref.name));
    return owner && owner.obj.metadata.uid === ref.uid ? owner : undefined;
  };

  const resolved: Array<{ node: GcNode; refs: Array<{ ref: OwnerReference; state: OwnerState }> }> = [];
  for (const node of nodes) {
    const refs = node.obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) continue;
    const states = refs.map((ref) => {
      const owner = resolve(node, ref);
      if (owner === "unresolvable") return { ref, state: "solid" as OwnerState };
      if (owner) dependents.set(owner, [...(dependents.get(owner) ?? []), { node, ref }]);
      return { ref, state: ownerState(owner) };
    });
    resolved.push({ node, refs: states });
  }

  for (const { node, refs } of resolved) {
    const uids = (state: OwnerState) => refs.filter((r) => r.state === state).map((r) => r.ref.uid);
    const orphaning = uids("orphaning");
    if (orphaning.length > 0) {
      actions.push({ type: "removeOwnerRefs", node, uids: orphaning });
      continue;
    }
    const gone = [...uids("absent"), ...uids("waiting")];
    if (gone.length === 0) continue;
    if (uids("solid").length > 0) actions.push({ type: "removeOwnerRefs", node, uids: gone });
    else if (!node.obj.metadata.deletionTimestamp) {
      const blocking = (dependents.get(node) ?? []).some((d) => d.ref.blockOwnerDeletion === true);
      actions.push({ type: "delete", node, policy: uids("waiting").length > 0 && blocking ? "Foreground" : "Background" });
    }
  }

  for (const node of nodes) {
    if (!node.obj.metadata.deletionTimestamp || keepFinalizers(node)) continue;
    const finalizers = node.obj.metadata.finalizers ?? [];
    const deps = dependents.get(node) ?? [];
    if (finalizers.includes(ORPHAN)) {
      if (deps.length === 0) actions.push({ type: "removeFinalizer", node, finalizer: ORPHAN });
    } else if (finalizers.includes(FOREGROUND)) {
      if (!deps.some((d) => d.ref.blockOwnerDeletion === true)) actions.push({ type: "removeFinalizer", node, finalizer: FOREGROUND });
    }
  }
  return actions;
}

export interface NamespaceContent {
  /** "<plural>.<group>" → objects left. */
  remaining: Map<string, number>;
  /** finalizer → objects holding it. */
  finalizers: Map<string, number>;
  /** Deletions the API refused, as messages. */
  failures: string[];
}

function summary(counts: Map<string, number>, suffix: (n: number) => string): string {
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${suffix(n)}`)
    .join(", ");
}

/** The conditions of a terminating namespace, worded like the namespace controller's. */
export function namespaceConditions(old: Condition[], content: NamespaceContent, now: string): Condition[] {
  let c = setCondition(old, { type: "NamespaceDeletionDiscoveryFailure", status: "False", reason: "ResourcesDiscovered", message: "All resources successfully discovered" }, now);
  c = setCondition(c, { type: "NamespaceDeletionGroupVersionParsingFailure", status: "False", reason: "ParsedGroupVersions", message: "All legacy kube types successfully parsed" }, now);
  c = content.failures.length > 0
    ? setCondition(c, { type: "NamespaceDeletionContentFailure", status: "True", reason: "ContentDeletionFailed", message: `Failed to delete all resource types, ${content.failures.length} remaining: ${content.failures.join(", ")}` }, now)
    : setCondition(c, { type: "NamespaceDeletionContentFailure", status: "False", reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" }, now);
  c = content.remaining.size > 0
    ? setCondition(c, { type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain", message: `Some resources are remaining: ${summary(content.remaining, (n) => `has ${n} resource instances`)}` }, now)
    : setCondition(c, { type: "NamespaceContentRemaining", status: "False", reason: "ContentRemoved", message: "All content successfully removed" }, now);
  c = content.finalizers.size > 0
    ? setCondition(c, { type: "NamespaceFinalizersRemaining", status: "True", reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${summary(content.finalizers, (n) => `in ${n} resource instances`)}` }, now)
    : setCondition(c, { type: "NamespaceFinalizersRemaining", status: "False", reason: "ContentHasNoFinalizers", message: "All content-preserving finalizers have been removed" }, now);
  return c;
}
