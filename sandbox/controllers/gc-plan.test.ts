import { describe, expect, it } from "vitest";
import type { KObject, OwnerReference } from "../apiserver/types.ts";
import { namespaceConditions, planGarbageCollection, servedResources, type GcNode, type OwnerKind } from "./gc-plan.ts";
import { builtinResources } from "../apiserver/registry.ts";

const KINDS: Record<string, OwnerKind> = {
  Deployment: { resource: "apps/deployments", namespaced: true },
  ReplicaSet: { resource: "apps/replicasets", namespaced: true },
  Pod: { resource: "/pods", namespaced: true },
  Node: { resource: "/nodes", namespaced: false },
  ConfigMap: { resource: "/configmaps", namespaced: true },
};
const kindOf = (ref: OwnerReference) => KINDS[ref.kind];
const resourceOf: Record<string, string> = { Deployment: "apps/deployments", ReplicaSet: "apps/replicasets", Pod: "/pods", Node: "/nodes", ConfigMap: "/configmaps" };

interface Spec {
  ns?: string | null;
  owners?: Array<[kind: string, name: string, block?: boolean]>;
  deleting?: boolean;
  finalizers?: string[];
}

/** `kind/name` → object, uid `uid-name`; owners point at `uid-<name>` unless the name ends with "~" (stale uid). */
function node(id: string, spec: Spec = {}): GcNode {
  const [kind = "", name = ""] = id.split("/");
  const owners = (spec.owners ?? []).map(([k, n, block]) => ({
    apiVersion: k === "Deployment" || k === "ReplicaSet" ? "apps/v1" : "v1",
    kind: k,
    name: n.replace(/~$/, ""),
    uid: n.endsWith("~") ? `stale-${n}` : `uid-${n}`,
    ...(block ? { blockOwnerDeletion: true } : {}),
  }));
  const obj: KObject = {
    apiVersion: "v1",
    kind,
    metadata: {
      name,
      uid: `uid-${name}`,
      ...(spec.ns === null ? {} : { namespace: spec.ns ?? "ns" }),
      ...(owners.length ? { ownerReferences: owners } : {}),
      ...(spec.deleting ? { deletionTimestamp: "2024-01-01T00:00:00Z" } : {}),
      ...(spec.finalizers ? { finalizers: spec.finalizers } : {}),
    },
  };
  return { resource: resourceOf[kind] ?? "/unknown", obj };
}

type Summary = string[];
function plan(nodes: GcNode[]): Summary {
  return planGarbageCollection(nodes, kindOf).map((a) => {
    const id = `${a.node.obj.kind}/${a.node.obj.metadata.name ?? ""}`;
    if (a.type === "delete") return `delete ${id} ${a.policy}`;
    if (a.type === "removeOwnerRefs") return `unown ${id} ${a.uids.join(",")}`;
    return `unfinalize ${id} ${a.finalizer}`;
  });
}

