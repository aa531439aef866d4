// plan over HTTP against a real sandbox API server: BackupRuns are created and announced, duplicates are not.
import { HTTP, type CloudEvent } from "cloudevents";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { createKube, type Kube } from "../../shared/kube/port.ts";
import { statusOf, type BackupRun } from "../../shared/runs/run.ts";
import { listRuns } from "../common/index.ts";
import { testSandbox, type TestSandbox } from "../../test/support/sandbox.ts";
import { installRafdirCrds, testDeps, writeRafdirConfig, type TestDeps } from "../common/testing.test-util.ts";
import { createPlanApp } from "./app.ts";

const CONFIG = {
  "profiles.yaml": "version: '1'\n",
  repositories: "local: {repository: /srv/restic}\n",
  profiles: ["db: {namespace: apps, deployment: db, folders: [/data]}", "web: {namespace: apps, deployment: web, folders: [/srv]}", "broken: {namespace: apps, folders: [/x]}"].join("\n"),
  schedules: "daily: {cron: '0 2 * * *', profiles: all}\n",
};

const post = (deps: TestDeps, ev: CloudEvent<unknown>) => {
  const m = HTTP.binary(ev) as { headers: Record<string, string>; body: string };
  return request(createPlanApp(deps)).post("/").set(m.headers).send(m.body);
};

