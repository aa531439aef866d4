import { describe, expect, it } from "vitest";
import type { KObject } from "../apiserver/types.ts";
import {
  REVISION,
  deploymentStatus,
  planDeploymentScale,
  replicaSetsToPrune,
  resolveIntOrPercent,
  rolloutLimits,
  type RsState,
  type ScaleInput,
} from "./deployment-plan.ts";

const rs = (name: string, replicas: number, available = replicas, current = replicas): RsState => ({ name, replicas, current, available });

describe("resolveIntOrPercent / rolloutLimits", () => {
  it.each<[number | string | undefined, number, boolean, number]>([
    [2, 10, true, 2],
    ["25%", 10, true, 3],
    ["25%", 10, false, 2],
    [undefined, 4, true, 1],
    ["0%", 5, true, 0],
  ])("given %s of %i (round up %s), returns %i", (value, total, up, expected) => {
    expect(resolveIntOrPercent(value, total, up, "25%")).toBe(expected);
  });

  it.each<[unknown, number, { maxSurge: number; maxUnavailable: number }]>([
    [undefined, 4, { maxSurge: 1, maxUnavailable: 1 }],
    [{ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } }, 3, { maxSurge: 1, maxUnavailable: 0 }],
    [{ type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }, 3, { maxSurge: 0, maxUnavailable: 1 }],
    [{ type: "Recreate" }, 3, { maxSurge: 0, maxUnavailable: 0 }],
  ])("given strategy %j and %i replicas, returns %j", (strategy, replicas, expected) => {
    expect(rolloutLimits(strategy as never, replicas)).toEqual(expected);
  });
});

describe("planDeploymentScale", () => {
  const base = { recreate: false, maxSurge: 1, maxUnavailable: 0 };
  it.each<[string, ScaleInput, Record<string, number>]>([
    ["first rollout", { ...base, replicas: 3, newRs: rs("new", 0), oldRss: [] }, { new: 3 }],
    ["scale up with no rollout", { ...base, replicas: 5, newRs: rs("new", 3), oldRss: [rs("old", 0, 0, 0)] }, { new: 5, old: 0 }],
    ["scale to zero", { ...base, replicas: 0, newRs: rs("new", 3), oldRss: [] }, { new: 0 }],
    ["rollout starts within surge", { ...base, replicas: 3, newRs: rs("new", 0), oldRss: [rs("old", 3)] }, { new: 1, old: 3 }],
    ["old scales down as new becomes available", { ...base, replicas: 3, newRs: rs("new", 1, 1), oldRss: [rs("old", 3)] }, { new: 1, old: 2 }],
    ["unavailable new pods hold the old ones", { ...base, replicas: 3, newRs: rs("new", 1, 0), oldRss: [rs("old", 3)] }, { new: 1, old: 3 }],
    ["unhealthy old pods go first", { ...base, maxUnavailable: 1, replicas: 3, newRs: rs("new", 1, 0), oldRss: [rs("old", 3, 1)] }, { new: 1, old: 2 }],
    ["rollout finishes", { ...base, replicas: 3, newRs: rs("new", 3, 3), oldRss: [rs("old", 1)] }, { new: 3, old: 0 }],
    ["shrinking deployment mid-rollout", { ...base, replicas: 1, newRs: rs("new", 2, 2), oldRss: [rs("old", 2)] }, { new: 1, old: 0 }],
    ["recreate scales old down first", { ...base, recreate: true, replicas: 2, newRs: rs("new", 0), oldRss: [rs("old", 2)] }, { new: 0, old: 0 }],
    ["recreate waits for old pods to go", { ...base, recreate: true, replicas: 2, newRs: rs("new", 0), oldRss: [rs("old", 0, 0, 1)] }, { new: 0, old: 0 }],
    ["recreate then scales the new one up", { ...base, recreate: true, replicas: 2, newRs: rs("new", 0), oldRss: [rs("old", 0, 0, 0)] }, { new: 2, old: 0 }],
  ])("given %s, returns the targets", (_name, input, expected) => {
    expect(Object.fromEntries(planDeploymentScale(input))).toEqual(expected);
  });
});

function replicaSet(name: string, revision: number, replicas: number, current = replicas, extra: Partial<KObject["metadata"]> = {}): KObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, annotations: { [REVISION]: String(revision) }, ...extra },
    spec: { replicas },
    status: { replicas: current, readyReplicas: current, availableReplicas: current },
  };
}

describe("replicaSetsToPrune", () => {
  it.each<[string, KObject[], number, string[]]>([
    ["within the limit", [replicaSet("a", 1, 0), replicaSet("b", 2, 0)], 2, []],
    ["oldest revisions beyond the limit", [replicaSet("c", 3, 0), replicaSet("a", 1, 0), replicaSet("b", 2, 0)], 1, ["a", "b"]],
    ["skips scaled-up and still-running ones", [replicaSet("a", 1, 1), replicaSet("b", 2, 0, 1), replicaSet("c", 3, 0)], 0, ["c"]],
    ["skips ones being deleted", [replicaSet("a", 1, 0, 0, { deletionTimestamp: "2024-01-01T00:00:00Z" })], 0, []],
  ])("given %s, returns the ReplicaSets to delete", (_name, olds, limit, expected) => {
    expect(replicaSetsToPrune(olds, limit)).toEqual(expected);
  });
});

describe("deploymentStatus", () => {
  const dep = (replicas: number, status: Record<string, unknown> = {}): KObject => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", generation: 2 },
    spec: { replicas, progressDeadlineSeconds: 60 },
    status,
  });
  const now = "2024-01-01T00:00:00Z";

  it("given a complete rollout, reports Available and NewReplicaSetAvailable", () => {
    const newRs = replicaSet("web-1", 2, 3);
    const status = deploymentStatus({ deployment: dep(3), newRs, all: [newRs], now, maxUnavailable: 0, created: false });
    expect(status).toMatchObject({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(status["unavailableReplicas"]).toBeUndefined();
    expect(status["conditions"]).toMatchObject([
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
      { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: 'ReplicaSet "web-1" has successfully progressed.' },
    ]);
  });

  it("given a fresh ReplicaSet, reports NewReplicaSetCreated and missing availability", () => {
    const newRs = replicaSet("web-1", 1, 2, 0);
    const status = deploymentStatus({ deployment: dep(2), newRs, all: [newRs], now, maxUnavailable: 0, created: true });
    expect(status["unavailableReplicas"]).toBe(2);
    expect(status["conditions"]).toMatchObject([
      { type: "Available", status: "False", reason: "MinimumReplicasUnavailable" },
      { type: "Progressing", status: "True", reason: "NewReplicaSetCreated", message: 'Created new replica set "web-1"' },
    ]);
  });

  it("given no progress past progressDeadlineSeconds, reports ProgressDeadlineExceeded", () => {
    const newRs = replicaSet("web-1", 1, 2, 0);
    const old = {
      conditions: [{ type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: "x", lastUpdateTime: "2023-12-31T23:58:00Z", lastTransitionTime: "2023-12-31T23:58:00Z" }],
    };
    const status = deploymentStatus({ deployment: dep(2, old), newRs, all: [newRs], now, maxUnavailable: 0, created: false });
    expect(status["conditions"]).toContainEqual(expect.objectContaining({ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }));
  });
});
