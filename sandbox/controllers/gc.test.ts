import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError, type KObject } from "../apiserver/types.ts";
import { createNamespace, deployment, harness, waitFor, type Harness } from "./controller-harness.test-util.ts";
import { GarbageCollector, NamespaceController } from "./gc.ts";
import { DeploymentController, ReplicaSetController } from "./workloads.ts";

let h: Harness;

beforeEach(() => {
  h = harness();
  h.start(
    (ctx) => new DeploymentController(ctx),
    (ctx) => new ReplicaSetController(ctx),
    (ctx) => new GarbageCollector(ctx),
    (ctx) => new NamespaceController(ctx),
  );
});
afterEach(async () => {
  await h.close();
  expect(h.problems).toEqual([]);
});

const configMap = (name: string, extra: Partial<KObject["metadata"]> = {}): KObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...extra }, data: { a: "b" } });

describe("GarbageCollector", { timeout: 30_000 }, () => {
  it("given an owner deleted, deletes dependents owned only by it and unlinks those with another owner", async () => {
    createNamespace(h.api, "gc");
    const owner = h.api.create(h.r.configmaps, "gc", configMap("owner")).object;
    const other = h.api.create(h.r.configmaps, "gc", configMap("other")).object;
    const ref = (o: KObject) => ({ apiVersion: "v1", kind: "ConfigMap", name: o.metadata.name ?? "", uid: o.metadata.uid ?? "" });
    h.api.create(h.r.configmaps, "gc", configMap("only", { ownerReferences: [ref(owner)] }));
    h.api.create(h.r.configmaps, "gc", configMap("shared", { ownerReferences: [ref(owner), ref(other)] }));
    h.api.create(h.r.configmaps, "gc", configMap("dangling", { ownerReferences: [{ ...ref(owner), uid: "no-such-uid" }] }));
    await waitFor(() => h.api.tryGet(h.r.configmaps, "gc", "dangling") === undefined);
    expect(h.api.tryGet(h.r.configmaps, "gc", "only")).toBeDefined();
    h.api.delete(h.r.configmaps, "gc", "owner");
    await waitFor(() => h.api.tryGet(h.r.configmaps, "gc", "only") === undefined);
    await waitFor(() => h.api.get(h.r.configmaps, "gc", "shared").metadata.ownerReferences?.length === 1);
    expect(h.api.get(h.r.configmaps, "gc", "shared").metadata.ownerReferences).toEqual([ref(other)]);
  });

  it("given a cluster-scoped owner, keeps namespaced dependents while it exists", async () => {
    createNamespace(h.api, "gc2");
    const node = h.api.create(h.r.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } }).object;
    h.api.create(h.r.configmaps, "gc2", configMap("of-node", { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: node.metadata.uid ?? "" }] }));
    await new Promise((r) => setTimeout(r, 100));
    expect(h.api.tryGet(h.r.configmaps, "gc2", "of-node")).toBeDefined();
    h.api.delete(h.r.nodes, undefined, "n1");
    await waitFor(() => h.api.tryGet(h.r.configmaps, "gc2", "of-node") === undefined);
  });
});

describe("NamespaceController", { timeout: 30_000 }, () => {
  it("given a namespace deleted, removes its content, waits for finalizers, then removes it", async () => {
    createNamespace(h.api, "doomed");
    h.api.create(h.r.configmaps, "doomed", configMap("plain"));
    h.api.create(h.r.configmaps, "doomed", configMap("held", { finalizers: ["example.com/hold"] }));
    h.api.create(h.r.deployments, "doomed", deployment("web", 2));
    await waitFor(() => h.api.list(h.r.pods, "doomed").items.filter((p) => (p["status"] as { phase?: string }).phase === "Running").length === 2);

    const marked = h.api.delete(h.r.namespaces, undefined, "doomed");
    expect((marked["status"] as { phase?: string }).phase).toBe("Terminating");
    let refusal: unknown;
    try {
      h.api.create(h.r.configmaps, "doomed", configMap("late"));
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toBeInstanceOf(ApiError);
    expect((refusal as ApiError).code).toBe(403);

    const waiting = await waitFor(() => {
      const ns = h.api.tryGet(h.r.namespaces, undefined, "doomed");
      const conditions = ((ns?.["status"] as { conditions?: Array<{ type: string; status: string; message: string }> } | undefined)?.conditions ?? []);
      const content = conditions.find((c) => c.type === "NamespaceContentRemaining");
      return content?.message === "Some resources are remaining: configmaps. has 1 resource instances" ? conditions : undefined;
    });
    expect(waiting.find((c) => c.type === "NamespaceFinalizersRemaining")?.message).toBe(
      "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances",
    );
    expect(h.api.list(h.r.configmaps, "doomed").items.map((c) => c.metadata.name)).toEqual(["held"]);

    const held = h.api.get(h.r.configmaps, "doomed", "held");
    h.api.update(h.r.configmaps, "doomed", "held", { ...held, metadata: { ...held.metadata, finalizers: [] } });
    await waitFor(() => h.api.tryGet(h.r.namespaces, undefined, "doomed") === undefined);
  });

  it("given a namespace with custom resources, deletes them too", async () => {
    h.api.create(h.api.resource("apiextensions.k8s.io", "v1", "customresourcedefinitions"), undefined, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    });
    const widgets = h.api.resource("example.com", "v1", "widgets");
    createNamespace(h.api, "crs");
    h.api.create(widgets, "crs", { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1" }, spec: { size: 1 } });
    h.api.delete(h.r.namespaces, undefined, "crs");
    await waitFor(() => h.api.tryGet(h.r.namespaces, undefined, "crs") === undefined);
    expect(h.api.list(widgets, "crs").items).toEqual([]);
  });
});