describe("planGarbageCollection", () => {
  it.each<[string, GcNode[], Summary]>([
    ["owner present", [node("ReplicaSet/rs"), node("Pod/p", { owners: [["ReplicaSet", "rs"]] })], []],
    ["owner gone", [node("Pod/p", { owners: [["ReplicaSet", "rs"]] })], ["delete Pod/p Background"]],
    ["owner recreated with a new uid", [node("ReplicaSet/rs"), node("Pod/p", { owners: [["ReplicaSet", "rs~"]] })], ["delete Pod/p Background"]],
    ["owner in another namespace does not count", [node("ReplicaSet/rs", { ns: "other" }), node("Pod/p", { owners: [["ReplicaSet", "rs"]] })], ["delete Pod/p Background"]],
    ["cluster-scoped owner of a namespaced dependent", [node("Node/n1", { ns: null }), node("Pod/p", { owners: [["Node", "n1"]] })], []],
    ["cluster-scoped dependent naming a namespaced owner is left alone", [node("Node/n1", { ns: null, owners: [["ReplicaSet", "rs"]] })], []],
    ["unknown owner kind is left alone", [node("Pod/p", { owners: [["Widget", "w"]] })], []],
    ["one of two owners gone", [node("ConfigMap/a"), node("Pod/p", { owners: [["ConfigMap", "a"], ["ConfigMap", "b"]] })], ["unown Pod/p uid-b"]],
    ["dependent already being deleted", [node("Pod/p", { owners: [["ReplicaSet", "rs"]], deleting: true })], []],
    [
      "orphan: references removed, finalizer kept while dependents remain",
      [node("Deployment/d", { deleting: true, finalizers: ["orphan"] }), node("ReplicaSet/rs", { owners: [["Deployment", "d", true]] })],
      ["unown ReplicaSet/rs uid-d"],
    ],
    ["orphan: finalizer removed once no dependents remain", [node("Deployment/d", { deleting: true, finalizers: ["orphan"] })], ["unfinalize Deployment/d orphan"]],
    [
      "foreground: dependents with their own dependents are deleted in the foreground",
      [
        node("Deployment/d", { deleting: true, finalizers: ["foregroundDeletion"] }),
        node("ReplicaSet/rs", { owners: [["Deployment", "d", true]] }),
        node("Pod/p", { owners: [["ReplicaSet", "rs", true]] }),
      ],
      ["delete ReplicaSet/rs Foreground"],
    ],
    [
      "foreground: waits for blocking dependents being deleted",
      [node("ReplicaSet/rs", { deleting: true, finalizers: ["foregroundDeletion"] }), node("Pod/p", { owners: [["ReplicaSet", "rs", true]], deleting: true })],
      [],
    ],
    [
      "foreground: non-blocking dependents do not hold the owner",
      [node("ReplicaSet/rs", { deleting: true, finalizers: ["foregroundDeletion"] }), node("Pod/p", { owners: [["ReplicaSet", "rs"]] })],
      ["delete Pod/p Background", "unfinalize ReplicaSet/rs foregroundDeletion"],
    ],
    ["foreground: finalizer removed once dependents are gone", [node("ReplicaSet/rs", { deleting: true, finalizers: ["foregroundDeletion"] })], ["unfinalize ReplicaSet/rs foregroundDeletion"]],
    [
      "foreground owner plus a live owner: only the reference goes",
      [node("ConfigMap/a"), node("ReplicaSet/rs", { deleting: true, finalizers: ["foregroundDeletion"] }), node("Pod/p", { owners: [["ConfigMap", "a"], ["ReplicaSet", "rs", true]] })],
      ["unown Pod/p uid-rs"],
    ],
  ])("given %s, plans %j", (_name, nodes, expected) => {
    expect(plan(nodes)).toEqual(expected);
  });

  it("given an exempted owner, leaves its finalizers alone", () => {
    const ns = node("Namespace/x", { ns: null, deleting: true, finalizers: ["orphan"] });
    expect(planGarbageCollection([ns], kindOf, (n) => n.obj.kind === "Namespace")).toEqual([]);
  });
});

describe("servedResources", () => {
  it("given the built-in registry, returns one entry per store key", () => {
    const keys = [...servedResources({ all: builtinResources }).keys()];
    expect(keys).toContain("/pods");
    expect(keys).toContain("apps/deployments");
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("namespaceConditions", () => {
  const now = "2024-01-01T00:00:00Z";
  it("given remaining content with finalizers, reports what remains", () => {
    const conditions = namespaceConditions(
      [],
      { remaining: new Map([["pods.", 2], ["widgets.example.com", 1]]), finalizers: new Map([["example.com/hold", 1]]), failures: [] },
      now,
    );
    expect(conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered"],
      ["NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions"],
      ["NamespaceDeletionContentFailure", "False", "ContentDeleted"],
      ["NamespaceContentRemaining", "True", "SomeResourcesRemain"],
      ["NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain"],
    ]);
    expect(conditions[3]?.message).toBe("Some resources are remaining: pods. has 2 resource instances, widgets.example.com has 1 resource instances");
    expect(conditions[4]?.message).toBe("Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances");
  });

  it("given unchanged conditions, keeps their transition times", () => {
    const empty = { remaining: new Map(), finalizers: new Map(), failures: [] };
    const first = namespaceConditions([], empty, now);
    expect(namespaceConditions(first, empty, "2024-02-02T00:00:00Z")).toEqual(first);
  });
});
