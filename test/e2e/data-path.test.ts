// Acceptance: bytes through the data plane, checksummed. A pod writes an app volume; a CSI snapshot freezes it;
// the source changes; the snapshot is copied into another namespace through a pre-provisioned
// VolumeSnapshotContent; a pod mounting a PVC restored from the copy sees exactly the snapshot-time files.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotDir } from "../../sandbox/controllers/paths.ts";
import { testSandbox, waitFor, type TestSandbox } from "../support/sandbox.ts";

const WRITER = `
apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: app}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: app}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "mkdir -p /srv/data/sub && head -c 300000 /dev/urandom > /srv/data/blob.bin && echo v1 > /srv/data/sub/version && exec sleep infinity"]
    volumeMounts: [{name: data, mountPath: /srv/data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data}
`;

const SUMS = "cd /srv/data && find . -type f | sort | xargs sha256sum";

describe("data path: snapshot, cross-namespace copy, restore", () => {
  let sb: TestSandbox;
  let snapshotHandle = "";
  beforeAll(async () => {
    sb = await testSandbox({ snapshotReadyDelayMs: 300 });
  });
  afterAll(async () => {
    await sb?.close();
  });

  async function ok(args: string[], input?: string): Promise<string> {
    const r = await sb.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  }

  it("restores exactly the snapshot-time files in another namespace", async () => {
    await ok(["apply", "-f", "-"], WRITER);
    await ok(["-n", "app", "wait", "pod/writer", "--for=condition=Ready", "--timeout=30s"]);
    await waitFor("the writer to finish writing", async () => (await sb.kubectl(["-n", "app", "exec", "writer", "--", "cat", "/srv/data/sub/version"])).stdout === "v1\n");
    const atSnapshot = await ok(["-n", "app", "exec", "writer", "--", "sh", "-c", SUMS]);
    expect(atSnapshot).toContain("./blob.bin");

    await ok(
      ["apply", "-f", "-"],
      "apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshot\nmetadata: {name: snap-1, namespace: app}\nspec:\n  source: {persistentVolumeClaimName: data}\n",
    );
    // Later writes must not show up in the snapshot.
    await ok(["-n", "app", "exec", "writer", "--", "sh", "-c", "echo v2 > /srv/data/sub/version && echo new > /srv/data/after.txt && rm /srv/data/blob.bin"]);
    await ok(["-n", "app", "wait", "volumesnapshot/snap-1", "--for=jsonpath={.status.readyToUse}=true", "--timeout=30s"]);

    const contentName = await ok(["-n", "app", "get", "volumesnapshot", "snap-1", "-o", "jsonpath={.status.boundVolumeSnapshotContentName}"]);
    const handle = await ok(["get", "volumesnapshotcontent", contentName, "-o", "jsonpath={.status.snapshotHandle}"]);
    const restoreSize = await ok(["-n", "app", "get", "volumesnapshot", "snap-1", "-o", "jsonpath={.status.restoreSize}"]);
    expect(handle).toMatch(/^snapshot-/);
    snapshotHandle = handle;
    expect(existsSync(snapshotDir(join(sb.dir, "data"), handle))).toBe(true);

    // Copy into the backup namespace: a pre-provisioned content (Retain: the source content stays the one Delete owner).
    await ok(
      ["apply", "-f", "-"],
      `apiVersion: v1
kind: Namespace
metadata: {name: backup}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotContent
metadata: {name: copy-content}
spec:
  deletionPolicy: Retain
  driver: csi.sandbox.rafdir.io
  source: {snapshotHandle: ${handle}}
  volumeSnapshotRef: {name: snap-copy, namespace: backup}
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshot
metadata: {name: snap-copy, namespace: backup}
spec:
  source: {volumeSnapshotContentName: copy-content}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: restored, namespace: backup}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: ${restoreSize}}}
  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap-copy}
---
apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: backup}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sleep", "infinity"]
    volumeMounts: [{name: data, mountPath: /srv/data, readOnly: true}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: restored}
`,
    );
    await ok(["-n", "backup", "wait", "pod/reader", "--for=condition=Ready", "--timeout=30s"]);
    const restored = await ok(["-n", "backup", "exec", "reader", "--", "sh", "-c", SUMS]);
    expect(restored).toBe(atSnapshot);
    const nowAtSource = await ok(["-n", "app", "exec", "writer", "--", "sh", "-c", SUMS]);
    expect(nowAtSource).not.toBe(atSnapshot);
    const readOnly = await sb.kubectl(["-n", "backup", "exec", "reader", "--", "sh", "-c", "echo x > /srv/data/x"]);
    expect(readOnly.code).not.toBe(0);
  });

  it("keeps a restore below the snapshot's restoreSize Pending with a ProvisioningFailed event", async () => {
    await ok(
      ["apply", "-f", "-"],
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: too-small, namespace: app}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n  dataSource: {apiGroup: snapshot.storage.k8s.io, kind: VolumeSnapshot, name: snap-1}\n",
    );
    const event = await waitFor("a ProvisioningFailed event", async () => {
      const out = await ok(["-n", "app", "get", "events", "--field-selector", "involvedObject.name=too-small,reason=ProvisioningFailed", "-o", "jsonpath={.items[*].message}"]);
      return out || undefined;
    });
    expect(event).toContain("requested volume size 1073741824 is less than the size 2147483648 for the source snapshot snap-1");
    expect(await ok(["-n", "app", "get", "pvc", "too-small", "-o", "jsonpath={.status.phase}"])).toBe("Pending");
  });

  it("binds a WaitForFirstConsumer claim only once a pod uses it", async () => {
    await ok(
      ["apply", "-f", "-"],
      "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: lazy, namespace: app}\nspec:\n  storageClassName: standard-wffc\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n",
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(await ok(["-n", "app", "get", "pvc", "lazy", "-o", "jsonpath={.status.phase}"])).toBe("Pending");
    await ok(
      ["apply", "-f", "-"],
      "apiVersion: v1\nkind: Pod\nmetadata: {name: consumer, namespace: app}\nspec:\n  containers:\n  - {name: main, image: busybox, command: [sh, -c, 'echo hi > /mnt/lazy/hello && sleep infinity'], volumeMounts: [{name: v, mountPath: /mnt/lazy}]}\n  volumes:\n  - {name: v, persistentVolumeClaim: {claimName: lazy}}\n",
    );
    await ok(["-n", "app", "wait", "pvc/lazy", "--for=jsonpath={.status.phase}=Bound", "--timeout=30s"]);
    await ok(["-n", "app", "wait", "pod/consumer", "--for=condition=Ready", "--timeout=30s"]);
    const node = await ok(["-n", "app", "get", "pvc", "lazy", "-o", "jsonpath={.metadata.annotations.volume\\.kubernetes\\.io/selected-node}"]);
    expect(node).toBe("sandbox-node-1");
  });

  it("Delete policy: deleting the snapshot removes its content and the backing data", async () => {
    const contentName = await ok(["-n", "app", "get", "volumesnapshot", "snap-1", "-o", "jsonpath={.status.boundVolumeSnapshotContentName}"]);
    await ok(["-n", "app", "delete", "pvc", "too-small", "--wait=false"]);
    await ok(["-n", "app", "delete", "volumesnapshot", "snap-1", "--timeout=30s"]);
    await waitFor("the content to go", async () => (await sb.kubectl(["get", "volumesnapshotcontent", contentName])).code !== 0);
    expect(existsSync(snapshotDir(join(sb.dir, "data"), snapshotHandle))).toBe(false);
    // the Retain copy in the backup namespace is still there: only the Delete owner removed the data
    const copy = await ok(["get", "volumesnapshotcontent", "copy-content", "-o", "jsonpath={.spec.deletionPolicy}"]);
    expect(copy).toBe("Retain");
  });
});
