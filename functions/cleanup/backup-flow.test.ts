// A backup from io.rafdir.pvc.bound to io.rafdir.backup.succeeded on a real sandbox, through the run-restic and
// cleanup apps over HTTP: the backup pod runs the real runner into the sandbox repository, its end (a Pod update as
// the ApiServerSource sends it) yields pod.finished with the restic summary, cleanup removes every object of the run
// and records the outcome once; the restic snapshot restores to the source's bytes at snapshot time.
import { HTTP, type CloudEvent } from "cloudevents";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { createKube, type Kube, type Obj } from "../../shared/kube/port.ts";
import { objectName, runName, statusOf, type BackupRun } from "../../shared/runs/run.ts";
import { testSandbox, waitFor, type TestSandbox } from "../../test/support/sandbox.ts";
import { APP_NS, checksumsInPod, configure, leftovers, prepareCopiedRun, repositorySnapshots, restoredChecksums, startApp } from "../common/backup-fixture.test-util.ts";
import { getRun } from "../common/index.ts";
import { testDeps, type TestDeps } from "../common/testing.test-util.ts";
import { createRunResticApp } from "../run-restic/app.ts";
import { createCleanupApp } from "./app.ts";

type App = ReturnType<typeof createCleanupApp>;
const post = (app: App, ev: CloudEvent<unknown>) => {
  const m = HTTP.binary(ev) as { headers: Record<string, string>; body: string };
  return request(app).post("/").set(m.headers).send(m.body);
};
const replyOf = (res: { headers: Record<string, string>; text: string }) => HTTP.toEvent({ headers: res.headers, body: res.text }) as CloudEvent<Record<string, unknown>>;
const podUpdate = (pod: Obj) => newEvent(EventTypes.resourceUpdated, "https://127.0.0.1:6443", pod, { subject: `/apis/v1/namespaces/backup/pods/${pod.metadata.name}` });