describe("plan (sandbox)", () => {
  let sb: TestSandbox;
  let kube: Kube;
  const runs = (profile: string): Promise<BackupRun[]> => listRuns(testDeps(kube, { name: "plan" }), `rafdir.io/profile=${profile}`);

  beforeAll(async () => {
    sb = await testSandbox();
    kube = createKube(sb.kc);
    await installRafdirCrds(kube);
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("without rafdir-config, answers 202 and plans nothing", async () => {
    const deps = testDeps(kube, { name: "plan" });
    const res = await post(deps, newEvent(EventTypes.backupRequested, "/rafdir/cli", {}));
    expect(res.status).toBe(202);
    expect(deps.emitted).toEqual([]);
  });

  it("a manual request creates one BackupRun and announces it; the same event again creates no second run", async () => {
    await writeRafdirConfig(kube, CONFIG);
    const now = new Date("2026-11-26T10:00:05Z");
    const deps = testDeps(kube, { name: "plan", now });
    const ev = newEvent(EventTypes.backupRequested, "/rafdir/cli", { profiles: ["db"] }, { time: "2026-11-26T10:00:03Z" });
    expect((await post(deps, ev)).status).toBe(202);

    const [run, ...more] = await runs("db");
    expect(more).toEqual([]);
    expect(run?.metadata.name).toBe("db-20261126100003");
    expect(run?.metadata.labels).toMatchObject({ "rafdir.io/profile": "db", "rafdir.io/run": "db-20261126100003" });
    expect(run?.spec).toEqual({ profile: "db", trigger: "manual", requestedBy: "/rafdir/cli", repositories: ["local"] });
    expect(run && statusOf(run)).toMatchObject({ phase: "Pending", startedAt: now.toISOString(), deadline: "2026-11-26T10:10:05.000Z" });
    expect(run && statusOf(run).steps?.["planned"]).toBeDefined();
    expect(deps.emitted.map((e) => [e.type, e.id, e.data])).toEqual([[EventTypes.backupPlanned, "db-20261126100003-planned", { run: "db-20261126100003", profile: "db" }]]);

    // Duplicate delivery, seconds later: the same run is found, re-announced with the same id (receivers dedupe).
    deps.setNow(new Date("2026-11-26T10:00:09Z"));
    expect((await post(deps, ev)).status).toBe(202);
    expect((await runs("db")).map((r) => r.metadata.name)).toEqual(["db-20261126100003"]);
    expect(new Set(deps.emitted.map((e) => e.id))).toEqual(new Set(["db-20261126100003-planned"]));

    // A new request while the run is active: skipped.
    const again = newEvent(EventTypes.backupRequested, "/rafdir/cli", { profiles: ["db"], force: true }, { time: "2026-11-26T10:00:08Z" });
    expect((await post(deps, again)).status).toBe(202);
    expect((await runs("db")).map((r) => r.metadata.name)).toEqual(["db-20261126100003"]);
  });

  it("a schedule tick plans the due profiles, reports the invalid one as an event and on the ConfigMap", async () => {
    const deps = testDeps(kube, { name: "plan", now: new Date("2026-11-26T11:00:00Z") });
    const tick = newEvent(EventTypes.ping, "/apis/v1/namespaces/backup/pingsources/rafdir-schedule-daily", { schedule: "daily" });
    expect((await post(deps, tick)).status).toBe(202);
    expect((await runs("web")).map((r) => r.spec.trigger)).toEqual(["schedule:daily"]);
    expect(deps.emitted.map((e) => e.type).sort()).toEqual([EventTypes.backupPlanned, EventTypes.configInvalid]);
    const invalid = deps.emitted.find((e) => e.type === EventTypes.configInvalid);
    expect(invalid?.data).toMatchObject({ profile: "broken", field: "deployment" });
    const events = await kube.list("v1", "Event", "backup");
    const onConfig = events.filter((e) => (e["involvedObject"] as { name?: string }).name === "rafdir-config").map((e) => [e["type"], e["reason"]]);
    expect(onConfig).toEqual(expect.arrayContaining([["Warning", "InvalidProfile"], ["Normal", "Planned"]]));
  });

  it("over the concurrency limit, queues a run and starts it when a run ends (or at the janitor tick), exactly once", async () => {
    await writeRafdirConfig(kube, { ...CONFIG, settings: "concurrency: 1\n" });
    const deps = testDeps(kube, { name: "plan", now: new Date("2026-11-26T12:00:05Z") });
    const ev = newEvent(EventTypes.backupRequested, "/rafdir/cli", { profiles: ["db", "web"], force: true }, { time: "2026-11-26T12:00:03Z" });
    for (const old of [...(await runs("db")), ...(await runs("web"))]) await kube.remove({ apiVersion: old.apiVersion, kind: old.kind, namespace: "backup", name: old.metadata.name });
    expect((await post(deps, ev)).status).toBe(202);
    const [db] = await runs("db");
    const [web] = await runs("web");
    expect(db && statusOf(db).phase).toBe("Pending");
    expect(web && statusOf(web)).toMatchObject({ phase: "Queued", queuedAt: "2026-11-26T12:00:05.000Z", message: expect.stringContaining("concurrency limit") });
    expect(web && statusOf(web).deadline).toBeUndefined(); // the janitor never times a queued run out
    expect(deps.emitted.map((e) => e.data)).toEqual([{ run: "db-20261126120003", profile: "db" }]);

    // A tick while db runs: web stays queued, and is not queued a second time.
    const tick = newEvent(EventTypes.ping, "/apis/v1/namespaces/backup/pingsources/rafdir-janitor", {}); // known by its source too
    expect((await post(deps, tick)).status).toBe(202);
    expect((await runs("web")).map((r) => statusOf(r).phase)).toEqual(["Queued"]);

    // db ends: its outcome event starts web, once, however often it is delivered (and a janitor tick on top).
    await kube.patchStatus({ apiVersion: "rafdir.io/v1alpha1", kind: "BackupRun", plural: "backupruns", namespace: "backup", name: "db-20261126120003" }, { phase: "Succeeded", finishedAt: "2026-11-26T12:01:00Z" });
    deps.setNow(new Date("2026-11-26T12:01:01Z"));
    const ended = newEvent(EventTypes.backupSucceeded, "/rafdir/cleanup", { run: "db-20261126120003", profile: "db" });
    await Promise.all([post(deps, ended), post(deps, ended), post(deps, tick)]);
    const [started] = await runs("web");
    expect(started && statusOf(started)).toMatchObject({ phase: "Pending", startedAt: "2026-11-26T12:01:01.000Z", deadline: expect.any(String) });
    expect(deps.emitted.filter((e) => e.type === EventTypes.backupPlanned).map((e) => e.id)).toEqual(["db-20261126120003-planned", "web-20261126120003-planned"]);
    await writeRafdirConfig(kube, CONFIG);
  });

  it.each([
    ["an event plan does not handle", newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "a", profile: "a" }), "not handled by plan"],
  ])("given %s, answers 400", async (_what, ev, reason) => {
    const res = await post(testDeps(kube, { name: "plan" }), ev);
    expect(res.status).toBe(400);
    expect(res.text).toContain(reason);
  });

  it("given a backup.requested whose data breaks the schema, answers 400", async () => {
    const res = await request(createPlanApp(testDeps(kube, { name: "plan" })))
      .post("/")
      .set({ "ce-id": "x", "ce-specversion": "1.0", "ce-source": "/t", "ce-type": EventTypes.backupRequested, "content-type": "application/json" })
      .send(JSON.stringify({ profiles: "db" }));
    expect(res.status).toBe(400);
  });
});
