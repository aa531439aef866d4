// restore over HTTP against a real sandbox API server: bad requests change nothing, a redelivered request starts no
// second restore, other functions' objects are acknowledged, and the janitor ends an overdue restore cleanly.
import { HTTP, type CloudEvent } from "cloudevents";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { createKube, type Kube, type Obj } from "../../shared/kube/port.ts";
import { runLabels } from "../../shared/runs/run.ts";
import { parseRestoreStatus, RESTORE_KIND } from "../../shared/runs/restore-run.ts";
import { RUN_API_VERSION } from "../../shared/runs/run.ts";
import { testSandbox, type TestSandbox } from "../../test/support/sandbox.ts";
import { installRafdirCrds, testDeps, writeRafdirConfig, type TestDeps } from "../common/testing.test-util.ts";
import { createRestoreApp } from "./app.ts";
import { listRestores } from "./runs.ts";

const CONFIG = {
  "profiles.yaml": "version: '1'\n",
  repositories: "local: {repository: /srv/restic}\n",
  profiles: "notes: {namespace: notes, deployment: notes, folders: [/data], host: notes.example, restore-namespaces: ['*']}\n",
};

interface Message {
  headers: Record<string, string>;
  body: string;
}
const post = (deps: TestDeps, ev: CloudEvent<unknown> | Message) => {
  const m: Message = "specversion" in ev ? (HTTP.binary(ev) as Message) : ev;
  return request(createRestoreApp(deps)).post("/").set(m.headers).send(m.body);
};

