// functions/common against a real sandbox API server: the run record helpers, the configuration, the deps.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { createKube, type Kube } from "../../shared/kube/port.ts";
import { createLogger } from "../../shared/log.ts";
import { RUN_API_VERSION, RUN_KIND, statusOf, type BackupRun } from "../../shared/runs/run.ts";
import { testSandbox, type TestSandbox } from "../../test/support/sandbox.ts";
import { ConfigMissingError, createDeps, loadCommonEnv } from "./deps.ts";
import { abortRun, claimRun, getRun, patchRunStatus, recordRunEvent } from "./run-status.ts";
import { installRafdirCrds, testDeps, writeRafdirConfig } from "./testing.test-util.ts";

describe("functions/common", () => {
  let sb: TestSandbox;
  let kube: Kube;
  beforeAll(async () => {
    sb = await testSandbox();
    kube = createKube(sb.kc);
    await installRafdirCrds(kube);
  });
  afterAll(async () => {
    await sb?.close();
  });

  const newRun = async (name: string): Promise<BackupRun> => {
    const { object } = await kube.ensure({
      apiVersion: RUN_API_VERSION,
      kind: RUN_KIND,
      metadata: { name, namespace: "backup", labels: { "rafdir.io/profile": "db" } },
      spec: { profile: "db", trigger: "manual" },
    });
    return object as unknown as BackupRun;
  };

  it("loadConfig names the missing ConfigMap, then parses it once it exists", async () => {
    const deps = testDeps(kube, { name: "plan", namespace: "nocfg" });
    await expect(deps.loadConfig()).rejects.toThrow(ConfigMissingError);
    await expect(deps.loadConfig()).rejects.toThrow("ConfigMap nocfg/rafdir-config not found");
    await kube.ensure({ apiVersion: "v1", kind: "Namespace", metadata: { name: "nocfg" } });
    await writeRafdirConfig(kube, { "profiles.yaml": "version: '1'\n", repositories: "local:\n  repository: /tmp/r\n", profiles: "db:\n  namespace: x\n  deployment: db\n  folders: [/data]\n" }, "nocfg");
    const config = await deps.loadConfig();
    expect(config.profiles.map((p) => p.name)).toEqual(["db"]);
  });

  it("patchRunStatus merges into the status; getRun reads it back", async () => {
    const deps = testDeps(kube, { name: "snapshot" });
    await newRun("db-1");
    await patchRunStatus(deps, "db-1", { phase: "Pending", steps: { planned: "2026-11-26T00:00:00Z" } });
    await patchRunStatus(deps, "db-1", { steps: { targetResolved: "2026-11-26T00:00:01Z" }, message: "resolved" });
    const run = await getRun(deps, "db-1");
    expect(run && statusOf(run)).toMatchObject({ phase: "Pending", message: "resolved", steps: { planned: "2026-11-26T00:00:00Z", targetResolved: "2026-11-26T00:00:01Z" } });
    expect(await getRun(deps, "nope")).toBeUndefined();
  });

  it("abortRun keeps the first error and the quiesce record, records a Warning Event and emits backup.aborted", async () => {
    const deps = testDeps(kube, { name: "snapshot" });
    await newRun("db-2");
    const quiesce = { kind: "stop" as const, workload: { kind: "Deployment" as const, namespace: "apps", name: "db" }, originalReplicas: 2, restored: false };
    let run = await patchRunStatus(deps, "db-2", { phase: "Pending", quiesce });
    await abortRun(deps, run, { step: "quiesce", reason: "QuiesceTimeout", message: "pods of deployment apps/db still running" });
    run = (await getRun(deps, "db-2")) as BackupRun;
    await abortRun(deps, run, { step: "snapshot", reason: "Later", message: "a later problem" });
    const status = statusOf((await getRun(deps, "db-2")) as BackupRun);
    expect(status.error).toEqual({ step: "quiesce", reason: "QuiesceTimeout", message: "pods of deployment apps/db still running" });
    expect(status.quiesce).toEqual(quiesce);
    expect(deps.emitted.map((e) => [e.type, e.id, e["rafdirrun"]])).toEqual([
      ["io.rafdir.backup.aborted", "db-2-aborted-quiesce", "db-2"],
      ["io.rafdir.backup.aborted", "db-2-aborted-snapshot", "db-2"],
    ]);
    const events = await kube.list("v1", "Event", "backup");
    expect(events.some((e) => e["reason"] === "QuiesceTimeout" && e["type"] === "Warning")).toBe(true);
  });

  it("claimRun: of racing claims exactly one wins, and later claims see it taken", async () => {
    const deps = testDeps(kube, { name: "snapshot" });
    const run = await newRun("db-3");
    const results = await Promise.all([1, 2, 3, 4].map((i) => claimRun(deps, run, "command-after", `t${i}`)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await claimRun(deps, (await getRun(deps, "db-3")) as BackupRun, "command-after", "t5")).toBe(false);
  });

  it("recordRunEvent never throws", async () => {
    const deps = testDeps(kube, { name: "snapshot" });
    const ghost: BackupRun = { apiVersion: RUN_API_VERSION, kind: RUN_KIND, metadata: { name: "ghost", namespace: "no-such-ns" }, spec: { profile: "x", trigger: "manual" } };
    await expect(recordRunEvent(deps, ghost, "Normal", "Test", "hello")).resolves.toBeUndefined();
  });

  it("createDeps: emit without K_SINK fails with a message naming the function and the event", async () => {
    const env = loadCommonEnv({ KUBECONFIG: sb.kubeconfig });
    const deps = createDeps({ name: "plan", env, log: createLogger({ level: "silent" }) });
    expect(deps.namespace).toBe("backup");
    await expect(deps.emit(newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "a", profile: "a" }))).rejects.toThrow(
      "K_SINK is not set: rafdir-plan cannot send io.rafdir.backup.planned",
    );
  });
});
