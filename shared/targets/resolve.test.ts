import { describe, expect, it } from "vitest";
import type { Profile } from "../profiles/types.ts";
import { container, deploymentWorld, mount, node, NS, ownerRef, pod, profile, pvc, pvcVolume, workload } from "./fixtures.test-util.ts";
import { resolveTarget, type ResolvedTarget } from "./resolve.ts";
import type { Observed, VolumeSource } from "./types.ts";

const webData: VolumeSource = { kind: "pvc", pvc: "web-data", storageClass: "standard", capacity: "1Gi", mounts: [{ folder: "/data", mountPath: "/data" }] };

describe("resolveTarget", () => {
  it.each<[string, Partial<Profile>, Observed, ResolvedTarget]>([
    ["a deployment", {}, deploymentWorld(), {
      pod: { namespace: NS, name: "web-abc-1", uid: "uid-web-abc-1" },
      node: "node-1",
      volumes: [webData],
      notes: [],
    }],
    ["a statefulset with two folders on two PVCs", { target: { kind: "statefulset", name: "db" }, folders: ["/var/lib/db", "/var/log/db"] }, {
      statefulSets: [workload("db")],
      pods: [pod("db-0", {
        owner: ownerRef("StatefulSet", "db"),
        node: "node-2",
        containers: [container("db", mount("data", "/var/lib/db"), mount("logs", "/var/log/db"))],
        volumes: [pvcVolume("data", "data-db-0"), pvcVolume("logs", "logs-db-0")],
      })],
      pvcs: [pvc("data-db-0"), pvc("logs-db-0")],
    }, {
      pod: { namespace: NS, name: "db-0", uid: "uid-db-0" },
      node: "node-2",
      volumes: [
        { kind: "pvc", pvc: "data-db-0", mounts: [{ folder: "/var/lib/db", mountPath: "/var/lib/db" }] },
        { kind: "pvc", pvc: "logs-db-0", mounts: [{ folder: "/var/log/db", mountPath: "/var/log/db" }] },
      ],
      notes: [],
    }],
    ["a selector", { target: { kind: "selector", selector: { matchLabels: { app: "web" }, matchExpressions: [] } } }, deploymentWorld(), {
      pod: { namespace: NS, name: "web-abc-1", uid: "uid-web-abc-1" },
      node: "node-1",
      volumes: [webData],
      notes: [],
    }],
    ["a node (no pod: its host paths)", { target: { kind: "node", node: "node-1" }, folders: ["/etc/kubernetes", "/var/lib/etcd"] }, { pods: [], nodes: [node("node-1")] }, {
      node: "node-1",
      volumes: [
        { kind: "hostPath", hostPath: "/etc/kubernetes", mounts: [{ folder: "/etc/kubernetes", mountPath: "/etc/kubernetes", readOnly: true }] },
        { kind: "hostPath", hostPath: "/var/lib/etcd", mounts: [{ folder: "/var/lib/etcd", mountPath: "/var/lib/etcd", readOnly: true }] },
      ],
      notes: [],
    }],
    ["a node when nodes were not observed", { target: { kind: "node", node: "cp" }, folders: ["/etc"] }, { pods: [] }, {
      node: "cp",
      volumes: [{ kind: "hostPath", hostPath: "/etc", mounts: [{ folder: "/etc", mountPath: "/etc", readOnly: true }] }],
      notes: [],
    }],
    ["a stdin-only profile without a target", { target: { kind: "none" }, folders: [] }, { pods: [] }, { volumes: [], notes: [] }],
    ["a stdin-only profile with a deployment (the pod, no volumes)", { folders: [] }, deploymentWorld(), {
      pod: { namespace: NS, name: "web-abc-1", uid: "uid-web-abc-1" },
      node: "node-1",
      volumes: [],
      notes: [],
    }],
    ["command-before/after in the default container", {
      commandBefore: { command: ["sh", "-c", "maintenance on"] },
      commandAfter: { command: ["sh", "-c", "maintenance off"], container: "sidecar" },
    }, deploymentWorld({
      containers: [container("app", mount("data", "/data")), container("sidecar")],
      annotations: { "kubectl.kubernetes.io/default-container": "app" },
    }), {
      pod: { namespace: NS, name: "web-abc-1", uid: "uid-web-abc-1" },
      node: "node-1",
      volumes: [webData],
      notes: [],
      commandBefore: { namespace: NS, pod: "web-abc-1", container: "app", command: ["sh", "-c", "maintenance on"] },
      commandAfter: { namespace: NS, pod: "web-abc-1", container: "sidecar", command: ["sh", "-c", "maintenance off"] },
    }],
  ])("given %s, returns the target", (_, extra, observed, target) => {
    expect(resolveTarget(profile(extra), observed)).toEqual({ ok: true, target });
  });

  it.each<[string, Partial<Profile>, Observed, string, string]>([
    ["zero pods", {}, { ...deploymentWorld(), pods: [] }, "no-pod", `no running pod for deployment "web" in namespace "apps"`],
    ["two pods", {}, (() => {
      const w = deploymentWorld();
      const second = pod("web-abc-2", { labels: { app: "web" }, owner: ownerRef("ReplicaSet", "web-abc") });
      return { ...w, pods: [...w.pods, second] };
    })(), "several-pods", "2 pods for deployment \"web\" in namespace \"apps\": web-abc-1, web-abc-2"],
    ["an unscheduled pod", {}, deploymentWorld({ node: null, phase: "Pending" }), "pod-not-scheduled", `pod "apps/web-abc-1" is not scheduled on a node yet (Pending)`],
    ["a folder not mounted", { folders: ["/data", "/uploads"] }, deploymentWorld(), "folder-not-mounted",
      `folder "/uploads" is not on any volume mounted in pod "apps/web-abc-1" (mount paths: /data)`],
    ["a missing node", { target: { kind: "node", node: "gone" } }, { pods: [], nodes: [node("node-1")] }, "node-not-found", `node "gone" not found`],
    ["a node that is not Ready", { target: { kind: "node", node: "node-1" } }, { pods: [], nodes: [node("node-1", "Unknown")] }, "node-not-ready", `node "node-1" is not Ready (Ready=Unknown)`],
    ["a command-before container that does not exist", { commandBefore: { command: ["true"], container: "db" } }, deploymentWorld(), "container-not-found",
      `container "db" (command-before.container) is not in pod "apps/web-abc-1" (containers: app)`],
    ["a command in a pod with two containers and no default", { commandAfter: { command: ["true"] } }, deploymentWorld({ containers: [container("app", mount("data", "/data")), container("proxy")] }),
      "container-ambiguous", `pod "apps/web-abc-1" has 2 containers (app, proxy); set command-after.container to choose one`],
  ])("given %s, fails with %s", (_, extra, observed, reason, message) => {
    const r = resolveTarget(profile(extra), observed);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message).toContain(message);
    }
  });
});