describe("restore (sandbox)", () => {
  let sb: TestSandbox;
  let kube: Kube;

  beforeAll(async () => {
    sb = await testSandbox();
    kube = createKube(sb.kc);
    await installRafdirCrds(kube);
    await writeRafdirConfig(kube, CONFIG);
    await kube.ensure({ apiVersion: "v1", kind: "Namespace", metadata: { name: "dr" } });
  });
  afterAll(async () => {
    await sb?.close();
  });

  /** A RestoreRun as request.ts creates it, without status (no verdict yet). */
  const newRestoreRun = (name: string, target: { namespace: string; pvc: string }) =>
    kube.ensure({
      apiVersion: RUN_API_VERSION,
      kind: RESTORE_KIND,
      metadata: { name, namespace: "backup", labels: { "rafdir.io/profile": "notes" } },
      spec: { profile: "notes", trigger: "manual", target },
    } as Obj);
  const janitorTick = () => newEvent(EventTypes.ping, "/apis/v1/namespaces/backup/pingsources/rafdir-janitor", { janitor: true });

  it.each<[string, Record<string, unknown>]>([
    ["a namespace that is no DNS label", { profile: "notes", target: { namespace: "../kube-system", pvc: "x" } }],
    ["a PVC name with a slash", { profile: "notes", target: { namespace: "dr", pvc: "a/b" } }],
    ["a snapshot id that is a flag", { profile: "notes", snapshot: "--delete", target: { namespace: "dr", pvc: "x" } }],
    ["a relative path", { profile: "notes", path: "data", target: { namespace: "dr", pvc: "x" } }],
    ["a path with ..", { profile: "notes", path: "/data/../etc", target: { namespace: "dr", pvc: "x" } }],
    ["a size that is no quantity", { profile: "notes", target: { namespace: "dr", pvc: "x", size: "big" } }],
    ["no target", { profile: "notes" }],
  ])("answers 400 to %s and creates nothing", async (_name, data) => {
    const deps = testDeps(kube, { name: "restore" });
    const body = JSON.stringify(data);
    const headers = { "ce-specversion": "1.0", "ce-type": EventTypes.restoreRequested, "ce-source": "/test", "ce-id": `bad-${Math.random()}`, "content-type": "application/json" };
    const res = await post(deps, { headers, body });
    expect(res.status).toBe(400);
    expect(await listRestores(deps)).toEqual([]);
  });

  it("records a refused request as a Failed RestoreRun, once, however often it is delivered", async () => {
    const deps = testDeps(kube, { name: "restore", now: new Date("2026-11-26T10:00:00Z") });
    const ev = newEvent(EventTypes.restoreRequested, "/test", { profile: "notes", target: { namespace: "nowhere", pvc: "x" } });
    const first = await post(deps, ev);
    expect(first.status).toBe(200);
    expect(first.headers["ce-type"]).toBe(EventTypes.restoreFailed);
    deps.setNow(new Date("2026-11-26T10:00:07Z"));
    expect((await post(deps, ev)).status).toBe(202);
    const runs = (await listRestores(deps)).filter((r) => r.spec.target.namespace === "nowhere");
    expect(runs.map((r) => r.metadata.name)).toEqual(["notes-r20261126100000"]);
    expect(parseRestoreStatus(runs[0] ?? {})).toMatchObject({ phase: "Failed", error: { reason: "NamespaceNotFound" } });
  });

  it("acknowledges pod and PVC events of backups and of objects it does not know", async () => {
    const deps = testDeps(kube, { name: "restore" });
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "rafdir-db-20261126100000-0", namespace: "backup", labels: runLabels("db-20261126100000", "db") } };
    const res = await post(deps, newEvent(EventTypes.resourceUpdated, "https://10.0.0.1", pod as never));
    expect(res.status).toBe(202);
  });

  it("checks a run whose request handler died before the verdict: the janitor refuses it, nothing is created", async () => {
    const deps = testDeps(kube, { name: "restore" });
    const name = "notes-r20261126104000";
    await newRestoreRun(name, { namespace: "nowhere", pvc: "x" });
    expect((await post(deps, janitorTick())).status).toBe(202);
    const [run] = (await listRestores(deps)).filter((r) => r.metadata.name === name);
    expect(parseRestoreStatus(run ?? {})).toMatchObject({ phase: "Failed", error: { reason: "NamespaceNotFound" } });
    expect(await kube.get({ apiVersion: "v1", kind: "Pod", namespace: "backup", name: `rafdir-${name}-inspect` })).toBeUndefined();
  });

  it("the janitor fails a restore past its deadline and removes what it created", async () => {
    const deps = testDeps(kube, { name: "restore", now: new Date("2026-11-26T11:00:00Z") });
    const name = "notes-r20261126105000";
    await newRestoreRun(name, { namespace: "dr", pvc: "late" });
    await kube.patchStatus({ apiVersion: RUN_API_VERSION, kind: RESTORE_KIND, plural: "restoreruns", namespace: "backup", name }, {
      phase: "Restoring",
      deadline: "2026-11-26T10:55:00Z",
      repository: "local",
      storageClass: "standard",
      size: "1Gi",
      snapshot: { id: "0123456789abcdef", time: "t", host: "notes.example", tags: ["notes"], paths: ["/data"], path: "/data", restoreSize: 1 },
    });
    const staging = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: `rafdir-${name}`, namespace: "backup", labels: runLabels(name, "notes") }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
    await kube.ensure(staging as Obj);

    expect((await post(deps, janitorTick())).status).toBe(202);
    const [run] = (await listRestores(deps)).filter((r) => r.metadata.name === name);
    expect(parseRestoreStatus(run ?? {})).toMatchObject({ phase: "Failed", error: { phase: "Restoring", reason: "Timeout" } });
    expect(parseRestoreStatus(run ?? {})?.tornDown).toBeDefined();
    expect(deps.emitted.map((e) => [e.type, e.id])).toEqual([[EventTypes.restoreFailed, `${name}-failed`]]);
    const left = await kube.get({ apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "backup", name: `rafdir-${name}` });
    expect(left === undefined || left.metadata.deletionTimestamp !== undefined).toBe(true);
  });

  it("of two requests racing for one PVC, the first goes on and the second is refused", async () => {
    const deps = testDeps(kube, { name: "restore", now: new Date("2026-11-26T12:00:00Z") });
    const target = { namespace: "dr", pvc: "twin" };
    const first = await post(deps, newEvent(EventTypes.restoreRequested, "/test", { profile: "notes", path: "/data", target }));
    expect(first.status).toBe(202); // accepted: its inspect pod is on the way, nothing to announce yet
    deps.setNow(new Date("2026-11-26T12:00:01Z"));
    const second = await post(deps, newEvent(EventTypes.restoreRequested, "/test", { profile: "notes", path: "/data", target }));
    expect(second.headers["ce-type"]).toBe(EventTypes.restoreFailed);
    const runs = (await listRestores(deps)).filter((r) => r.spec.target.pvc === "twin").sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(runs.map((r) => parseRestoreStatus(r)?.phase)).toEqual(["Inspecting", "Failed"]);
    expect(parseRestoreStatus(runs[1] ?? {})?.error).toMatchObject({ reason: "TargetBusy", message: expect.stringContaining("notes-r20261126120000") as string });
  });
});
