import { describe, expect, it } from "vitest";
import { parseSelector } from "../profiles/selector.ts";
import type { LabelSelector } from "../profiles/types.ts";
import { NS, ownerRef, pod, workload } from "./fixtures.test-util.ts";
import { selectPod, type PodTarget } from "./pods.ts";
import type { Observed } from "./types.ts";

const sel = (s: string): LabelSelector => {
  const r = parseSelector(s);
  if (!r.ok) throw new Error(r.problem);
  return r.selector;
};

const deployment: PodTarget = { kind: "deployment", name: "web" };
const statefulset: PodTarget = { kind: "statefulset", name: "db" };

const web = workload("web");
const rsNew = workload("web-new", { owner: ownerRef("Deployment", "web") });
const rsOld = workload("web-old", { owner: ownerRef("Deployment", "web") });
const ofRs = (name: string, rs: string, extra: Parameters<typeof pod>[1] = {}): ReturnType<typeof pod> =>
  pod(name, { labels: { app: "web" }, owner: ownerRef("ReplicaSet", rs), ...extra });

describe("selectPod", () => {
  it.each<[string, PodTarget, Observed, string]>([
    ["a deployment's only pod", deployment, { deployments: [web], replicaSets: [rsNew], pods: [ofRs("web-new-1", "web-new")] }, "web-new-1"],
    ["a rolling update: the old pod terminating", deployment, {
      deployments: [web],
      replicaSets: [rsNew, rsOld],
      pods: [ofRs("web-old-1", "web-old", { terminating: true }), ofRs("web-new-1", "web-new")],
    }, "web-new-1"],
    ["a pod with the labels but another owner (not the deployment's)", deployment, {
      deployments: [web],
      replicaSets: [rsNew],
      pods: [ofRs("web-new-1", "web-new"), pod("impostor", { labels: { app: "web" } })],
    }, "web-new-1"],
    ["no ReplicaSets observed: the deployment's selector", deployment, {
      deployments: [web],
      pods: [pod("web-x", { labels: { app: "web" } }), pod("api-x", { labels: { app: "api" } })],
    }, "web-x"],
    ["a statefulset's pod, next to a finished job pod", statefulset, {
      statefulSets: [workload("db")],
      pods: [pod("db-0", { owner: ownerRef("StatefulSet", "db") }), pod("db-migrate", { labels: { app: "db" }, phase: "Succeeded" })],
    }, "db-0"],
    ["a selector matching one running pod and one failed", { kind: "selector", selector: sel("app=web,tier in (fe)") }, {
      pods: [pod("a", { labels: { app: "web", tier: "fe" } }), pod("b", { labels: { app: "web", tier: "fe" }, phase: "Failed" }), pod("c", { labels: { app: "web" } })],
    }, "a"],
    ["a selector, with a matching pod in another namespace", { kind: "selector", selector: sel("app=web") }, {
      pods: [pod("here", { labels: { app: "web" } }), pod("there", { labels: { app: "web" }, namespace: "other" })],
    }, "here"],
    ["a pending pod (scheduling is checked later)", { kind: "selector", selector: sel("app=web") }, { pods: [pod("p", { labels: { app: "web" }, phase: "Pending", node: null })] }, "p"],
  ])("given %s, returns it", (_, target, observed, name) => {
    const r = selectPod(NS, target, observed);
    expect(r.ok && r.pod.metadata?.name).toBe(name);
  });

  it.each<[string, PodTarget, Observed, string, string]>([
    ["no deployment", deployment, { pods: [] }, "workload-not-found", `deployment "web" not found in namespace "apps"`],
    ["a deployment in another namespace", deployment, { deployments: [workload("web", { namespace: "x" })], pods: [] }, "workload-not-found", `deployment "web" not found in namespace "apps"`],
    ["no statefulset", statefulset, { statefulSets: [], pods: [] }, "workload-not-found", `statefulset "db" not found in namespace "apps"`],
    ["zero pods", deployment, { deployments: [web], replicaSets: [rsNew], pods: [] }, "no-pod", `no running pod for deployment "web" in namespace "apps"`],
    ["only a terminating pod", deployment, { deployments: [web], replicaSets: [rsNew], pods: [ofRs("web-new-1", "web-new", { terminating: true })] }, "no-pod",
      `no running pod for deployment "web" in namespace "apps"; ignored: web-new-1 (terminating)`],
    ["two pods", deployment, { deployments: [web], replicaSets: [rsNew], pods: [ofRs("web-new-1", "web-new"), ofRs("web-new-2", "web-new")] }, "several-pods",
      `2 pods for deployment "web" in namespace "apps": web-new-1, web-new-2; rafdir needs exactly one (one replica, or a narrower selector)`],
    ["a rolling update with both pods up", deployment, { deployments: [web], replicaSets: [rsNew, rsOld], pods: [ofRs("web-old-1", "web-old"), ofRs("web-new-1", "web-new")] }, "several-pods",
      "web-old-1, web-new-1"],
    ["a selector matching two", { kind: "selector", selector: sel("app=web") }, { pods: [pod("a", { labels: { app: "web" } }), pod("b", { labels: { app: "web" } })] }, "several-pods",
      `2 pods for selector "app=web" in namespace "apps": a, b`],
    ["a deployment with an empty selector and no ReplicaSets", deployment, { deployments: [{ metadata: { name: "web", namespace: NS }, spec: {} }], pods: [] }, "workload-selector",
      `deployment "web" in namespace "apps" has no usable spec.selector`],
  ])("given %s, fails with %s", (_, target, observed, reason, message) => {
    const r = selectPod(NS, target, observed);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message).toContain(message);
    }
  });
});
