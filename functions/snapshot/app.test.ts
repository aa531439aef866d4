// snapshot over HTTP against a real sandbox: source snapshot → snapshot.ready → copy → pvc.bound; bad events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { createKube, type Kube, type Obj } from "../../shared/kube/port.ts";
import { testSandbox, waitFor, type TestSandbox } from "../../test/support/sandbox.ts";
import { installRafdirCrds, testDeps, writeRafdirConfig } from "../common/testing.test-util.ts";
import { patchRunStatus } from "../common/index.ts";
import { APPS, BASE_CONFIG, deployApp, newRun, planned, post, postRaw, readySnapshot, resourceEvent, runStatus } from "./fixtures.test-util.ts";

const SNAP = "snapshot.storage.k8s.io/v1";
const PROFILES = [
  "web: {namespace: apps, deployment: web, folders: [/data], snapshot-class: with-secrets}",
  "lazy: {namespace: apps, deployment: lazy, folders: [/data], storage-class: standard-wffc}",
  "host: {node: sandbox-node-1, folders: [/var/log]}",
].join("\n");

describe("snapshot (sandbox): snapshot, copy, bind", () => {
  let sb: TestSandbox;
  let kube: Kube;
  const at = new Date("2026-11-26T03:00:00Z");

  beforeAll(async () => {
    sb = await testSandbox({ snapshotReadyDelayMs: 300 });
    kube = createKube(sb.kc);
    await installRafdirCrds(kube);
    await kube.ensure({ apiVersion: "v1", kind: "Namespace", metadata: { name: APPS } });
    await writeRafdirConfig(kube, { ...BASE_CONFIG, profiles: PROFILES });
    // A class whose contents carry deletion-secret annotations, which the copy must carry over.
    await kube.ensure({
      apiVersion: SNAP,
      kind: "VolumeSnapshotClass",
      metadata: { name: "with-secrets" },
      driver: "csi.sandbox.rafdir.io",
      deletionPolicy: "Delete",
      parameters: { "csi.storage.k8s.io/snapshotter-secret-name": "snap-secret", "csi.storage.k8s.io/snapshotter-secret-namespace": APPS },
    });
    await deployApp(kube, "web");
    await deployApp(kube, "lazy");
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("planned → source snapshot; ready → snapshot.ready; copy → Retain content, backup snapshot, sized PVC; bound → pvc.bound", async () => {
    const deps = testDeps(kube, { name: "snapshot", now: at });
    const run = await newRun(deps, "web");

    const first = await post(deps, planned(run, "web"));
    expect(first.status).toBe(202);
    const vs = await kube.get({ apiVersion: SNAP, kind: "VolumeSnapshot", name: `rafdir-${run}-0`, namespace: APPS });
    expect(vs?.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "rafdir", "rafdir.io/run": run, "rafdir.io/profile": "web" });
    expect(vs?.["spec"]).toEqual({ source: { persistentVolumeClaimName: "web-data" }, volumeSnapshotClassName: "with-secrets" });
    let status = await runStatus(deps, run);
    expect(status).toMatchObject({
      phase: "Snapshotting",
      deadline: "2026-11-26T03:10:00.000Z",
      target: { namespace: APPS, node: "sandbox-node-1" },
      volumes: [{ sourcePvc: "web-data", sourceSnapshot: `rafdir-${run}-0`, mounts: [{ mountPath: "/data" }], driver: "csi.sandbox.rafdir.io", snapshotClass: "with-secrets", storageClass: "standard", capacity: "1Gi" }],
      direct: [],
    });
    expect(status.steps).toHaveProperty("snapshotsRequested");

    // A redelivery of planned redoes nothing: the snapshot is not ready yet, so there is nothing to announce.
    expect((await post(deps, planned(run, "web"))).status).toBe(202);
    expect((await kube.list(SNAP, "VolumeSnapshot", APPS, `rafdir.io/run=${run}`)).length).toBe(1);

    const ready = await readySnapshot(kube, `rafdir-${run}-0`);
    const res = await post(deps, resourceEvent(ready));
    expect(res.status).toBe(200);
    expect(res.headers["ce-type"]).toBe(EventTypes.snapshotReady);
    const readyEvent = JSON.parse(res.text) as unknown;
    expect(readyEvent).toEqual({ run, profile: "web", snapshots: [{ pvc: "web-data", volumeSnapshot: `rafdir-${run}-0`, namespace: APPS }] });
    expect((await runStatus(deps, run)).phase).toBe("Copying");
    // The transition happens once: the same update again is acknowledged without a second snapshot.ready.
    expect((await post(deps, resourceEvent(ready))).status).toBe(202);

    const copy = await post(deps, newEvent(EventTypes.snapshotReady, "/rafdir/snapshot", readyEvent as { run: string; profile: string; snapshots: [] }));
    expect([200, 202]).toContain(copy.status);
    const name = `rafdir-${run}-0`;
    const source = await kube.get({ apiVersion: SNAP, kind: "VolumeSnapshotContent", name: (ready["status"] as { boundVolumeSnapshotContentName: string }).boundVolumeSnapshotContentName });
    const content = await kube.get({ apiVersion: SNAP, kind: "VolumeSnapshotContent", name });
    expect(content?.["spec"]).toMatchObject({
      deletionPolicy: "Retain",
      driver: "csi.sandbox.rafdir.io",
      source: { snapshotHandle: (source?.["status"] as { snapshotHandle: string }).snapshotHandle },
      volumeSnapshotRef: { name, namespace: "backup" },
    });
    expect((source?.["spec"] as { deletionPolicy: string }).deletionPolicy).toBe("Delete"); // the one Delete owner
    expect(content?.metadata.annotations).toMatchObject({
      "snapshot.storage.kubernetes.io/deletion-secret-name": "snap-secret",
      "snapshot.storage.kubernetes.io/deletion-secret-namespace": APPS,
    });
    expect((await kube.get({ apiVersion: SNAP, kind: "VolumeSnapshot", name, namespace: "backup" }))?.["spec"]).toEqual({ source: { volumeSnapshotContentName: name } });
    const pvc = await kube.get({ apiVersion: "v1", kind: "PersistentVolumeClaim", name, namespace: "backup" });
    const restoreSize = (ready["status"] as { restoreSize: string }).restoreSize;
    expect(pvc?.["spec"]).toMatchObject({ storageClassName: "standard", resources: { requests: { storage: restoreSize } }, dataSource: { kind: "VolumeSnapshot", name } });
    status = await runStatus(deps, run);
    expect(status.volumes?.[0]).toMatchObject({ content: name, backupSnapshot: name, backupPvc: name });

    let bound = copy;
    if (copy.status === 202) {
      const pvcNow = await waitFor("the backup PVC to bind", async () => {
        const p = await kube.get({ apiVersion: "v1", kind: "PersistentVolumeClaim", name, namespace: "backup" });
        return (p?.["status"] as { phase?: string } | undefined)?.phase === "Bound" ? p : undefined;
      });
      bound = await post(deps, resourceEvent(pvcNow));
    }
    expect(bound.status).toBe(200);
    expect(bound.headers["ce-type"]).toBe(EventTypes.pvcBound);
    expect(JSON.parse(bound.text)).toEqual({ run, profile: "web", pvcs: [{ name, phase: "Bound" }] });
    expect((await runStatus(deps, run)).steps).toHaveProperty("pvcsReady");
  });

  it("a WaitForFirstConsumer storage class: pvc.bound right after the copy, with the PVC waiting for its consumer", async () => {
    const deps = testDeps(kube, { name: "snapshot", now: at });
    const run = await newRun(deps, "lazy");
    expect((await post(deps, planned(run, "lazy"))).status).toBe(202);
    const ready = await post(deps, resourceEvent(await readySnapshot(kube, `rafdir-${run}-0`)));
    expect(ready.status).toBe(200);
    const res = await post(deps, newEvent(EventTypes.snapshotReady, "/rafdir/snapshot", JSON.parse(ready.text) as { run: string; profile: string; snapshots: [] }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ run, profile: "lazy", pvcs: [{ name: `rafdir-${run}-0`, phase: "WaitingForFirstConsumer" }] });
  });

  it("a lost ApiServerSource event is made up for by re-sending planned: it re-drives the current step", async () => {
    const deps = testDeps(kube, { name: "snapshot", now: new Date(at.getTime() + 60_000) });
    const run = await newRun(deps, "lazy");
    expect((await post(deps, planned(run, "lazy"))).status).toBe(202);
    await readySnapshot(kube, `rafdir-${run}-0`); // its update event is "lost": never posted
    const again = await post(deps, planned(run, "lazy"));
    expect(again.headers["ce-type"]).toBe(EventTypes.snapshotReady);
    const copied = await post(deps, planned(run, "lazy")); // snapshot.ready "lost" too
    expect(copied.headers["ce-type"]).toBe(EventTypes.pvcBound);
    const resent = await post(deps, planned(run, "lazy")); // pvc.bound "lost" as well: announced again, same id
    expect([resent.headers["ce-type"], resent.headers["ce-id"]]).toEqual([EventTypes.pvcBound, copied.headers["ce-id"]]);
    await patchRunStatus(deps, run, { steps: { podCreated: deps.now().toISOString() } }); // run-restic took it
    expect((await post(deps, planned(run, "lazy"))).status).toBe(202); // and then nothing is left to do
  });

  it("a profile without PVCs (node host paths) goes straight to pvc.bound with no PVCs", async () => {
    const deps = testDeps(kube, { name: "snapshot", now: at });
    const run = await newRun(deps, "host");
    const res = await post(deps, planned(run, "host"));
    expect(res.status).toBe(200);
    expect(res.headers["ce-type"]).toBe(EventTypes.pvcBound);
    expect(JSON.parse(res.text)).toEqual({ run, profile: "host", pvcs: [] });
    expect(await runStatus(deps, run)).toMatchObject({
      phase: "Copying",
      target: { node: "sandbox-node-1" },
      volumes: [],
      direct: [{ kind: "hostPath", source: "/var/log", hostPath: "/var/log", mountPath: "/var/log" }],
    });
  });

  it("ignores events about objects that are not a run's", async () => {
    const deps = testDeps(kube, { name: "snapshot" });
    const stranger: Obj = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "x", namespace: APPS, labels: { app: "other" } } };
    expect((await post(deps, resourceEvent(stranger))).status).toBe(202);
    const orphan: Obj = { ...stranger, metadata: { name: "y", namespace: "backup", labels: { "app.kubernetes.io/managed-by": "rafdir", "rafdir.io/run": "gone-1" } } };
    expect((await post(deps, resourceEvent(orphan))).status).toBe(202);
    expect((await post(deps, newEvent(EventTypes.resourceDeleted, "https://x", orphan))).status).toBe(202);
    expect((await post(deps, planned("no-such-run", "web"))).status).toBe(202);
  });

  it.each([
    ["an event type snapshot does not handle", newEvent(EventTypes.podFinished, "/rafdir/run-restic", { run: "r", pod: "p", phase: "Succeeded" }), "not handled by snapshot"],
    ["an ApiServerSource event without metadata.name", { type: EventTypes.resourceUpdated, data: { apiVersion: "v1", kind: "Pod", metadata: {} } }, "invalid"],
    ["a planned event without a run", { type: EventTypes.backupPlanned, data: { profile: "web" } }, "data.run"],
  ])("given %s, answers 400", async (_what, ev, reason) => {
    const deps = testDeps(kube, { name: "snapshot" });
    const res = "id" in ev ? await post(deps, ev) : await postRaw(deps, ev.type, ev.data);
    expect(res.status).toBe(400);
    expect(res.text).toContain(reason);
  });
});
