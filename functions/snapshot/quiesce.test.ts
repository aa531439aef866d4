// Quiescing against a real sandbox: stop (record first, then scale), command-before/after (once), and every abort
// either happens before the app is touched or leaves the record cleanup restores the app from.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotDir } from "../../sandbox/controllers/paths.ts";
import { EventTypes } from "../../shared/events.ts";
import { createKube, type Kube } from "../../shared/kube/port.ts";
import { testSandbox, waitFor, type TestSandbox } from "../../test/support/sandbox.ts";
import { installRafdirCrds, testDeps, writeRafdirConfig, type TestDeps } from "../common/testing.test-util.ts";
import { APPS, appPods, BASE_CONFIG, deployApp, newRun, planned, post, postUntilSettled, readySnapshot, resourceEvent, runStatus } from "./fixtures.test-util.ts";

const PROFILES = [
  "stopper: {namespace: apps, deployment: stopper, folders: [/data], stop: true}",
  "slow: {namespace: apps, deployment: slow, folders: [/data], stop: true}",
  "frozen: {namespace: apps, deployment: frozen, folders: [/data], command-before: {cmd: 'echo before >> /data/marks', container: main}, command-after: {cmd: 'echo after >> /data/marks'}}",
  "failing: {namespace: apps, deployment: failing, folders: [/data], command-before: {cmd: 'echo cannot freeze; exit 3'}, command-after: {cmd: 'true'}}",
  "noclass: {namespace: apps, deployment: noclass, folders: [/data], stop: true, snapshot-class: missing}",
  "foreignsc: {namespace: apps, deployment: foreignsc, folders: [/data], stop: true, storage-class: foreign}",
  "foreignvsc: {namespace: apps, deployment: foreignvsc, folders: [/data], stop: true, snapshot-class: foreign-snap}",
  "nopod: {namespace: apps, deployment: nopod, folders: [/data], stop: true}",
  "twopods: {namespace: apps, deployment: twopods, folders: [/data], stop: true}",
  "racer: {namespace: apps, deployment: racer, folders: [/data], stop: true}",
].join("\n");

