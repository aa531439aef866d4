// Eventing wired to a whole sandbox (API server, controllers, kubelet) and the project's knative/ manifests, the way
// sandbox.ts is meant to start it: a rafdir-labelled pod in any namespace produces ApiServerSource events that reach
// the run-restic subscriber; a ping tick reaches plan.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../shared/log.ts";
import { PROJECT_ROOT, startSandbox, type Sandbox } from "../sandbox.ts";
import { startEventing, type Eventing } from "./eventing.ts";
import { startRecorder, type Recorder } from "./recorder.test-util.ts";

let sandbox: Sandbox;
let eventing: Eventing;
let dir: string;
const subs: Record<string, Recorder> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rafdir-wiring-"));
  const log = createLogger({ level: process.env["RAFDIR_TEST_LOG"] ?? "silent" });
  sandbox = await startSandbox({ dir, log });
  for (const n of ["rafdir-plan", "rafdir-snapshot", "rafdir-run-restic", "rafdir-cleanup", "rafdir-restore"]) subs[n] = await startRecorder();
  eventing = await startEventing({
    dir,
    manifestsDir: join(PROJECT_ROOT, "knative"),
    api: sandbox.api,
    apiServerUrl: sandbox.url,
    kubeconfig: sandbox.kubeconfig,
    projectRoot: PROJECT_ROOT,
    log,
    timeScale: 0.01,
    startFunctions: false,
    schedulePings: false,
    services: Object.fromEntries(Object.entries(subs).map(([n, r]) => [n, r.url])),
  });
});

afterAll(async () => {
  await eventing.stop();
  await sandbox.stop();
  await Promise.all(Object.values(subs).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("eventing in the sandbox", () => {
  it("serves the broker at /backup/rafdir", () => {
    expect(eventing.brokerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/backup\/rafdir$/);
  });

  it("turns changes of rafdir-labelled pods into events for run-restic", async () => {
    const pods = sandbox.api.resource("", "v1", "pods");
    const pod = (name: string, labels: Record<string, string>) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", labels },
      spec: { restartPolicy: "Never", containers: [{ name: "c", image: "docker.io/library/busybox", command: ["true"] }] },
    });
    sandbox.api.create(pods, "default", pod("backup-run-x", { "app.kubernetes.io/managed-by": "rafdir" }));
    sandbox.api.create(pods, "default", pod("app-pod", { app: "web" }));
    const p = sandbox.api.get(pods, "default", "backup-run-x");
    sandbox.api.update(pods, "default", "backup-run-x", { ...p, status: { ...(p["status"] as object), phase: "Failed" } }, { subresource: "status" });
    await eventing.idle();
    const got = subs["rafdir-run-restic"]?.received ?? [];
    expect(got.map((r) => r.attrs["type"])).toContain("dev.knative.apiserver.resource.add");
    expect(got.map((r) => r.attrs["type"])).toContain("dev.knative.apiserver.resource.update");
    expect(got.every((r) => r.attrs["name"] === "backup-run-x" && r.attrs["source"] === sandbox.url)).toBe(true);
    expect(got[0]?.attrs["subject"]).toBe("/apis/v1/namespaces/default/pods/backup-run-x");
  });

  it("delivers a schedule tick to plan", async () => {
    const id = await eventing.tick("backup", "rafdir-schedule-daily");
    await eventing.idle();
    expect(subs["rafdir-plan"]?.received.map((r) => [r.attrs["id"], r.body.toString()])).toEqual([[id, '{"schedule":"daily"}']]);
  });
});
