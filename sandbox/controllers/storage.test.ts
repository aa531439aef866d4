import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KObject } from "../apiserver/types.ts";
import { SANDBOX_DRIVER } from "./paths.ts";
import { boundClaim, claimDir, eventsFor, phase, pvcObject, sleep, startHarness, waitFor, type Harness } from "./storage-testkit.ts";

type Spec = Record<string, unknown>;
const spec = (o: KObject) => o["spec"] as Spec;
const exists = (p: string) => stat(p).then(() => true, () => false);

describe("StorageController", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  it("provisions and binds a claim of the default class, with a data directory", async () => {
    h.api.create(h.r.pvcs, "app", pvcObject("app", "data", "1Gi"));
    const pvc = await boundClaim(h, "app", "data");
    const pv = h.api.get(h.r.pvs, undefined, `pvc-${pvc.metadata.uid}`);
    expect(spec(pvc)["volumeName"]).toBe(pv.metadata.name);
    expect(pvc["status"]).toMatchObject({ phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" } });
    expect(pvc.metadata.finalizers).toContain("kubernetes.io/pvc-protection");
    expect(pvc.metadata.annotations).toMatchObject({
      "pv.kubernetes.io/bind-completed": "yes",
      "pv.kubernetes.io/bound-by-controller": "yes",
      "volume.kubernetes.io/storage-provisioner": SANDBOX_DRIVER,
      "volume.beta.kubernetes.io/storage-provisioner": SANDBOX_DRIVER,
    });
    expect(pv.metadata.annotations).toMatchObject({ "pv.kubernetes.io/provisioned-by": SANDBOX_DRIVER });
    expect(pv.metadata.finalizers).toContain("kubernetes.io/pv-protection");
    expect(spec(pv)).toMatchObject({
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      volumeMode: "Filesystem",
      storageClassName: "standard",
      persistentVolumeReclaimPolicy: "Delete",
      csi: { driver: SANDBOX_DRIVER, fsType: "ext4" },
      claimRef: { kind: "PersistentVolumeClaim", namespace: "app", name: "data", uid: pvc.metadata.uid },
    });
    expect(phase(pv)).toBe("Bound");
    expect((await stat(claimDir(h, "app", "data"))).isDirectory()).toBe(true);
  });

  it("keeps a WaitForFirstConsumer claim Pending until a node is selected, then pins the volume to it", async () => {
    h.api.create(h.r.pvcs, "app", pvcObject("app", "late", "1Gi", { storageClassName: "wffc" }));
    await waitFor("WaitForFirstConsumer event", () => eventsFor(h, "app", "late").some((e) => e.reason === "WaitForFirstConsumer"));
    await sleep(300);
    expect(phase(h.api.get(h.r.pvcs, "app", "late"))).toBe("Pending");
    expect(h.api.list(h.r.pvs, undefined).items).toHaveLength(0);

    const pvc = h.api.get(h.r.pvcs, "app", "late");
    pvc.metadata.annotations = { ...pvc.metadata.annotations, "volume.kubernetes.io/selected-node": "node-1" };
    h.api.update(h.r.pvcs, "app", "late", pvc);
    const bound = await boundClaim(h, "app", "late");
    const pv = h.api.get(h.r.pvs, undefined, String(spec(bound)["volumeName"]));
    expect(spec(pv)["nodeAffinity"]).toEqual({
      required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-1"] }] }] },
    });
  });

  it("binds a class-less claim to a matching Available volume, smallest first", async () => {
    const staticPv = (name: string, size: string) =>
      h.api.create(h.r.pvs, undefined, {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name },
        spec: { capacity: { storage: size }, accessModes: ["ReadWriteOnce"], storageClassName: "", csi: { driver: SANDBOX_DRIVER, volumeHandle: name } },
      });
    staticPv("big", "10Gi");
    staticPv("small", "2Gi");
    staticPv("tiny", "500Mi");
    await waitFor("static volumes Available", () => h.api.list(h.r.pvs, undefined).items.every((pv) => phase(pv) === "Available"));
    h.api.create(h.r.pvcs, "app", pvcObject("app", "static", "1Gi", { storageClassName: "" }));
    const pvc = await boundClaim(h, "app", "static");
    expect(spec(pvc)["volumeName"]).toBe("small");
    const pv = h.api.get(h.r.pvs, undefined, "small");
    expect(pv.metadata.annotations?.["pv.kubernetes.io/bound-by-controller"]).toBe("yes");
    expect(spec(pv)["claimRef"]).toMatchObject({ name: "static", uid: pvc.metadata.uid });
    expect(phase(h.api.get(h.r.pvs, undefined, "big"))).toBe("Available");

    h.api.create(h.r.pvcs, "app", pvcObject("app", "named", "1Gi", { storageClassName: "", volumeName: "big" }));
    const named = await boundClaim(h, "app", "named");
    expect(spec(named)["volumeName"]).toBe("big");
    expect(named.metadata.annotations?.["pv.kubernetes.io/bound-by-controller"]).toBeUndefined();
  });

  it("clones a claim's data into a new claim", async () => {
    h.api.create(h.r.pvcs, "app", pvcObject("app", "src", "1Gi"));
    await boundClaim(h, "app", "src");
    await mkdir(join(claimDir(h, "app", "src"), "sub"), { recursive: true });
    await writeFile(join(claimDir(h, "app", "src"), "sub", "f.txt"), "hello");
    h.api.create(h.r.pvcs, "app", pvcObject("app", "copy", "1Gi", { dataSource: { kind: "PersistentVolumeClaim", name: "src" } }));
    await boundClaim(h, "app", "copy");
    expect(await readFile(join(claimDir(h, "app", "copy"), "sub", "f.txt"), "utf8")).toBe("hello");
  });

  it("refuses a clone smaller than its source", async () => {
    h.api.create(h.r.pvcs, "app", pvcObject("app", "src", "2Gi"));
    await boundClaim(h, "app", "src");
    h.api.create(h.r.pvcs, "app", pvcObject("app", "small", "1Gi", { dataSource: { kind: "PersistentVolumeClaim", name: "src" } }));
    const failed = await waitFor("ProvisioningFailed", () => eventsFor(h, "app", "small").find((e) => e.reason === "ProvisioningFailed"));
    expect(failed.message).toContain("new PVC request must be greater than or equal in size to the specified PVC data source");
    expect(phase(h.api.get(h.r.pvcs, "app", "small"))).toBe("Pending");
  });

  it("deletes a Delete volume and its data once the claim is gone; keeps a Retain volume Released", async () => {
    h.api.create(h.r.pvcs, "app", pvcObject("app", "gone", "1Gi"));
    h.api.create(h.r.pvcs, "app", pvcObject("app", "kept", "1Gi", { storageClassName: "retain" }));
    const gone = await boundClaim(h, "app", "gone");
    const kept = await boundClaim(h, "app", "kept");
    const goneDir = claimDir(h, "app", "gone");
    const keptDir = claimDir(h, "app", "kept");
    await writeFile(join(keptDir, "keep.txt"), "x");
    h.api.delete(h.r.pvcs, "app", "gone");
    h.api.delete(h.r.pvcs, "app", "kept");
    await waitFor("Delete volume removed", () => !h.api.tryGet(h.r.pvs, undefined, String(spec(gone)["volumeName"])));
    await waitFor("Delete volume data removed", async () => !(await exists(goneDir)));
    const released = await waitFor("Retain volume Released", () => {
      const pv = h.api.tryGet(h.r.pvs, undefined, String(spec(kept)["volumeName"]));
      return phase(pv) === "Released" ? pv : undefined;
    });
    expect(spec(released)["persistentVolumeReclaimPolicy"]).toBe("Retain");
    expect(await readFile(join(keptDir, "keep.txt"), "utf8")).toBe("x");
  });

  it("keeps a claim that a running pod uses until the pod is gone (pvc-protection)", async () => {
    h.api.create(h.r.pvcs, "app", pvcObject("app", "used", "1Gi"));
    await boundClaim(h, "app", "used");
    h.api.create(h.r.pods, "app", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "user" },
      spec: { containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "v", persistentVolumeClaim: { claimName: "used" } }] },
    });
    const pod = h.api.get(h.r.pods, "app", "user");
    h.api.update(h.r.pods, "app", "user", { ...pod, status: { phase: "Running" } }, { subresource: "status" }); // a fake kubelet's report
    h.api.delete(h.r.pvcs, "app", "used");
    await sleep(400);
    const terminating = h.api.get(h.r.pvcs, "app", "used");
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(terminating.metadata.finalizers).toContain("kubernetes.io/pvc-protection");
    h.api.delete(h.r.pods, "app", "user", { gracePeriodSeconds: 0 });
    await waitFor("claim removed", () => !h.api.tryGet(h.r.pvcs, "app", "used"));
    await waitFor("its volume removed", () => h.api.list(h.r.pvs, undefined).items.length === 0);
  });

  it("waits with an event for a class that does not exist", async () => {
    h.api.create(h.r.pvcs, "app", pvcObject("app", "odd", "1Gi", { storageClassName: "nope" }));
    const ev = await waitFor("ProvisioningFailed", () => eventsFor(h, "app", "odd").find((e) => e.reason === "ProvisioningFailed"));
    expect(ev.message).toBe('storageclass.storage.k8s.io "nope" not found');
  });
});
