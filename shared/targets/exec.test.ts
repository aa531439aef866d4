import { describe, expect, it } from "vitest";
import type { Profile } from "../profiles/types.ts";
import { resolveStdinTarget } from "./exec.ts";
import { container, deploymentWorld, NS, pod, profile } from "./fixtures.test-util.ts";
import type { ExecTarget, Observed } from "./types.ts";

const DUMP = ["sh", "-c", "pg_dumpall -U postgres"];
const pg = (extra: Parameters<typeof pod>[1] = {}): ReturnType<typeof pod> =>
  pod("postgres-0", { namespace: "db", labels: { app: "postgres" }, containers: [container("postgres")], ...extra });
const bySelector = (namespace: string, extra: Partial<NonNullable<Profile["stdin"]>> = {}): Partial<Profile> => ({
  stdin: { command: DUMP, namespace, selector: { matchLabels: { app: "postgres" }, matchExpressions: [] }, ...extra },
});

describe("resolveStdinTarget", () => {
  it.each<[string, Partial<Profile>, Observed, ExecTarget]>([
    ["stdin-selector in another namespace (stdin-namespace)", { ...bySelector("db"), folders: ["/data"] }, { ...deploymentWorld(), pods: [...deploymentWorld().pods, pg()] },
      { namespace: "db", pod: "postgres-0", container: "postgres", command: DUMP }],
    ["a stdin-only profile with only stdin-selector", { ...bySelector("db"), target: { kind: "none" }, namespace: "db", folders: [] }, { pods: [pg()] },
      { namespace: "db", pod: "postgres-0", container: "postgres", command: DUMP }],
    ["no stdin-selector: the profile's own target pod", { stdin: { command: DUMP, namespace: NS } }, deploymentWorld(),
      { namespace: NS, pod: "web-abc-1", container: "app", command: DUMP }],
    ["stdin-container among several", bySelector("db", { container: "postgres" }), { pods: [pg({ containers: [container("exporter"), container("postgres")] })] },
      { namespace: "db", pod: "postgres-0", container: "postgres", command: DUMP }],
    ["the pod's default-container annotation", bySelector("db"), {
      pods: [pg({ containers: [container("exporter"), container("postgres")], annotations: { "kubectl.kubernetes.io/default-container": "postgres" } })],
    }, { namespace: "db", pod: "postgres-0", container: "postgres", command: DUMP }],
  ])("given %s, returns the pod and container", (_, extra, observed, exec) => {
    expect(resolveStdinTarget(profile(extra), observed)).toEqual({ ok: true, exec });
  });

  it.each<[string, Partial<Profile>, Observed, string, string]>([
    ["no stdin-command", {}, deploymentWorld(), "no-stdin-command", `profile "web" has no stdin-command`],
    ["no pod matching stdin-selector", bySelector("db"), { pods: [pg({ namespace: "other" })] }, "no-pod",
      `stdin-command: no running pod for selector "app=postgres" in namespace "db"`],
    ["two pods matching stdin-selector", bySelector("db"), { pods: [pg(), pod("postgres-1", { namespace: "db", labels: { app: "postgres" } })] }, "several-pods",
      `stdin-command: 2 pods for selector "app=postgres" in namespace "db": postgres-0, postgres-1`],
    ["a pod that is not running yet", bySelector("db"), { pods: [pg({ phase: "Pending" })] }, "pod-not-running", `pod "db/postgres-0" is Pending; stdin-command needs a running pod`],
    ["several containers and no choice", bySelector("db"), { pods: [pg({ containers: [container("exporter"), container("postgres")] })] }, "container-ambiguous",
      `pod "db/postgres-0" has 2 containers (exporter, postgres); set stdin-container to choose one`],
    ["a stdin-container the pod lacks", bySelector("db", { container: "mysql" }), { pods: [pg()] }, "container-not-found",
      `container "mysql" (stdin-container) is not in pod "db/postgres-0" (containers: postgres)`],
    ["a node profile", { target: { kind: "node", node: "n" }, stdin: { command: DUMP, namespace: "" } }, { pods: [] }, "no-target", "set stdin-selector"],
  ])("given %s, fails with %s", (_, extra, observed, reason, message) => {
    const r = resolveStdinTarget(profile(extra), observed);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message).toContain(message);
    }
  });
});
