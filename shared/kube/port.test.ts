// The Kubernetes port against a real (sandbox) API server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSandbox, waitFor, type TestSandbox } from "../../test/support/sandbox.ts";
import { createKube, type Kube, type Obj } from "./port.ts";

const cm = (name: string, labels: Record<string, string> = {}): Obj => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "port", labels }, data: { a: "1" } });

describe("the Kubernetes port", () => {
  let sb: TestSandbox;
  let kube: Kube;
  beforeAll(async () => {
    sb = await testSandbox();
    kube = createKube(sb.kc);
    await kube.ensure({ apiVersion: "v1", kind: "Namespace", metadata: { name: "port" } });
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("ensure creates once and treats 'already exists' as success", async () => {
    const first = await kube.ensure(cm("one", { "rafdir.io/run": "r1" }));
    expect(first.created).toBe(true);
    const second = await kube.ensure(cm("one"));
    expect(second.created).toBe(false);
    expect(second.object.metadata.uid).toBe(first.object.metadata.uid);
    expect(typeof second.object.metadata.creationTimestamp).toBe("string"); // plain JSON, not model classes
  });

  it("gets, lists by label, merge-patches and removes", async () => {
    await kube.ensure(cm("two", { "rafdir.io/run": "r2" }));
    expect(await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "missing", namespace: "port" })).toBeUndefined();
    const listed = await kube.list("v1", "ConfigMap", "port", "rafdir.io/run=r2");
    expect(listed.map((o) => o.metadata.name)).toEqual(["two"]);
    const patched = await kube.patch({ apiVersion: "v1", kind: "ConfigMap", name: "two", namespace: "port" }, { data: { b: "2" } });
    expect(patched["data"]).toEqual({ a: "1", b: "2" });
    expect(await kube.remove({ apiVersion: "v1", kind: "ConfigMap", name: "two", namespace: "port" })).toBe(true);
    expect(await kube.remove({ apiVersion: "v1", kind: "ConfigMap", name: "two", namespace: "port" })).toBe(false);
  });

  it("reads and sets a Deployment's scale, and execs with exit codes and stdin", async () => {
    await kube.ensure({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "app", namespace: "port" },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "app" } },
        template: { metadata: { labels: { app: "app" } }, spec: { containers: [{ name: "main", image: "busybox", command: ["sleep", "infinity"] }] } },
      },
    });
    expect(await kube.getScale("Deployment", "port", "app")).toBe(1);
    const pod = await waitFor("a running pod", async () => {
      const pods = await kube.list("v1", "Pod", "port", "app=app");
      return pods.find((p) => (p["status"] as { phase?: string }).phase === "Running");
    });
    const ok = await kube.exec("port", pod.metadata.name, "main", ["sh", "-c", "cat; echo err >&2; exit 4"], "from stdin");
    expect(ok).toEqual({ exitCode: 4, stdout: "from stdin", stderr: "err\n" });
    const quick = await kube.exec("port", pod.metadata.name, "main", ["sh", "-c", "echo done"], undefined, { timeoutMs: 20_000 });
    expect(quick).toEqual({ exitCode: 0, stdout: "done\n", stderr: "" }); // the timer never fires after the status
    await expect(kube.exec("port", pod.metadata.name, "main", ["sleep", "30"], undefined, { timeoutMs: 500 })).rejects.toThrow(/no exit status within 1 s/);
    await kube.setScale("Deployment", "port", "app", 0);
    expect(await kube.getScale("Deployment", "port", "app")).toBe(0);
    await waitFor("no pods", async () => (await kube.list("v1", "Pod", "port", "app=app")).length === 0);
  });

  it("patches the status subresource of a custom resource and records events", async () => {
    const vs = await kube.ensure({
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshot",
      metadata: { name: "s", namespace: "port" },
      spec: { source: { volumeSnapshotContentName: "nothing" } },
    });
    const patched = await kube.patchStatus({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", plural: "volumesnapshots", name: "s", namespace: "port" }, { error: { message: "test" } });
    expect((patched["status"] as { error?: { message: string } }).error?.message).toBe("test");
    await kube.recordEvent(vs.object, "Warning", "TestReason", "something to see", "rafdir-test");
    const events = await kube.list("v1", "Event", "port");
    expect(events.some((e) => e["reason"] === "TestReason" && e["message"] === "something to see")).toBe(true);
  });
});
