import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KObject } from "../apiserver/types.ts";
import { GarbageCollector } from "./gc.ts";
import { container, createNamespace, deployment, harness, statefulSet, waitFor, type Harness } from "./controller-harness.test-util.ts";
import { DeploymentController, ReplicaSetController, StatefulSetController } from "./workloads.ts";

const NS = "apps";
let h: Harness;

beforeEach(() => {
  h = harness();
  createNamespace(h.api, NS);
  h.start(
    (ctx) => new DeploymentController(ctx),
    (ctx) => new ReplicaSetController(ctx),
    (ctx) => new StatefulSetController(ctx),
    (ctx) => new GarbageCollector(ctx),
  );
});
afterEach(async () => {
  await h.close();
  expect(h.problems).toEqual([]);
});

const pods = (labels?: string) => h.api.list(h.r.pods, NS, labels ? { labelSelector: labels } : {}).items;
const replicaSets = () => h.api.list(h.r.replicasets, NS).items;
const status = (obj: KObject | undefined) => (obj?.["status"] ?? {}) as Record<string, unknown>;
const getDeploy = (name: string) => h.api.tryGet(h.r.deployments, NS, name);
const spec = (obj: KObject) => obj["spec"] as Record<string, unknown>;

/** The Deployment when its rollout is complete (what `kubectl rollout status` waits for), else undefined. */
function rolledOutNow(name: string, replicas: number): KObject | undefined {
  const d = getDeploy(name);
  const s = status(d);
  const done = s["observedGeneration"] === d?.metadata.generation && s["updatedReplicas"] === replicas && s["availableReplicas"] === replicas && s["replicas"] === replicas;
  return done && pods(`app=${name}`).length === replicas ? d : undefined;
}

const rolledOut = (name: string, replicas: number) => waitFor(() => rolledOutNow(name, replicas));

