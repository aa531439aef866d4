import { describe, expect, it } from "vitest";
import type { KObject } from "../apiserver/types.ts";
import { compareForDeletion, decideReplicaSetPods, podFromReplicaSet, replicaSetStatus } from "./replicaset.ts";
import { pod, running } from "./workload-fixtures.test-util.ts";

function rs(replicas: number, minReadySeconds = 0): KObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web-abc", namespace: "ns", uid: "rs-uid", generation: 3 },
    spec: {
      replicas,
      minReadySeconds,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web", tier: "front" }, annotations: { note: "x" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
    },
  };
}

describe("decideReplicaSetPods", () => {
  it.each<[string, number, KObject[], { create: number; delete: string[] }]>([
    ["no pods, three wanted", 3, [], { create: 3, delete: [] }],
    ["exactly enough", 2, [running("a"), running("b")], { create: 0, delete: [] }],
    ["deleting pods do not count", 2, [running("a"), running("b", { deleting: true })], { create: 1, delete: [] }],
    ["ended pods are replaced", 2, [running("a"), pod("b", { phase: "Failed", node: "n" }), pod("c", { phase: "Succeeded", node: "n" })], { create: 1, delete: [] }],
    ["scale to zero deletes all active", 0, [running("a"), running("b"), running("c", { deleting: true })], { create: 0, delete: ["a", "b"] }],
    ["surplus prefers the unscheduled pod", 2, [running("a"), pod("b"), running("c")], { create: 0, delete: ["b"] }],
    ["surplus prefers the not-ready pod", 1, [running("a"), running("b", { ready: false })], { create: 0, delete: ["b"] }],
    ["surplus prefers the newest among equals", 1, [running("a", { created: "2024-01-01T00:00:00Z" }), running("b", { created: "2024-01-02T00:00:00Z" })], { create: 0, delete: ["b"] }],
    ["negative replicas behave as zero", -1, [running("a")], { create: 0, delete: ["a"] }],
  ])("given %s, plans the difference", (_name, replicas, pods, expected) => {
    expect(decideReplicaSetPods(replicas, pods)).toEqual(expected);
  });
});

describe("compareForDeletion", () => {
  it("given pods in mixed states, orders unscheduled, pending, not ready, ready", () => {
    const pods = [running("ready"), pod("unscheduled"), pod("pending", { node: "n" }), running("notready", { ready: false })];
    expect([...pods].sort(compareForDeletion).map((p) => p.metadata.name)).toEqual(["unscheduled", "pending", "notready", "ready"]);
  });
});

describe("replicaSetStatus", () => {
  const now = Date.parse("2024-01-01T00:01:00Z");

  it("given active, deleting and failed pods, counts only active ones", () => {
    const pods = [
      running("a", { labels: { app: "web", tier: "front" } }),
      running("b", { labels: { app: "web" }, ready: false }),
      running("c", { deleting: true }),
      pod("d", { phase: "Failed" }),
    ];
    const { status, requeueMs } = replicaSetStatus(rs(2), pods, now);
    expect(status).toEqual({ replicas: 2, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 3 });
    expect(requeueMs).toBeUndefined();
  });

  it("given minReadySeconds not yet elapsed, reports ready but not available and asks for a requeue", () => {
    const pods = [running("a", { readySince: "2024-01-01T00:00:50Z" })];
    const { status, requeueMs } = replicaSetStatus(rs(1, 30), pods, now);
    expect(status["readyReplicas"]).toBe(1);
    expect(status["availableReplicas"]).toBeUndefined();
    expect(requeueMs).toBeGreaterThanOrEqual(20_000);
  });

  it("given a create failure, sets ReplicaFailure and drops it once creation works", () => {
    const failed = replicaSetStatus(rs(1), [], now, "forbidden").status;
    expect(failed["conditions"]).toMatchObject([{ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "forbidden" }]);
    const healed = replicaSetStatus({ ...rs(1), status: failed }, [running("a")], now).status;
    expect(healed["conditions"]).toBeUndefined();
  });
});

describe("podFromReplicaSet", () => {
  it("given a ReplicaSet, returns a pod from its template owned by it", () => {
    const p = podFromReplicaSet(rs(1));
    expect(p.metadata).toEqual({
      generateName: "web-abc-",
      namespace: "ns",
      labels: { app: "web", tier: "front" },
      annotations: { note: "x" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: "rs-uid", controller: true, blockOwnerDeletion: true }],
    });
    expect(p["spec"]).toEqual({ containers: [{ name: "c", image: "nginx" }] });
  });
});
