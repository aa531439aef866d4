// cleanup over HTTP against a real sandbox: aborted runs give the application back and leave nothing behind, a
// Terminating pod is waited for, the janitor ends overdue and orphaned runs and sweeps leftovers, history is
// trimmed, dead letters abort their run.
import { HTTP, type CloudEvent } from "cloudevents";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { createKube, type Kube, type Obj } from "../../shared/kube/port.ts";
import { objectName, runLabels, statusOf, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { testSandbox, waitFor, type TestSandbox } from "../../test/support/sandbox.ts";
import { APP_NS, configure, createRun, leftovers, startApp } from "../common/backup-fixture.test-util.ts";
import { getRun, listRuns } from "../common/index.ts";
import { testDeps, type TestDeps } from "../common/testing.test-util.ts";
import { sourceSnapshot } from "../snapshot/objects.ts";
import { createCleanupApp, type CleanupAppOptions } from "./app.ts";

const SNAP = "snapshot.storage.k8s.io/v1";
const JANITOR_SOURCE = "/apis/v1/namespaces/backup/pingsources/rafdir-janitor";
const PROFILES = ["stopme", "slow", "late", "lost", "busy", "hist", "dl", "cmd"];

const binary = (ev: CloudEvent<unknown>) => HTTP.binary(ev) as { headers: Record<string, string>; body: string };
const replyOf = (res: { headers: Record<string, string>; text: string }) => HTTP.toEvent({ headers: res.headers, body: res.text }) as CloudEvent<Record<string, unknown>>;
const aborted = (run: string, profile: string, step: "snapshot" | "copy" = "snapshot", reason = "SnapshotTimeout") =>
  newEvent(EventTypes.backupAborted, "/rafdir/snapshot", { run, profile, step, reason, message: `snapshots of ${run} not ready in time` });

describe("cleanup (sandbox)", () => {
  let sb: TestSandbox;
  let kube: Kube;
  let deps: TestDeps;
  const app = (opts: CleanupAppOptions = {}) => createCleanupApp(deps, opts);
  const post = (ev: CloudEvent<unknown>, opts: CleanupAppOptions = {}) => {
    const m = binary(ev);
    return request(app(opts)).post("/").set(m.headers).send(m.body);
  };
  const status = async (run: string): Promise<RunStatus | undefined> => {
    const r = await getRun(deps, run);
    return r && statusOf(r);
  };
  const backupPod = (run: string, profile: string, command: string, extra: Record<string, unknown> = {}): Obj => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: objectName(run), namespace: "backup", labels: runLabels(run, profile) },
    spec: { restartPolicy: "Never", containers: [{ name: "runner", image: "busybox", command: ["sh", "-c", command] }], ...extra },
  });
  const podPhase = async (name: string) => ((await kube.get({ apiVersion: "v1", kind: "Pod", name, namespace: "backup" }))?.["status"] as { phase?: string } | undefined)?.phase;

  beforeAll(async () => {
    sb = await testSandbox();
    kube = createKube(sb.kc);
    deps = testDeps(kube, { name: "cleanup" });
    await configure(kube, PROFILES.map((p) => `${p}: {namespace: ${APP_NS}, deployment: ${p}, folders: [/data]}`).join("\n"), { history: { succeeded: 0, failed: 1 } });
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("an aborted run with a stopped app: scaled back to its original replicas, its snapshot deleted, Failed once", async () => {
    await startApp(kube, "stopme", 2);
    const run = "stopme-20261126020000";
    const v = { sourcePvc: "stopme-data", sourceSnapshot: objectName(run, 0), mounts: [{ mountPath: "/data" }] };
    await kube.ensure(sourceSnapshot({ run, profile: "stopme" }, v, APP_NS));
    await kube.setScale("Deployment", APP_NS, "stopme", 0);
    await createRun(kube, run, "stopme", {
      phase: "Snapshotting",
      target: { namespace: APP_NS },
      volumes: [v],
      quiesce: { kind: "stop", workload: { kind: "Deployment", namespace: APP_NS, name: "stopme" }, originalReplicas: 2, restored: false },
    });

    const res = await post(aborted(run, "stopme"));
    expect(res.status).toBe(200);
    expect(replyOf(res)).toMatchObject({ type: EventTypes.backupFailed, id: `${run}-failed`, data: { run, profile: "stopme", reason: "SnapshotTimeout", message: `snapshot failed: snapshots of ${run} not ready in time` } });
    expect(await kube.getScale("Deployment", APP_NS, "stopme")).toBe(2);
    expect(await waitFor("no leftovers", async () => ((await leftovers(kube, run)).length === 0 ? [] : undefined))).toEqual([]);
    expect(await status(run)).toMatchObject({ phase: "Failed", error: { step: "snapshot", reason: "SnapshotTimeout" }, quiesce: { restored: true }, finishedAt: expect.any(String) });
    expect((await post(aborted(run, "stopme"))).status).toBe(202);
  });

  it("an owed command-after runs once in the app's pod", async () => {
    const pod = await startApp(kube, "cmd");
    const run = "cmd-20261126020000";
    await createRun(kube, run, "cmd", { phase: "Snapshotting", quiesce: { kind: "command", namespace: APP_NS, pod, container: "main", commandAfter: ["sh", "-c", "echo x >> /data/after-ran"], afterOwed: true } });
    expect((await post(aborted(run, "cmd"))).status).toBe(200);
    expect((await kube.exec(APP_NS, pod, "main", ["sh", "-c", "cat /data/after-ran"])).stdout).toBe("x\n");
    expect((await status(run))?.quiesce).toMatchObject({ afterOwed: false });
  });

  it("waits for a Terminating backup pod (503, retry in 1 s) before it deletes the PVCs", async () => {
    const run = "slow-20261126020000";
    await kube.ensure(backupPod(run, "slow", "trap '' TERM; while true; do sleep 1; done", { terminationGracePeriodSeconds: 3 }));
    await waitFor("the backup pod to run", async () => (await podPhase(objectName(run))) === "Running");
    await createRun(kube, run, "slow", { phase: "BackingUp", pod: objectName(run) });

    const first = await post(aborted(run, "slow"), { teardown: { stageWaitMs: 300 } });
    expect(first.status).toBe(503);
    expect(first.headers["retry-after"]).toBe("1");
    expect((await status(run))?.phase).toBe("CleaningUp");
    const done = await waitFor("cleanup to go through", async () => {
      const r = await post(aborted(run, "slow"), { teardown: { stageWaitMs: 300 } });
      return r.status === 200 ? r : undefined;
    });
    expect(replyOf(done).type).toBe(EventTypes.backupFailed);
    expect(await podPhase(objectName(run))).toBeUndefined();
  });

  it("the janitor aborts a run past its deadline, ends a run whose pod's end was lost, and sweeps leftovers", async () => {
    const late = "late-20261126020000";
    await kube.ensure(backupPod(late, "late", "exec sleep 3600"));
    await createRun(kube, late, "late", { phase: "BackingUp", pod: objectName(late), deadline: "2026-01-01T00:00:00Z" });
    const lost = "lost-20261126020000";
    const result = JSON.stringify({ run: lost, profile: "lost", ok: true, repositories: [] });
    await kube.ensure(backupPod(lost, "lost", `printf '%s' '${result}' > /dev/termination-log`));
    await createRun(kube, lost, "lost", { phase: "BackingUp", pod: objectName(lost), deadline: "2099-01-01T00:00:00Z" });
    await waitFor("the pods to start and end", async () => (await podPhase(objectName(late))) === "Running" && (await podPhase(objectName(lost))) === "Succeeded");
    // Leftovers: a snapshot of a run that no longer exists; an active run's ConfigMap must stay.
    const ghost = "ghost-20260101000000";
    await kube.ensure(sourceSnapshot({ run: ghost, profile: "ghost" }, { sourcePvc: "stopme-data", sourceSnapshot: objectName(ghost, 0), mounts: [] }, APP_NS));
    const busy = "busy-20261126020000";
    await createRun(kube, busy, "busy", { phase: "BackingUp", deadline: "2099-01-01T00:00:00Z" });
    await kube.ensure({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: objectName(busy), namespace: "backup", labels: runLabels(busy, "busy") } });

    deps.emitted.length = 0;
    expect((await post(newEvent(EventTypes.ping, JANITOR_SOURCE, { janitor: true }))).status).toBe(202);
    expect(deps.emitted.map((e) => [e.type, e["rafdirrun"]]).sort()).toEqual([
      [EventTypes.backupFailed, late],
      [EventTypes.backupSucceeded, lost],
    ]);
    const lateStatus = await status(late);
    expect(lateStatus).toMatchObject({ phase: "Failed", error: { step: "timeout", reason: "DeadlineExceeded" } });
    expect(lateStatus?.error?.message).toContain(`the backup did not finish by the deadline 2026-01-01T00:00:00Z: backup pod backup/${objectName(late)} was still Running`);
    expect(await status(lost)).toMatchObject({ phase: "Succeeded" });
    expect(await waitFor("the leftovers swept", async () => ((await leftovers(kube, ghost)).length + (await leftovers(kube, late)).length === 0 ? [] : undefined))).toEqual([]);
    expect(await leftovers(kube, busy)).toEqual([`ConfigMap backup/${objectName(busy)}`]);
    expect(await status(busy)).toMatchObject({ phase: "BackingUp" });
  });

  it("trims the profile's history after a run ends, always keeping the newest success", async () => {
    const final = (name: string, phase: "Succeeded" | "Failed", day: string) => createRun(kube, name, "hist", { phase, finishedAt: `2026-11-${day}T02:10:00Z` });
    await final("hist-20261101020000", "Succeeded", "01");
    await final("hist-20261102020000", "Succeeded", "02");
    await final("hist-20261103020000", "Failed", "03");
    await final("hist-20261104020000", "Failed", "04");
    const run = "hist-20261126020000";
    await createRun(kube, run, "hist", { phase: "Copying" });
    expect((await post(aborted(run, "hist", "copy", "CopyRejected"))).status).toBe(200);
    const left = (await listRuns(deps, "rafdir.io/profile=hist")).map((r: BackupRun) => r.metadata.name).sort();
    expect(left).toEqual(["hist-20261102020000", run]);
  });

  it("a dead letter aborts its run (step delivery) naming the event and where it failed; one without a run is logged", async () => {
    const run = "dl-20261126020000";
    await createRun(kube, run, "dl", { phase: "Copying", steps: { pvcsReady: "t" } });
    const lost = newEvent(EventTypes.pvcBound, "/rafdir/snapshot", { run, profile: "dl", pvcs: [] }).cloneWith({
      knativeerrordest: "http://rafdir-run-restic.backup.svc.cluster.local/",
      knativeerrorcode: "503",
      knativeerrordata: Buffer.from("transient failure, retry later").toString("base64"),
    });
    deps.emitted.length = 0;
    const m = binary(lost);
    expect((await request(app()).post("/dead-letters").set(m.headers).send(m.body)).status).toBe(202);
    expect(await status(run)).toMatchObject({
      phase: "Failed",
      error: {
        step: "delivery",
        reason: "DeliveryFailed",
        message: "event io.rafdir.pvc.bound could not be delivered to http://rafdir-run-restic.backup.svc.cluster.local/: the last attempt answered HTTP 503 (transient failure, retry later); the run was stopped and cleaned up",
      },
    });
    expect(deps.emitted.map((e) => [e.type, e["rafdirrun"]])).toEqual([[EventTypes.backupFailed, run]]);

    const tick = binary(newEvent(EventTypes.ping, JANITOR_SOURCE, { janitor: true }).cloneWith({ knativeerrorcode: "500" }));
    expect((await request(app()).post("/dead-letters").set(tick.headers).send(tick.body)).status).toBe(202);
    expect((await request(app()).post("/dead-letters").set({ "content-type": "text/plain" }).send("not an event")).status).toBe(400);
    expect(deps.emitted).toHaveLength(1);
  });

  it.each([
    ["a schedule tick", newEvent(EventTypes.ping, "/apis/v1/namespaces/backup/pingsources/rafdir-schedule-daily", { schedule: "daily" }), "not the janitor tick"],
    ["an event cleanup does not handle", newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "a", profile: "a" }), "not handled by cleanup"],
  ])("given %s, answers 400", async (_what, ev, reason) => {
    const res = await post(ev);
    expect(res.status).toBe(400);
    expect(res.text).toContain(reason);
  });

  it("given pod.finished for a run that does not exist, answers 202", async () => {
    const ev = newEvent(EventTypes.podFinished, "/rafdir/run-restic", { run: "nope-1", profile: "nope", pod: "rafdir-nope-1", phase: "Succeeded", result: {} });
    expect((await post(ev)).status).toBe(202);
  });
});