describe("Deployment and ReplicaSet controllers", { timeout: 30_000 }, () => {
  it("given a Deployment, creates a hashed ReplicaSet and its pods and reports availability", async () => {
    h.api.create(h.r.deployments, NS, deployment("web", 3));
    const dep = await rolledOut("web", 3);
    const [rs] = replicaSets();
    const hash = rs?.metadata.labels?.["pod-template-hash"] ?? "";
    expect(rs?.metadata.name).toBe(`web-${hash}`);
    expect(rs?.metadata.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: dep.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(spec(rs!)["selector"]).toEqual({ matchLabels: { app: "web", "pod-template-hash": hash } });
    for (const p of pods()) {
      expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata.labels).toEqual({ app: "web", "pod-template-hash": hash });
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", name: rs?.metadata.name, uid: rs?.metadata.uid, controller: true });
    }
    expect(status(dep)).toMatchObject({ observedGeneration: 1, replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(status(dep)["conditions"]).toMatchObject([
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
      { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
    ]);
    expect(status(rs)).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });
  });

  it("given a scale to 0 through the scale subresource, removes every pod", async () => {
    h.api.create(h.r.deployments, NS, deployment("web", 2));
    await rolledOut("web", 2);
    h.api.updateScale(h.r.deployments, NS, "web", { spec: { replicas: 0 } });
    await waitFor(() => pods().length === 0);
    const rs = replicaSets()[0]!;
    expect(spec(rs)["replicas"]).toBe(0);
    await waitFor(() => status(getDeploy("web"))["observedGeneration"] === 2 && status(getDeploy("web"))["replicas"] === undefined);
  });

  it("given a template change, rolls to a new ReplicaSet and keeps revisionHistoryLimit old ones", async () => {
    h.api.create(h.r.deployments, NS, deployment("web", 2, "nginx:1", { revisionHistoryLimit: 1 }));
    await rolledOut("web", 2);
    for (const image of ["nginx:2", "nginx:3"]) {
      const d = getDeploy("web")!;
      const template = spec(d)["template"] as { spec: { containers: unknown[] } };
      template.spec.containers = [container(image)];
      h.api.update(h.r.deployments, NS, "web", d);
      await waitFor(() => pods().every((p) => (p["spec"] as { containers: Array<{ image: string }> }).containers[0]?.image === image) && rolledOutNow("web", 2));
    }
    await rolledOut("web", 2);
    const rss = await waitFor(() => (replicaSets().length === 2 ? replicaSets() : undefined));
    const byRevision = rss.sort((a, b) => Number(a.metadata.annotations?.["deployment.kubernetes.io/revision"]) - Number(b.metadata.annotations?.["deployment.kubernetes.io/revision"]));
    expect(byRevision.map((rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"])).toEqual(["2", "3"]);
    expect(byRevision.map((rs) => spec(rs)["replicas"])).toEqual([0, 2]);
    expect(getDeploy("web")?.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    expect(pods().every((p) => p.metadata.labels?.["pod-template-hash"] === byRevision[1]?.metadata.labels?.["pod-template-hash"])).toBe(true);
  });

  it("given a ReplicaSet with a matching orphan pod, adopts it, and replaces a pod that failed", async () => {
    h.api.create(h.r.pods, NS, { apiVersion: "v1", kind: "Pod", metadata: { name: "stray", labels: { app: "solo" } }, spec: { containers: [container()] } });
    const rs = h.api.create(h.r.replicasets, NS, {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "solo" },
      spec: { replicas: 2, selector: { matchLabels: { app: "solo" } }, template: { metadata: { labels: { app: "solo" } }, spec: { containers: [container()] } } },
    }).object;
    await waitFor(() => pods().length === 2 && status(h.api.get(h.r.replicasets, NS, "solo"))["readyReplicas"] === 2);
    expect(h.api.get(h.r.pods, NS, "stray").metadata.ownerReferences).toMatchObject([{ kind: "ReplicaSet", uid: rs.metadata.uid, controller: true }]);
    const stray = h.api.get(h.r.pods, NS, "stray");
    h.api.update(h.r.pods, NS, "stray", { ...stray, status: { ...(stray["status"] as object), phase: "Failed" } }, { subresource: "status" });
    await waitFor(() => pods().filter((p) => (p["status"] as { phase?: string }).phase === "Running").length === 2);
    expect(pods()).toHaveLength(3); // the failed pod stays, like the real controller leaves it
  });

  it("given a Deployment deleted in the background, the garbage collector removes its ReplicaSet and pods", async () => {
    h.api.create(h.r.deployments, NS, deployment("web", 2));
    await rolledOut("web", 2);
    h.api.delete(h.r.deployments, NS, "web");
    await waitFor(() => replicaSets().length === 0 && pods().length === 0);
  });

  it("given a Deployment deleted with Orphan, leaves the ReplicaSet without ownerReferences and the pods running", async () => {
    h.api.create(h.r.deployments, NS, deployment("web", 2));
    await rolledOut("web", 2);
    h.api.delete(h.r.deployments, NS, "web", { propagationPolicy: "Orphan" });
    await waitFor(() => getDeploy("web") === undefined);
    const [rs] = replicaSets();
    expect(rs?.metadata.ownerReferences).toBeUndefined();
    expect(pods()).toHaveLength(2);
    expect(pods().every((p) => p.metadata.ownerReferences?.[0]?.uid === rs?.metadata.uid)).toBe(true);
  });

  it("given a Deployment deleted in the foreground, keeps it until its ReplicaSet and pods are gone", async () => {
    h.api.create(h.r.deployments, NS, deployment("web", 2));
    await rolledOut("web", 2);
    const marked = h.api.delete(h.r.deployments, NS, "web", { propagationPolicy: "Foreground" });
    expect(marked.metadata.finalizers).toEqual(["foregroundDeletion"]);
    let sawOrder = true;
    const stop = h.api.store.subscribe((e) => {
      if (e.type === "DELETED" && e.resource === "apps/deployments" && (pods().length > 0 || replicaSets().length > 0)) sawOrder = false;
    });
    await waitFor(() => getDeploy("web") === undefined);
    stop();
    expect(sawOrder).toBe(true);
    expect(replicaSets()).toHaveLength(0);
    expect(pods()).toHaveLength(0);
  });
});

describe("StatefulSet controller", { timeout: 30_000 }, () => {
  const claims = () => h.api.list(h.r.pvcs, NS).items;
  const getSts = () => h.api.tryGet(h.r.statefulsets, NS, "db");

  it("given OrderedReady, creates pods one by one with claims from volumeClaimTemplates", async () => {
    h.kubelet.readyDelayMs = 30;
    const order: Array<{ name: string; previousReady: boolean }> = [];
    const stop = h.api.store.subscribe((e) => {
      if (e.resource !== "/pods" || e.type !== "ADDED") return;
      const ordinal = Number(e.object.metadata.name?.split("-").pop());
      const prev = ordinal > 0 ? h.api.tryGet(h.r.pods, NS, `db-${ordinal - 1}`) : undefined;
      const prevReady = ordinal === 0 || (prev?.["status"] as { phase?: string } | undefined)?.phase === "Running";
      order.push({ name: e.object.metadata.name ?? "", previousReady: prevReady });
    });
    const sts = h.api.create(h.r.statefulsets, NS, statefulSet("db", 3)).object;
    await waitFor(() => status(getSts())["readyReplicas"] === 3);
    stop();
    expect(order).toEqual([0, 1, 2].map((i) => ({ name: `db-${i}`, previousReady: true })));
    for (const i of [0, 1, 2]) {
      const p = h.api.get(h.r.pods, NS, `db-${i}`);
      expect(p.metadata.labels).toMatchObject({ app: "db", "statefulset.kubernetes.io/pod-name": `db-${i}`, "apps.kubernetes.io/pod-index": String(i) });
      expect(p.metadata.ownerReferences).toMatchObject([{ kind: "StatefulSet", uid: sts.metadata.uid, controller: true }]);
      expect(p["spec"]).toMatchObject({ hostname: `db-${i}`, subdomain: "db", volumes: [{ name: "data", persistentVolumeClaim: { claimName: `data-db-${i}` } }] });
    }
    expect(claims().map((c) => c.metadata.name)).toEqual(["data-db-0", "data-db-1", "data-db-2"]);
    for (const c of claims()) {
      expect(c.metadata.labels).toEqual({ role: "storage", app: "db" });
      expect(c.metadata.ownerReferences).toBeUndefined();
    }
    const s = status(getSts());
    expect(s).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(s["currentRevision"]).toBe(s["updateRevision"]);
  });

  it("given a scale-down, removes the highest ordinals first and keeps the claims; deletion keeps them too", async () => {
    h.api.create(h.r.statefulsets, NS, statefulSet("db", 3, { podManagementPolicy: "Parallel" }));
    await waitFor(() => status(getSts())["readyReplicas"] === 3);
    const deleted: string[] = [];
    const stop = h.api.store.subscribe((e) => {
      if (e.resource === "/pods" && e.type === "MODIFIED" && e.object.metadata.deletionTimestamp && !e.old?.metadata.deletionTimestamp) deleted.push(e.object.metadata.name ?? "");
    });
    h.api.create(h.r.statefulsets, NS, statefulSet("seq", 3));
    await waitFor(() => h.api.list(h.r.pods, NS, { labelSelector: "app=seq" }).items.filter((p) => (p["status"] as { phase: string }).phase === "Running").length === 3);
    h.api.updateScale(h.r.statefulsets, NS, "seq", { spec: { replicas: 1 } });
    await waitFor(() => h.api.list(h.r.pods, NS, { labelSelector: "app=seq" }).items.length === 1);
    stop();
    expect(deleted).toEqual(["seq-2", "seq-1"]);
    expect(h.api.tryGet(h.r.pods, NS, "seq-0")).toBeDefined();
    expect(claims().map((c) => c.metadata.name)).toEqual(["data-db-0", "data-db-1", "data-db-2", "data-seq-0", "data-seq-1", "data-seq-2"]);
    h.api.delete(h.r.statefulsets, NS, "db");
    await waitFor(() => pods("app=db").length === 0);
    expect(claims()).toHaveLength(6);
  });

  it("given a template change, replaces pods from the highest ordinal and moves currentRevision", async () => {
    h.api.create(h.r.statefulsets, NS, statefulSet("db", 2));
    const first = await waitFor(() => (status(getSts())["readyReplicas"] === 2 ? status(getSts())["updateRevision"] : undefined));
    const sts = getSts()!;
    (spec(sts)["template"] as { spec: { containers: unknown[] } }).spec.containers = [container("postgres:17")];
    h.api.update(h.r.statefulsets, NS, "db", sts);
    await waitFor(() => {
      const s = status(getSts());
      return s["updateRevision"] !== first && s["currentRevision"] === s["updateRevision"] && s["readyReplicas"] === 2 && s["updatedReplicas"] === 2;
    });
    expect(pods().map((p) => (p["spec"] as { containers: Array<{ image: string }> }).containers[0]?.image)).toEqual(["postgres:17", "postgres:17"]);
  });
});
