import { describe, expect, it } from "vitest";
import type { KObject } from "../apiserver/types.ts";
import {
  REVISION_LABEL,
  claimFor,
  decideStatefulSet,
  ordinalOf,
  podFor,
  statefulSetStatus,
  updateRevision,
  type StsPlan,
  type StsPlanInput,
  type StsPod,
} from "./statefulset-plan.ts";
import { running } from "./workload-fixtures.test-util.ts";

const p = (ordinal: number, state: Partial<StsPod> = {}): StsPod => ({
  name: `db-${ordinal}`,
  ordinal,
  revision: "r2",
  healthy: true,
  ended: false,
  deleting: false,
  ...state,
});

const input = (replicas: number, pods: StsPod[], extra: Partial<StsPlanInput> = {}): StsPlanInput => ({
  replicas,
  start: 0,
  ordered: true,
  partition: 0,
  updateRevision: "r2",
  pods,
  ...extra,
});

describe("decideStatefulSet", () => {
  it.each<[string, StsPlanInput, StsPlan]>([
    ["ordered: first pod", input(3, []), { create: [0], delete: [] }],
    ["ordered: next ordinal once the previous is ready", input(3, [p(0)]), { create: [1], delete: [] }],
    ["ordered: waits for an unready pod", input(3, [p(0, { healthy: false })]), { create: [], delete: [] }],
    ["ordered: fills a gap first", input(3, [p(0), p(2)]), { create: [1], delete: [] }],
    ["parallel: all at once", input(3, [], { ordered: false }), { create: [0, 1, 2], delete: [] }],
    ["parallel: does not wait for readiness", input(3, [p(0, { healthy: false })], { ordered: false }), { create: [1, 2], delete: [] }],
    ["ordered: scale down removes the highest ordinal only", input(1, [p(0), p(1), p(2)]), { create: [], delete: ["db-2"] }],
    ["ordered: scale down waits for the terminating pod", input(1, [p(0), p(1), p(2, { deleting: true })]), { create: [], delete: [] }],
    ["ordered: scale down waits for unhealthy in-range pods", input(1, [p(0, { healthy: false }), p(1)]), { create: [], delete: [] }],
    ["parallel: scale down removes all condemned", input(1, [p(0), p(1), p(2)], { ordered: false }), { create: [], delete: ["db-2", "db-1"] }],
    ["scale to zero", input(0, [p(0), p(1)]), { create: [], delete: ["db-1"] }],
    ["replaces a failed pod", input(2, [p(0), p(1, { ended: true, healthy: false })]), { create: [], delete: ["db-1"] }],
    ["waits for a deleted pod before recreating it", input(2, [p(0), p(1, { deleting: true })], { ordered: false }), { create: [], delete: [] }],
    ["rolling update: highest outdated pod first", input(3, [p(0, { revision: "r1" }), p(1, { revision: "r1" }), p(2)]), { create: [], delete: ["db-1"] }],
    ["rolling update: respects the partition", input(3, [p(0, { revision: "r1" }), p(1), p(2)], { partition: 1 }), { create: [], delete: [] }],
    ["rolling update: one at a time", input(2, [p(0, { revision: "r1" }), p(1, { deleting: true })]), { create: [], delete: [] }],
    ["OnDelete: never replaces outdated pods", input(2, [p(0, { revision: "r1" }), p(1, { revision: "r1" })], { partition: undefined }), { create: [], delete: [] }],
    ["ordinals.start shifts the range", input(2, [p(3), p(0)], { start: 3 }), { create: [4], delete: [] }],
  ])("given %s, returns the plan", (_name, plan, expected) => {
    expect(decideStatefulSet(plan)).toEqual(expected);
  });
});

describe("ordinalOf", () => {
  it.each<[string, number | undefined]>([
    ["db-0", 0],
    ["db-12", 12],
    ["db-01", undefined],
    ["db-x", undefined],
    ["dbx-1", undefined],
    ["db-", undefined],
  ])("given %s, returns %s", (name, expected) => {
    expect(ordinalOf("db", name)).toBe(expected);
  });
});

const sts = (extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "db", namespace: "ns", uid: "sts-uid", generation: 4 },
  spec: {
    replicas: 2,
    serviceName: "db-hl",
    selector: { matchLabels: { app: "db" } },
    template: {
      metadata: { labels: { app: "db" } },
      spec: { containers: [{ name: "c", image: "postgres" }], volumes: [{ name: "data", emptyDir: {} }, { name: "cfg", configMap: { name: "x" } }] },
    },
    volumeClaimTemplates: [{ metadata: { name: "data", labels: { kind: "storage" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
    ...extra,
  },
});

describe("podFor / claimFor", () => {
  it("given an ordinal, returns the pod with identity labels, hostname and the claim volume", () => {
    const pod = podFor(sts(), 1, "db-rev");
    expect(pod.metadata.name).toBe("db-1");
    expect(pod.metadata.labels).toEqual({
      app: "db",
      "statefulset.kubernetes.io/pod-name": "db-1",
      "apps.kubernetes.io/pod-index": "1",
      [REVISION_LABEL]: "db-rev",
    });
    expect(pod.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "sts-uid", controller: true, blockOwnerDeletion: true }]);
    expect(pod["spec"]).toMatchObject({
      hostname: "db-1",
      subdomain: "db-hl",
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-db-1" } }, { name: "cfg", configMap: { name: "x" } }],
    });
  });

  it("given the default retention policy, returns an unowned claim with template and selector labels", () => {
    const claim = claimFor(sts(), { metadata: { name: "data", labels: { kind: "storage" } }, spec: { accessModes: ["ReadWriteOnce"] } }, 0);
    expect(claim.metadata).toEqual({ name: "data-db-0", namespace: "ns", labels: { kind: "storage", app: "db" } });
    expect(claim["spec"]).toEqual({ accessModes: ["ReadWriteOnce"] });
  });

  it("given whenDeleted: Delete, returns a claim owned by the StatefulSet", () => {
    const claim = claimFor(sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete" } }), { metadata: { name: "data" } }, 0);
    expect(claim.metadata.ownerReferences).toMatchObject([{ kind: "StatefulSet", uid: "sts-uid", controller: false }]);
  });
});

describe("statefulSetStatus", () => {
  it("given pods of two revisions, counts current and updated ones", () => {
    const set = { ...sts(), status: { currentRevision: "db-old" } };
    const rev = updateRevision(set);
    const pods = [running("db-0", { labels: { [REVISION_LABEL]: "db-old" } }), running("db-1", { labels: { [REVISION_LABEL]: rev }, ready: false })];
    const { status } = statefulSetStatus(set, pods, Date.parse("2024-01-01T00:01:00Z"));
    expect(status).toEqual({
      observedGeneration: 4,
      replicas: 2,
      readyReplicas: 1,
      currentReplicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
      currentRevision: "db-old",
      updateRevision: rev,
      collisionCount: 0,
    });
  });

  it("given every pod on the update revision, moves currentRevision forward", () => {
    const set = { ...sts(), status: { currentRevision: "db-old" } };
    const rev = updateRevision(set);
    const pods = [running("db-0", { labels: { [REVISION_LABEL]: rev } }), running("db-1", { labels: { [REVISION_LABEL]: rev } })];
    expect(statefulSetStatus(set, pods, Date.parse("2024-01-01T00:01:00Z")).status).toMatchObject({ currentRevision: rev, currentReplicas: 2, updatedReplicas: 2 });
  });
});
