// run-restic over HTTP against a real sandbox, and the failures a person must be able to act on: a resticprofile
// failure (wrong password, exit 12) and a dump cut short, each ending in a Failed run with a clear message and
// nothing left behind; plus the events run-restic must acknowledge or ignore.
import { HTTP, type CloudEvent } from "cloudevents";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { createKube, type Kube, type Obj } from "../../shared/kube/port.ts";
import { objectName, statusOf, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { testSandbox, waitFor, type TestSandbox } from "../../test/support/sandbox.ts";
import { APP_NS, configure, createRun, leftovers, prepareCopiedRun, repositorySnapshots, startApp } from "../common/backup-fixture.test-util.ts";
import { getRun } from "../common/index.ts";
import { testDeps, type TestDeps } from "../common/testing.test-util.ts";
import { createCleanupApp } from "../cleanup/app.ts";
import { createRunResticApp } from "./app.ts";

type App = ReturnType<typeof createRunResticApp>;
const post = (app: App, ev: CloudEvent<unknown>) => {
  const m = HTTP.binary(ev) as { headers: Record<string, string>; body: string };
  return request(app).post("/").set(m.headers).send(m.body);
};
const replyOf = (res: { headers: Record<string, string>; text: string }) => HTTP.toEvent({ headers: res.headers, body: res.text }) as CloudEvent<Record<string, unknown>>;
const podEvent = (pod: Obj, type: typeof EventTypes.resourceUpdated | typeof EventTypes.resourceAdded = EventTypes.resourceUpdated) => newEvent(type, "https://127.0.0.1:6443", pod);
const bound = (run: string, profile: string) => newEvent(EventTypes.pvcBound, "/rafdir/snapshot", { run, profile, pvcs: [] });

const PROFILES = `
pw: {namespace: ${APP_NS}, deployment: pw, folders: [/data]}
dump: {namespace: ${APP_NS}, deployment: pw, stdin-command: "head -c 1234 /dev/zero; exit 1", stdin-filename: dump.bin, repositories: [local]}
`;

describe("run-restic (sandbox)", () => {
  let sb: TestSandbox;
  let kube: Kube;
  let deps: TestDeps;
  let cleanupDeps: TestDeps;
  let appPod: string;
  const status = async (run: string): Promise<RunStatus | undefined> => {
    const r = await getRun(deps, run);
    return r && statusOf(r);
  };

  /** pvc.bound → backup pod → its end → pod.finished → cleanup's reply. */
  async function backUp(run: string, profile: string): Promise<{ finished: CloudEvent<Record<string, unknown>>; outcome: CloudEvent<Record<string, unknown>> }> {
    const runRestic = createRunResticApp(deps);
    expect((await post(runRestic, bound(run, profile))).status).toBe(202);
    const pod = await waitFor(
      `backup pod of ${run} to end`,
      async () => {
        const p = await kube.get({ apiVersion: "v1", kind: "Pod", name: objectName(run), namespace: "backup" });
        const phase = (p?.["status"] as { phase?: string } | undefined)?.phase;
        return phase === "Succeeded" || phase === "Failed" ? p : undefined;
      },
      90_000,
    );
    const res = await post(runRestic, podEvent(pod));
    expect(res.status).toBe(200);
    const finished = replyOf(res);
    const done = await post(createCleanupApp(cleanupDeps), finished);
    expect(done.status).toBe(200);
    return { finished, outcome: replyOf(done) };
  }

  beforeAll(async () => {
    sb = await testSandbox();
    kube = createKube(sb.kc);
    deps = testDeps(kube, { name: "run-restic" });
    cleanupDeps = testDeps(kube, { name: "cleanup" });
    // `badpw` is the same repository, opened with a wrong password (resticprofile's env overrides the pod's).
    await configure(kube, PROFILES, {}, { badpw: { inherit: "default_configuration", repository: "/mnt/restic-repo", env: { RESTIC_PASSWORD: "not-the-password" } } });
    appPod = await startApp(kube, "pw");
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("a resticprofile failure fails the run with restic's reason and exit code, and leaves nothing behind", async () => {
    const run = "pw-20261126020000";
    await prepareCopiedRun(kube, { run, profile: "pw", pvc: "pw-data", pod: appPod, mountPath: "/data", repositories: ["badpw"] });
    const { finished, outcome } = await backUp(run, "pw");
    expect(finished.data).toMatchObject({ phase: "Failed", result: { ok: false, repositories: [{ name: "badpw", ok: false, exitCode: 12 }] } });
    expect(outcome.type).toBe(EventTypes.backupFailed);
    expect(outcome.data).toMatchObject({ run, reason: "WrongPassword" });
    expect(String(outcome.data?.["message"])).toMatch(/^backup failed: resticprofile failed for repository badpw: wrong repository password.* \(exit 12\)$/);
    expect(await status(run)).toMatchObject({ phase: "Failed", error: { step: "backup", reason: "WrongPassword" } });
    expect(await waitFor("no leftovers", async () => ((await leftovers(kube, run)).length === 0 ? [] : undefined))).toEqual([]);
  });

  it("a dump cut short fails the run (no snapshot saved) and says how many bytes came", async () => {
    const run = "dump-20261126020000";
    const t = new Date().toISOString();
    await createRun(kube, run, "dump", { phase: "Copying", steps: { pvcsReady: t }, target: { namespace: APP_NS, pod: appPod }, volumes: [], direct: [] });
    const { finished, outcome } = await backUp(run, "dump");
    expect(finished.data).toMatchObject({ phase: "Failed", result: { ok: false, stdin: { bytes: 1234, exitCode: 1 } } });
    expect(outcome.data).toMatchObject({ run, reason: "DumpFailed" });
    expect(String(outcome.data?.["message"])).toBe("backup failed: stdin dump cut short: exec exit 1 after 1234 bytes");
    expect(await repositorySnapshots(sb, "dump", "dump")).toEqual([]);
    expect(await leftovers(kube, run)).toEqual([]);
  });

  it("aborts a run whose profile is gone, creating nothing", async () => {
    const run = "gone-20261126020000";
    await createRun(kube, run, "gone", { phase: "Copying", steps: { pvcsReady: "t" } });
    deps.emitted.length = 0;
    expect((await post(createRunResticApp(deps), bound(run, "gone"))).status).toBe(202);
    expect(deps.emitted.map((e) => [e.type, (e.data as { reason?: string }).reason])).toEqual([[EventTypes.backupAborted, "ProfileNotFound"]]);
    expect(await status(run)).toMatchObject({ error: { step: "backup", reason: "ProfileNotFound" } });
    expect(await leftovers(kube, run)).toEqual([]);
  });

  it.each<[string, RunStatus]>([
    ["an aborted run", { phase: "Copying", steps: { pvcsReady: "t" }, error: { step: "copy", reason: "X", message: "m" } }],
    ["a run whose copies are not ready", { phase: "Snapshotting" }],
    ["a final run", { phase: "Succeeded" }],
  ])("pvc.bound for %s creates nothing", async (what, s) => {
    const run = `skip-2026112602000${what.length % 10}`;
    await createRun(kube, run, "pw", s);
    expect((await post(createRunResticApp(deps), bound(run, "pw"))).status).toBe(202);
    expect(await leftovers(kube, run)).toEqual([]);
  });

  it("ignores pods that are not a run's backup pod, and acknowledges snapshot.ready and pod deletions", async () => {
    const app = createRunResticApp(deps);
    const [pod] = await kube.list("v1", "Pod", APP_NS, "app=pw");
    expect((await post(app, podEvent(pod as Obj, EventTypes.resourceAdded))).status).toBe(202);
    const fake = { apiVersion: "v1", kind: "Pod", metadata: { name: "other", namespace: "backup", labels: { "app.kubernetes.io/managed-by": "rafdir", "rafdir.io/run": "pw-1" } }, status: { phase: "Succeeded" } };
    expect((await post(app, podEvent(fake))).status).toBe(202);
    expect((await post(app, newEvent(EventTypes.resourceDeleted, "https://x", fake))).status).toBe(202);
    const ready = newEvent(EventTypes.snapshotReady, "/rafdir/snapshot", { run: "pw-1", profile: "pw", snapshots: [] });
    expect((await post(app, ready)).status).toBe(202);
    expect((await post(app, newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "a", profile: "a" }))).status).toBe(400);
  });
});
