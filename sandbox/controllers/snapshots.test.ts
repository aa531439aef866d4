import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { KObject } from "../apiserver/types.ts";
import { SANDBOX_DRIVER, snapshotDir } from "./paths.ts";
import { boundClaim, claimDir, eventsFor, phase, pvcObject, sha256, sleep, startHarness, waitFor, type Harness } from "./storage-testkit.ts";

type Dict = Record<string, unknown>;
const status = (o: KObject | undefined) => (o?.["status"] ?? {}) as Dict;
const spec = (o: KObject) => o["spec"] as Dict;
const exists = (p: string) => stat(p).then(() => true, () => false);
const SNAP_FROM = { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot" };

function snapshot(namespace: string, name: string, source: Dict, className?: string): KObject {
  return {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshot",
    metadata: { name, namespace },
    spec: { source, ...(className ? { volumeSnapshotClassName: className } : {}) },
  };
}

async function readySnapshot(h: Harness, namespace: string, name: string, timeoutMs = 5000): Promise<KObject> {
  return waitFor(`snapshot ${namespace}/${name} ready`, () => {
    const vs = h.api.tryGet(h.s.snapshots, namespace, name);
    return status(vs)["readyToUse"] === true ? vs : undefined;
  }, timeoutMs);
}

/** A bound 1Gi claim app/data holding file.txt = "v1", snapshotted as app/snap-1 (ready). */
async function claimWithSnapshot(h: Harness, className?: string, size = "1Gi"): Promise<{ vs: KObject; content: KObject; handle: string }> {
  h.api.create(h.r.pvcs, "app", pvcObject("app", "data", size));
  await boundClaim(h, "app", "data");
  await writeFile(join(claimDir(h, "app", "data"), "file.txt"), "v1");
  h.api.create(h.s.snapshots, "app", snapshot("app", "snap-1", { persistentVolumeClaimName: "data" }, className));
  const vs = await readySnapshot(h, "app", "snap-1");
  const content = h.api.get(h.s.contents, undefined, String(status(vs)["boundVolumeSnapshotContentName"]));
  return { vs, content, handle: String(status(content)["snapshotHandle"]) };
}

describe("SnapshotController", () => {
  let h: Harness;
  afterEach(async () => {
    await h.stop();
  });

  it("takes a point-in-time snapshot that a new claim restores, checksums equal", async () => {
    h = await startHarness();
    const { vs, content, handle } = await claimWithSnapshot(h);
    const before = await sha256(join(claimDir(h, "app", "data"), "file.txt"));
    await writeFile(join(claimDir(h, "app", "data"), "file.txt"), "v2 written after the snapshot");

    expect(spec(vs)["volumeSnapshotClassName"]).toBe("sandbox-snapclass"); // defaulted for the PV's driver
    expect(vs.metadata.finalizers).toEqual(
      expect.arrayContaining(["snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection", "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"]),
    );
    expect(status(vs)).toMatchObject({ boundVolumeSnapshotContentName: `snapcontent-${vs.metadata.uid}`, readyToUse: true, restoreSize: "1Gi" });
    expect(String(status(vs)["creationTime"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(content.metadata.finalizers).toContain("snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection");
    expect(spec(content)).toMatchObject({
      deletionPolicy: "Delete",
      driver: SANDBOX_DRIVER,
      sourceVolumeMode: "Filesystem",
      volumeSnapshotClassName: "sandbox-snapclass",
      volumeSnapshotRef: { kind: "VolumeSnapshot", namespace: "app", name: "snap-1", uid: vs.metadata.uid },
    });
    expect(status(content)).toMatchObject({ readyToUse: true, restoreSize: 1073741824, snapshotHandle: `snapshot-${vs.metadata.uid}` });
    expect(Number.isInteger(status(content)["creationTime"])).toBe(true);
    const meta = JSON.parse(await readFile(join(snapshotDir(h.dataDir, handle), "meta.json"), "utf8")) as Dict;
    expect(meta).toMatchObject({ restoreSize: 1073741824, sourceVolumeHandle: (spec(content)["source"] as Dict)["volumeHandle"] });

    h.api.create(h.r.pvcs, "app", pvcObject("app", "restored", "1Gi", { dataSource: { ...SNAP_FROM, name: "snap-1" } }));
    await boundClaim(h, "app", "restored");
    expect(await sha256(join(claimDir(h, "app", "restored"), "file.txt"))).toBe(before);
    expect(await readFile(join(claimDir(h, "app", "restored"), "file.txt"), "utf8")).toBe("v1");
  });

  it("reports readyToUse only after the class's readiness delay", async () => {
    h = await startHarness();
    h.api.create(h.s.classes, undefined, {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: "slow" },
      driver: SANDBOX_DRIVER,
      deletionPolicy: "Delete",
      parameters: { "sandbox.rafdir.io/ready-delay-seconds": "0.5" },
    });
    h.api.create(h.r.pvcs, "app", pvcObject("app", "data", "1Gi"));
    await boundClaim(h, "app", "data");
    h.api.create(h.s.snapshots, "app", snapshot("app", "slow-1", { persistentVolumeClaimName: "data" }, "slow"));
    const cut = await waitFor("snapshot cut", () => {
      const vs = h.api.tryGet(h.s.snapshots, "app", "slow-1");
      return status(vs)["creationTime"] ? vs : undefined;
    });
    expect(status(cut)["readyToUse"]).toBe(false);
    await readySnapshot(h, "app", "slow-1");
  });

  it("binds a pre-provisioned content to a snapshot in another namespace, which restores the data there", async () => {
    h = await startHarness();
    const { handle } = await claimWithSnapshot(h);
    h.api.create(h.s.contents, undefined, {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotContent",
      metadata: { name: "copy-content" },
      spec: {
        deletionPolicy: "Retain",
        driver: SANDBOX_DRIVER,
        source: { snapshotHandle: handle },
        volumeSnapshotRef: { name: "copy", namespace: "backup" },
      },
    });
    h.api.create(h.s.snapshots, "backup", snapshot("backup", "copy", { volumeSnapshotContentName: "copy-content" }));
    const vs = await readySnapshot(h, "backup", "copy");
    expect(status(vs)).toMatchObject({ boundVolumeSnapshotContentName: "copy-content", restoreSize: "1Gi" });
    expect((spec(h.api.get(h.s.contents, undefined, "copy-content"))["volumeSnapshotRef"] as Dict)["uid"]).toBe(vs.metadata.uid);
    expect(vs.metadata.finalizers).not.toContain("snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"); // Retain

    h.api.create(h.r.pvcs, "backup", pvcObject("backup", "restored", "1Gi", { dataSource: { ...SNAP_FROM, name: "copy" } }));
    await boundClaim(h, "backup", "restored");
    expect(await readFile(join(claimDir(h, "backup", "restored"), "file.txt"), "utf8")).toBe("v1");
  });

  it("refuses a content whose reference names a different snapshot", async () => {
    h = await startHarness();
    const { handle } = await claimWithSnapshot(h);
    h.api.create(h.s.contents, undefined, {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotContent",
      metadata: { name: "theirs" },
      spec: { deletionPolicy: "Retain", driver: SANDBOX_DRIVER, source: { snapshotHandle: handle }, volumeSnapshotRef: { name: "other", namespace: "backup" } },
    });
    h.api.create(h.s.snapshots, "backup", snapshot("backup", "mine", { volumeSnapshotContentName: "theirs" }));
    const vs = await waitFor("misbound error", () => {
      const o = h.api.tryGet(h.s.snapshots, "backup", "mine");
      return (status(o)["error"] as Dict | undefined)?.["message"] ? o : undefined;
    });
    expect((status(vs)["error"] as Dict)["message"]).toBe("VolumeSnapshotContent [theirs] is bound to a different snapshot");
    expect(status(vs)["readyToUse"]).toBe(false);
  });

  it("leaves a restore smaller than the snapshot Pending with a ProvisioningFailed event", async () => {
    h = await startHarness();
    await claimWithSnapshot(h, undefined, "2Gi");
    h.api.create(h.r.pvcs, "app", pvcObject("app", "too-small", "1Gi", { dataSource: { ...SNAP_FROM, name: "snap-1" } }));
    const ev = await waitFor("ProvisioningFailed", () => eventsFor(h, "app", "too-small").find((e) => e.reason === "ProvisioningFailed"));
    expect(ev.type).toBe("Warning");
    expect(ev.message).toBe(
      'failed to provision volume with StorageClass "standard": error getting handle for DataSource Type VolumeSnapshot by Name snap-1: ' +
        "requested volume size 1073741824 is less than the size 2147483648 for the source snapshot snap-1",
    );
    await sleep(300);
    expect(phase(h.api.get(h.r.pvcs, "app", "too-small"))).toBe("Pending");
  });

  it("deletes the content and the backing snapshot with the snapshot when the policy is Delete", async () => {
    h = await startHarness();
    const { content, handle } = await claimWithSnapshot(h);
    expect(await exists(snapshotDir(h.dataDir, handle))).toBe(true);
    h.api.delete(h.s.snapshots, "app", "snap-1");
    await waitFor("snapshot gone", () => !h.api.tryGet(h.s.snapshots, "app", "snap-1"));
    await waitFor("content gone", () => !h.api.tryGet(h.s.contents, undefined, content.metadata.name ?? ""));
    expect(await exists(snapshotDir(h.dataDir, handle))).toBe(false);
    await waitFor("source claim released", () => !h.api.get(h.r.pvcs, "app", "data").metadata.finalizers?.includes("snapshot.storage.kubernetes.io/pvc-as-source-protection"));
  });

  it("keeps the content and the backing snapshot when the policy is Retain", async () => {
    h = await startHarness();
    const { content, handle } = await claimWithSnapshot(h, "sandbox-retain");
    h.api.delete(h.s.snapshots, "app", "snap-1");
    await waitFor("snapshot gone", () => !h.api.tryGet(h.s.snapshots, "app", "snap-1"));
    await sleep(300);
    const kept = h.api.get(h.s.contents, undefined, content.metadata.name ?? "");
    expect(kept.metadata.annotations?.["snapshot.storage.kubernetes.io/volumesnapshot-being-deleted"]).toBe("yes");
    expect(await exists(join(snapshotDir(h.dataDir, handle), "data", "file.txt"))).toBe(true);
    h.api.delete(h.s.contents, undefined, content.metadata.name ?? "");
    await waitFor("content gone", () => !h.api.tryGet(h.s.contents, undefined, content.metadata.name ?? ""));
    expect(await exists(join(snapshotDir(h.dataDir, handle), "data", "file.txt"))).toBe(true);
  });

  it("deletes the backing snapshot of an unbound pre-provisioned Delete content", async () => {
    h = await startHarness();
    const { handle } = await claimWithSnapshot(h, "sandbox-retain");
    h.api.create(h.s.contents, undefined, {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotContent",
      metadata: { name: "orphan", finalizers: ["test.rafdir.io/hold"] },
      spec: { deletionPolicy: "Delete", driver: SANDBOX_DRIVER, source: { snapshotHandle: handle }, volumeSnapshotRef: { name: "nobody", namespace: "backup" } },
    });
    await waitFor("content ready", () => status(h.api.tryGet(h.s.contents, undefined, "orphan"))["readyToUse"] === true);
    h.api.delete(h.s.contents, undefined, "orphan");
    await waitFor("backing snapshot deleted", async () => !(await exists(snapshotDir(h.dataDir, handle))));
    await waitFor("status cleared", () => status(h.api.get(h.s.contents, undefined, "orphan"))["snapshotHandle"] === undefined);
  });

  it("deletes the backing snapshot of an unbound pre-provisioned Delete content removed without finalizers", async () => {
    h = await startHarness();
    const { handle } = await claimWithSnapshot(h, "sandbox-retain");
    h.api.create(h.s.contents, undefined, {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotContent",
      metadata: { name: "orphan" },
      spec: { deletionPolicy: "Delete", driver: SANDBOX_DRIVER, source: { snapshotHandle: handle }, volumeSnapshotRef: { name: "nobody", namespace: "backup" } },
    });
    h.api.delete(h.s.contents, undefined, "orphan");
    expect(h.api.tryGet(h.s.contents, undefined, "orphan")).toBeUndefined();
    await waitFor("backing snapshot deleted", async () => !(await exists(snapshotDir(h.dataDir, handle))));
  });

  it("holds a snapshot that a Pending claim restores from until the claim is provisioned", async () => {
    h = await startHarness();
    await claimWithSnapshot(h);
    h.api.create(h.r.pvcs, "app", pvcObject("app", "later", "1Gi", { storageClassName: "wffc", dataSource: { ...SNAP_FROM, name: "snap-1" } }));
    h.api.delete(h.s.snapshots, "app", "snap-1");
    await waitFor("SnapshotDeletePending", () => eventsFor(h, "app", "snap-1").some((e) => e.reason === "SnapshotDeletePending"));
    expect(h.api.get(h.s.snapshots, "app", "snap-1").metadata.finalizers).toContain("snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection");
    const pvc = h.api.get(h.r.pvcs, "app", "later");
    h.api.update(h.r.pvcs, "app", "later", { ...pvc, metadata: { ...pvc.metadata, annotations: { "volume.kubernetes.io/selected-node": "node-1" } } });
    await boundClaim(h, "app", "later");
    expect(await readFile(join(claimDir(h, "app", "later"), "file.txt"), "utf8")).toBe("v1");
    await waitFor("snapshot gone", () => !h.api.tryGet(h.s.snapshots, "app", "snap-1"));
  });

  it("reports a missing snapshot class on the snapshot and retries", async () => {
    h = await startHarness();
    h.api.create(h.r.pvcs, "app", pvcObject("app", "data", "1Gi"));
    await boundClaim(h, "app", "data");
    h.api.create(h.s.snapshots, "app", snapshot("app", "orphan", { persistentVolumeClaimName: "data" }, "missing"));
    const vs = await waitFor("status.error", () => {
      const o = h.api.tryGet(h.s.snapshots, "app", "orphan");
      return (status(o)["error"] as Dict | undefined)?.["message"] ? o : undefined;
    });
    expect((status(vs)["error"] as Dict)["message"]).toBe('Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "missing" not found');
    expect(eventsFor(h, "app", "orphan").some((e) => e.reason === "GetSnapshotClassFailed" && e.type === "Warning")).toBe(true);

    h.api.create(h.s.classes, undefined, { apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshotClass", metadata: { name: "missing" }, driver: SANDBOX_DRIVER, deletionPolicy: "Delete" });
    const ready = await readySnapshot(h, "app", "orphan");
    expect(status(ready)["error"]).toBeUndefined();
  });

  it("fails a snapshot with the injected message and copies nothing", async () => {
    h = await startHarness();
    h.api.create(h.s.classes, undefined, {
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshotClass",
      metadata: { name: "broken" },
      driver: SANDBOX_DRIVER,
      deletionPolicy: "Delete",
      parameters: { "sandbox.rafdir.io/fail-message": "disk on fire", "csi.storage.k8s.io/snapshotter-secret-name": "snap-secret", "csi.storage.k8s.io/snapshotter-secret-namespace": "${volumesnapshot.namespace}" },
    });
    h.api.create(h.r.pvcs, "app", pvcObject("app", "data", "1Gi"));
    await boundClaim(h, "app", "data");
    h.api.create(h.s.snapshots, "app", snapshot("app", "doomed", { persistentVolumeClaimName: "data" }, "broken"));
    const vs = await waitFor("status.error", () => {
      const o = h.api.tryGet(h.s.snapshots, "app", "doomed");
      return String((status(o)["error"] as Dict | undefined)?.["message"] ?? "").includes("disk on fire") ? o : undefined;
    });
    expect(status(vs)["readyToUse"]).toBe(false);
    const content = h.api.get(h.s.contents, undefined, String(status(vs)["boundVolumeSnapshotContentName"]));
    expect(content.metadata.annotations).toMatchObject({
      "snapshot.storage.kubernetes.io/deletion-secret-name": "snap-secret",
      "snapshot.storage.kubernetes.io/deletion-secret-namespace": "app",
    });
    expect(status(content)["snapshotHandle"]).toBeUndefined();
    expect(await exists(snapshotDir(h.dataDir, `snapshot-${vs.metadata.uid}`))).toBe(false);
    expect(h.api.get(h.r.pvcs, "app", "data").metadata.finalizers).toContain("snapshot.storage.kubernetes.io/pvc-as-source-protection");
  });
});
