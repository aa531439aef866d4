// ApiServerSource against an in-process API server: the testdata source watches rafdir-labelled Pods and PVCs in
// `backup` (mode Resource); the rafdir-run-restic trigger takes Pod events.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Api } from "../apiserver/api.ts";
import { Store } from "../apiserver/store.ts";
import type { KObject } from "../apiserver/types.ts";
import { summarize } from "./eventlog-format.ts";
import { parseRecords } from "./eventlog.ts";
import { testEventing, type TestEventing } from "./recorder.test-util.ts";

const LABELS = { "app.kubernetes.io/managed-by": "rafdir" };

function pod(name: string, labels?: Record<string, string>, ns = "backup"): KObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, ...(labels ? { labels } : {}) }, spec: { containers: [{ name: "c", image: "busybox" }] } };
}

let t: TestEventing;
let api: Api;
const pods = () => api.resource("", "v1", "pods");
const received = () => t.subscribers["rafdir-run-restic"]?.received ?? [];

function setPhase(name: string, phase: string, ns = "backup"): void {
  const p = api.get(pods(), ns, name);
  api.update(pods(), ns, name, { ...p, status: { phase } }, { subresource: "status" });
}

beforeEach(async () => {
  api = new Api(new Store());
  for (const ns of ["backup", "apps"]) api.create(api.resource("", "v1", "namespaces"), undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  api.create(pods(), "backup", pod("already-there", LABELS));
  t = await testEventing(["rafdir-run-restic", "rafdir-snapshot"], { api });
});
afterEach(async () => {
  await t.close();
});

describe("ApiServerSource", () => {
  it("emits add/update/delete for labelled pods in its namespace only, with the real attribute shapes", async () => {
    api.create(pods(), "backup", pod("backup-run1", LABELS));
    api.create(pods(), "backup", pod("unlabelled"));
    api.create(pods(), "apps", pod("elsewhere", LABELS, "apps"));
    setPhase("backup-run1", "Running");
    setPhase("unlabelled", "Running");
    setPhase("elsewhere", "Running", "apps");
    await t.eventing.idle();
    expect(received().map((r) => [r.attrs["type"], r.attrs["name"]])).toEqual([
      ["dev.knative.apiserver.resource.add", "backup-run1"],
      ["dev.knative.apiserver.resource.update", "backup-run1"],
    ]);
    const update = received()[1];
    expect(update?.attrs).toMatchObject({
      source: "https://127.0.0.1:6443",
      subject: "/apis/v1/namespaces/backup/pods/backup-run1",
      kind: "Pod",
      apiversion: "v1",
      name: "backup-run1",
      namespace: "backup",
      datacontenttype: "application/json",
    });
    const obj = JSON.parse(update?.body.toString() ?? "{}") as KObject;
    expect(obj.metadata.name).toBe("backup-run1");
    expect((obj["status"] as { phase: string }).phase).toBe("Running");

    api.delete(pods(), "backup", "backup-run1");
    await t.eventing.idle();
    expect(received().at(-1)?.attrs["type"]).toBe("dev.knative.apiserver.resource.delete");
  });

  it("sends nothing for objects present at start, and PVC events reach no Pod trigger", async () => {
    setPhase("already-there", "Succeeded");
    api.create(api.resource("", "v1", "persistentvolumeclaims"), "backup", {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "data-run1", labels: LABELS },
      spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    });
    await t.eventing.idle();
    // The pod existed before the source started: its first event is the update, never an add.
    expect(received().map((r) => r.attrs["type"])).toEqual(["dev.knative.apiserver.resource.update"]);
    const log = parseRecords(readFileSync(t.eventing.eventLogPath, "utf8")).records;
    const pvc = log.find((r) => r.kind === "event" && r.extensions?.["kind"] === "PersistentVolumeClaim");
    expect(pvc).toMatchObject({ type: "dev.knative.apiserver.resource.add", subject: "/apis/v1/namespaces/backup/persistentvolumeclaims/data-run1" });
    expect(summarize(log).find((l) => l.includes("data-run1") || l.includes("PersistentVolumeClaim") || l.includes("resource.add"))).toMatch(/no trigger matched/);
  });
});