describe("snapshot (sandbox): quiescing", () => {
  let sb: TestSandbox;
  let kube: Kube;
  const at = new Date("2026-11-26T04:00:00Z");
  const scale = (name: string) => kube.getScale("Deployment", APPS, name);
  const aborted = (deps: TestDeps) => deps.emitted.filter((e) => e.type === EventTypes.backupAborted).map((e) => e.data);
  const sourceSnapshots = async () => (await kube.list("snapshot.storage.k8s.io/v1", "VolumeSnapshot", APPS)).map((s) => s.metadata.name);

  beforeAll(async () => {
    sb = await testSandbox({ snapshotReadyDelayMs: 300 });
    kube = createKube(sb.kc);
    await installRafdirCrds(kube);
    await kube.ensure({ apiVersion: "v1", kind: "Namespace", metadata: { name: APPS } });
    await writeRafdirConfig(kube, { ...BASE_CONFIG, profiles: PROFILES });
    await kube.ensure({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "foreign" }, provisioner: "ebs.csi.aws.com" });
    await kube.ensure({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshotClass", metadata: { name: "foreign-snap" }, driver: "ebs.csi.aws.com", deletionPolicy: "Delete" });
    await Promise.all([
      deployApp(kube, "stopper"),
      // Takes ~3 s to stop after SIGTERM, so the first delivery surely finds its pod still there.
      deployApp(kube, "slow", { script: "trap 'sleep 3; exit 0' TERM; echo hi > /data/hello; while true; do sleep 0.2; done" }),
      deployApp(kube, "frozen"),
      deployApp(kube, "failing"),
      deployApp(kube, "noclass"),
      deployApp(kube, "foreignsc"),
      deployApp(kube, "foreignvsc"),
      deployApp(kube, "nopod", { replicas: 0 }),
      deployApp(kube, "twopods", { replicas: 2 }),
      deployApp(kube, "racer"),
    ]);
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("stop: records the replicas first, scales to 0, waits (503) for the pods to go, and scales back once the handle exists", async () => {
    const calls: string[] = [];
    const recording: Kube = {
      ...kube,
      patchStatus: (ref, status) => (calls.push(`patchStatus ${Object.keys(status).join(",")}`), kube.patchStatus(ref, status)),
      setScale: (kind, ns, name, replicas) => (calls.push(`setScale ${replicas}`), kube.setScale(kind, ns, name, replicas)),
    };
    const deps = testDeps(recording, { name: "snapshot", now: at });
    const run = await newRun(deps, "stopper");
    calls.length = 0;

    const res = await postUntilSettled(deps, planned(run, "stopper"));
    expect([200, 202]).toContain(res.status);
    const quiesceAt = calls.findIndex((c) => c === "patchStatus quiesce,message");
    expect(quiesceAt).toBeGreaterThanOrEqual(0);
    const downAt = calls.indexOf("setScale 0");
    expect(downAt).toBeGreaterThan(quiesceAt);
    const snapshotted = await runStatus(deps, run);
    expect(snapshotted.steps).toHaveProperty("quiesced"); // the pods were gone before the snapshot was requested
    expect(snapshotted.quiesce).toMatchObject({ kind: "stop", workload: { kind: "Deployment", namespace: APPS, name: "stopper" }, originalReplicas: 1 });

    const res2 = await post(deps, resourceEvent(await readySnapshot(kube, `rafdir-${run}-0`)));
    expect([res.headers["ce-type"], res2.headers["ce-type"]]).toContain(EventTypes.snapshotReady);
    expect(calls.lastIndexOf("setScale 1")).toBeGreaterThan(downAt);
    expect(await scale("stopper")).toBe(1);
    const status = await runStatus(deps, run);
    expect(status.quiesce).toMatchObject({ restored: true });
    expect(status.steps).toHaveProperty("unquiesced");
    await waitFor("the app running again", async () => (await appPods(kube, "stopper")).length === 1);
  });

  it("a late delivery that scales the app down after another one restarted it scales it back (never left at 0)", async () => {
    const deps0 = testDeps(kube, { name: "snapshot", now: at });
    const run = await newRun(deps0, "racer");
    // Between this delivery's read of the run and its scale-down, another delivery stopped the app, snapshotted it
    // and is scaling it back (marked, scaled up, `restored` not written yet): simulated just before the scale-down.
    const racing: Kube = {
      ...kube,
      setScale: async (kind, ns, name, replicas) => {
        if (replicas === 0) {
          await kube.patchStatus(
            { apiVersion: "rafdir.io/v1alpha1", kind: "BackupRun", plural: "backupruns", namespace: deps0.namespace, name: run },
            { quiesce: { scalingBackAt: at.toISOString() } },
          );
        }
        return kube.setScale(kind, ns, name, replicas);
      },
    };
    const deps = testDeps(racing, { name: "snapshot", now: at });
    expect((await post(deps, planned(run, "racer"))).status).toBe(202);
    expect(await scale("racer")).toBe(1);
    expect((await runStatus(deps, run)).quiesce).toMatchObject({ kind: "stop", originalReplicas: 1, scalingBackAt: at.toISOString() });
  });

  it("a workload found at 0 replicas when recording (another run stopping it) aborts the run without recording 0", async () => {
    const later = new Date(at.getTime() + 60_000); // a second run of the profile
    const run = await newRun(testDeps(kube, { name: "snapshot", now: later }), "racer");
    const scaledDown: Kube = { ...kube, getScale: async () => 0 }; // another run's scale-down landed after our target check
    const deps = testDeps(scaledDown, { name: "snapshot", now: later });
    expect((await post(deps, planned(run, "racer"))).status).toBe(202);
    expect(aborted(deps)).toEqual([expect.objectContaining({ run, step: "quiesce", reason: "AlreadyStopped" })]);
    const status = await runStatus(deps, run);
    expect(status.quiesce).toBeUndefined(); // cleanup has nothing to "restore" to 0
    expect(await scale("racer")).toBe(1);
  });

  it("an abort after stopping (deadline passed) keeps the record with the original replicas for cleanup", async () => {
    const deps = testDeps(kube, { name: "snapshot", now: at });
    const run = await newRun(deps, "slow");
    const first = await post(deps, planned(run, "slow"));
    expect(first.status).toBe(503); // the pod is still terminating: the broker will retry
    expect(await scale("slow")).toBe(0);

    deps.setNow(new Date(at.getTime() + 11 * 60_000));
    expect((await post(deps, planned(run, "slow"))).status).toBe(202);
    expect(aborted(deps)).toEqual([expect.objectContaining({ run, step: "quiesce", reason: "DeadlineExceeded" })]);
    const status = await runStatus(deps, run);
    expect(status.error).toMatchObject({ step: "quiesce", reason: "DeadlineExceeded" });
    expect(status.quiesce).toEqual({ kind: "stop", workload: { kind: "Deployment", namespace: APPS, name: "slow" }, originalReplicas: 1, restored: false, stoppingSince: expect.any(String) });
    // A late snapshot event does not touch an aborted run: un-quiescing is cleanup's from here.
    expect((await post(deps, planned(run, "slow"))).status).toBe(202);
    expect(await scale("slow")).toBe(0);
  });

  it("command-before runs once before the snapshot, command-after once as soon as the handle exists", async () => {
    const deps = testDeps(kube, { name: "snapshot", now: at });
    const run = await newRun(deps, "frozen");
    const pod = (await appPods(kube, "frozen"))[0]?.metadata.name ?? "";
    const marks = async () => (await kube.exec(APPS, pod, "main", ["sh", "-c", "cat /data/marks 2>/dev/null || true"])).stdout;

    // The snapshot may get its handle within this very request, and command-after then runs right away.
    expect((await post(deps, planned(run, "frozen", "ev-1"))).status).toBe(202);
    expect(await marks()).toMatch(/^before\n(after\n)?$/);
    expect((await runStatus(deps, run)).quiesce).toMatchObject({ kind: "command", namespace: APPS, pod, container: "main", commandAfter: ["sh", "-c", "echo after >> /data/marks"] });

    const snapshot = await readySnapshot(kube, `rafdir-${run}-0`);
    const ready = resourceEvent(snapshot);
    const [a, b] = await Promise.all([post(deps, ready), post(deps, ready)]);
    expect([a.status, b.status]).toContain(200);
    expect(await marks()).toBe("before\nafter\n"); // each exactly once
    expect((await runStatus(deps, run)).quiesce).toMatchObject({ afterOwed: false });
    // The point in time is between the two: the snapshot holds command-before's mark and not command-after's.
    const content = await kube.get({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshotContent", name: (snapshot["status"] as { boundVolumeSnapshotContentName: string }).boundVolumeSnapshotContentName });
    const handle = (content?.["status"] as { snapshotHandle: string }).snapshotHandle;
    expect(readFileSync(join(snapshotDir(join(sb.dir, "data"), handle), "data", "marks"), "utf8")).toBe("before\n");
  });

  it("a failing command-before aborts with its exit code and output; command-after stays owed", async () => {
    const deps = testDeps(kube, { name: "snapshot", now: at });
    const run = await newRun(deps, "failing");
    expect((await post(deps, planned(run, "failing"))).status).toBe(202);
    const [data] = aborted(deps);
    expect(data).toMatchObject({ step: "quiesce", reason: "CommandBeforeFailed" });
    expect((data as { message: string }).message).toMatch(/exited with 3 in pod apps\/failing-.* container main: cannot freeze/);
    expect((await runStatus(deps, run)).quiesce).toMatchObject({ kind: "command", afterOwed: true });
  });

  it("a command-before claimed by another delivery: left to it while fresh, the run stopped once older than the exec can last", async () => {
    const claimAt = new Date(at.getTime() + 2 * 60_000);
    const deps = testDeps(kube, { name: "snapshot", now: claimAt });
    const run = await newRun(deps, "frozen");
    await kube.patch({ apiVersion: "rafdir.io/v1alpha1", kind: "BackupRun", namespace: deps.namespace, name: run }, { metadata: { annotations: { "rafdir.io/claim-command-before": `${claimAt.toISOString()} other-delivery` } } });
    expect((await post(deps, planned(run, "frozen", "ev-late"))).status).toBe(202);
    expect(aborted(deps)).toEqual([]); // still running elsewhere, perhaps: no 503, no dead letter, no command-after yet

    deps.setNow(new Date(claimAt.getTime() + 6 * 60_000 + 1000));
    expect((await post(deps, planned(run, "frozen", "ev-redrive"))).status).toBe(202);
    expect(aborted(deps)).toEqual([expect.objectContaining({ run, step: "quiesce", reason: "CommandBeforeLost" })]);
    expect((await runStatus(deps, run)).quiesce).toMatchObject({ kind: "command", afterOwed: true }); // cleanup runs it
  });

  it.each([
    ["a missing snapshot class", "noclass", 1, "snapshot", "SnapshotClassNotFound", 'snapshot class "missing" (snapshot-class of profile "noclass") not found'],
    ["a storage class of another driver", "foreignsc", 1, "snapshot", "DriverMismatch", 'storage class "foreign" (storage-class of profile "foreignsc") is provisioned by "ebs.csi.aws.com", but PVC apps/foreignsc-data is provisioned by "csi.sandbox.rafdir.io"'],
    ["a snapshot class of another driver", "foreignvsc", 1, "snapshot", "DriverMismatch", 'snapshot class "foreign-snap" uses driver "ebs.csi.aws.com", but PVC apps/foreignvsc-data is provisioned by "csi.sandbox.rafdir.io"'],
    ["no pod", "nopod", 0, "target", "NoPod", 'no running pod for deployment "nopod" in namespace "apps"'],
    ["two pods", "twopods", 2, "target", "SeveralPods", '2 pods for deployment "twopods" in namespace "apps"'],
  ])("given %s, aborts before touching the app (replicas stay %d)", async (_what, profile, replicas, step, reason, message) => {
    const deps = testDeps(kube, { name: "snapshot", now: at });
    const run = await newRun(deps, profile);
    expect((await post(deps, planned(run, profile))).status).toBe(202);
    expect(aborted(deps)).toEqual([{ run, profile, step, reason, message: expect.stringContaining(message) as string }]);
    const status = await runStatus(deps, run);
    expect(status.error).toMatchObject({ step, reason });
    expect(status.quiesce).toBeUndefined();
    expect(await scale(profile)).toBe(replicas);
    expect((await sourceSnapshots()).filter((n) => n.includes(run))).toEqual([]);
  });
});