describe("a backup through run-restic and cleanup (sandbox)", () => {
  let sb: TestSandbox;
  let kube: Kube;
  let restic: TestDeps;
  let cleanup: TestDeps;
  const run = runName("shop", new Date("2026-11-26T02:00:00Z"));

  beforeAll(async () => {
    sb = await testSandbox();
    kube = createKube(sb.kc);
    restic = testDeps(kube, { name: "run-restic" });
    cleanup = testDeps(kube, { name: "cleanup" });
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("backs up the copied PVC, announces the pod's end once, tears everything down and restores identical bytes", async () => {
    const appPod = await startApp(kube, "shop");
    await configure(kube, `shop: {namespace: ${APP_NS}, deployment: shop, folders: [/data], host: shop.example}\n`);
    const atSnapshot = await checksumsInPod(kube, appPod, "/data");
    expect(atSnapshot).toContain("./nested/blob.bin");
    await prepareCopiedRun(kube, { run, profile: "shop", pvc: "shop-data", pod: appPod, mountPath: "/data" });
    // A write after the snapshot must not reach the backup.
    expect((await kube.exec(APP_NS, appPod, "main", ["sh", "-c", "echo late > /data/after-snapshot.txt"])).exitCode).toBe(0);

    // pvc.bound → the ConfigMap and the backup pod, recorded on the run.
    const runRestic = createRunResticApp(restic);
    const bound = newEvent(EventTypes.pvcBound, "/rafdir/snapshot", { run, profile: "shop", pvcs: [{ name: objectName(run, 0), phase: "Bound" }] });
    expect((await post(runRestic, bound)).status).toBe(202);
    const status = statusOf((await getRun(restic, run)) as BackupRun);
    expect(status).toMatchObject({ phase: "BackingUp", pod: objectName(run), configMap: objectName(run), steps: { podCreated: expect.any(String) } });
    expect(Date.parse(status.deadline ?? "")).toBeGreaterThan(Date.now());
    const cm = await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: objectName(run), namespace: "backup" });
    expect(JSON.parse((cm?.["data"] as Record<string, string>)["job.json"] ?? "")).toMatchObject({ run, profile: "shop", host: "shop.example", profiles: [{ name: "shop-local", repository: "local", kind: "folders" }] });
    expect((await post(runRestic, bound)).status).toBe(202); // a redelivery changes nothing

    const pod = await waitFor(
      "the backup pod to finish",
      async () => {
        const p = await kube.get({ apiVersion: "v1", kind: "Pod", name: objectName(run), namespace: "backup" });
        const phase = (p?.["status"] as { phase?: string } | undefined)?.phase;
        return phase === "Succeeded" || phase === "Failed" ? p : undefined;
      },
      90_000,
    );
    const spec = pod["spec"] as { containers: Array<{ volumeMounts: Array<{ mountPath: string }> }> };
    expect(spec.containers[0]?.volumeMounts.map((m) => m.mountPath)).toEqual(["/etc/rafdir", "/var/cache/restic", "/data", "/mnt/restic-repo"]);

    // The pod's update (as ApiServerSource sends it) → pod.finished with the runner's result, once.
    const res = await post(runRestic, podUpdate(pod));
    expect(res.status).toBe(200);
    const finished = replyOf(res);
    expect(finished.type).toBe(EventTypes.podFinished);
    expect(finished.data).toMatchObject({ run, profile: "shop", pod: objectName(run), phase: "Succeeded", result: { ok: true, repositories: [{ name: "local", ok: true, exitCode: 0 }] } });
    expect((await post(runRestic, podUpdate(pod))).status).toBe(202);

    // cleanup: two concurrent deliveries of pod.finished → exactly one backup.succeeded.
    const cleanupApp = createCleanupApp(cleanup);
    const deliver = async (): Promise<{ status: number; event?: CloudEvent<Record<string, unknown>> }> => {
      for (;;) {
        const r = await post(cleanupApp, finished);
        if (r.status === 503) continue; // the other delivery holds the outcome claim: the broker would retry
        return { status: r.status, ...(r.status === 200 ? { event: replyOf(r) } : {}) };
      }
    };
    const outcomes = await Promise.all([deliver(), deliver()]);
    expect(outcomes.map((o) => o.status).sort()).toEqual([200, 202]);
    const succeeded = outcomes.find((o) => o.event)?.event;
    expect(succeeded?.type).toBe(EventTypes.backupSucceeded);
    expect(succeeded?.id).toBe(`${run}-succeeded`);
    expect((await post(cleanupApp, finished)).status).toBe(202); // and again once final

    // Nothing of the run is left; the run is Succeeded with its summary.
    expect(await waitFor("no leftovers", async () => ((await leftovers(kube, run)).length === 0 ? [] : undefined))).toEqual([]);
    const pvs = await kube.list("v1", "PersistentVolume");
    expect(pvs.filter((pv) => (pv["spec"] as { claimRef?: { namespace?: string } }).claimRef?.namespace === "backup")).toEqual([]);
    const final = statusOf((await getRun(cleanup, run)) as BackupRun);
    expect(final).toMatchObject({ phase: "Succeeded", finishedAt: expect.any(String), steps: { cleanupStarted: expect.any(String), tornDown: expect.any(String) } });
    expect(final.error).toBeUndefined();
    const snapshotId = (final.result as { repositories: Array<{ snapshotId: string }> }).repositories[0]?.snapshotId;
    expect(snapshotId).toMatch(/^[0-9a-f]{64}$/);
    expect(succeeded?.data).toMatchObject({ run, profile: "shop", summary: { ok: true }, message: expect.stringContaining(`backed up into local (snapshot ${snapshotId?.slice(0, 8)}`) });
    const events = await kube.list("v1", "Event", "backup");
    expect(events.filter((e) => (e["involvedObject"] as { name?: string }).name === run).map((e) => e["reason"])).toEqual(expect.arrayContaining(["BackupStarted", "CleaningUp", "BackupSucceeded"]));

    // The snapshot: the profile's host and tag, the original path, and the bytes at snapshot time.
    const [snap, ...more] = await repositorySnapshots(sb, "shop.example", "shop");
    expect(more).toEqual([]);
    expect(snap).toMatchObject({ id: snapshotId, hostname: "shop.example", tags: ["shop"], paths: ["/data"] });
    const restored = await restoredChecksums(sb, snapshotId ?? "", "shop.example", "shop", "data");
    expect(restored).toBe(atSnapshot);
    expect(restored).not.toContain("after-snapshot.txt");
  });
});
