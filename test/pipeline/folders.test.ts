// Acceptance (issue 4), what a profile backs up and how the app is quiesced: several folders on two PVCs (two below
// one mount), an NFS pod volume (backed up directly, no snapshot), and command-before / command-after in a named
// container — each restored and compared with the source at snapshot time.
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appReady, expectFailed, expectSnapshot, expectSucceeded, restoredSums } from "./assertions.ts";
import type { Obj } from "../../shared/kube/port.ts";
import { waitFor } from "../support/sandbox.ts";
import { startPipeline, type Pipeline } from "./harness.ts";

const sha = (s: string | Buffer): string => createHash("sha256").update(s).digest("hex");

const pvc = (name: string): string => `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}, namespace: fold}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

const deployment = (name: string, containers: string, volumes: string): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: fold}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
${containers}
      volumes:
${volumes}
`;

// Three folders: two below the /data mount (a third directory there is not asked for), one on a second PVC.
const FILES = [
  "apiVersion: v1\nkind: Namespace\nmetadata: {name: fold}",
  pvc("files-data"),
  pvc("files-logs"),
  deployment(
    "files",
    `      - name: main
        image: busybox
        command: ["sh", "-c", "mkdir -p /data/app /data/media/2026 /data/scratch && head -c 250000 /dev/urandom > /data/media/2026/photo.jpg && echo '{\\"v\\":1}' > /data/app/config.json && echo tmp > /data/scratch/tmp && echo line1 > /data/app/journal && echo started > /logs/app.log && touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /data}
        - {name: logs, mountPath: /logs}`,
    `      - {name: data, persistentVolumeClaim: {claimName: files-data}}
      - {name: logs, persistentVolumeClaim: {claimName: files-logs}}`,
  ),
].join("\n---\n");

// An NFS export mounted straight into the pod, next to a PVC.
const SHARE = [
  pvc("share-state"),
  deployment(
    "share",
    `      - name: main
        image: busybox
        command: ["sh", "-c", "echo 7 > /state/counter && touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: shared, mountPath: /share}
        - {name: state, mountPath: /state}`,
    `      - {name: shared, nfs: {server: sandbox, path: /exports/share}}
      - {name: state, persistentVolumeClaim: {claimName: share-state}}`,
  ),
].join("\n---\n");

// A PVC bound to a pre-provisioned NFS PV, and a hostPath volume of the pod's node: both backed up directly.
const ARCHIVE = [
  `apiVersion: v1
kind: PersistentVolume
metadata: {name: archive-nfs}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  nfs: {server: sandbox, path: /exports/archive}
  claimRef: {namespace: fold, name: archive}`,
  `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: archive, namespace: fold}
spec: {accessModes: [ReadWriteMany], storageClassName: "", volumeName: archive-nfs, resources: {requests: {storage: 1Gi}}}`,
  deployment(
    "archive",
    `      - name: main
        image: busybox
        command: ["sh", "-c", "touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: archive, mountPath: /archive}
        - {name: cache, mountPath: /host-cache}`,
    `      - {name: archive, persistentVolumeClaim: {claimName: archive}}
      - {name: cache, hostPath: {path: /var/cache/archive, type: Directory}}`,
  ),
].join("\n---\n");

// Two containers: only `main` mounts the ledger; command-before/after must run there (named explicitly).
const LEDGER = [
  pvc("ledger-data"),
  deployment(
    "ledger",
    `      - name: sidecar
        image: busybox
        command: ["sh", "-c", "touch /tmp/ready && exec sleep infinity"]
      - name: main
        image: busybox
        command: ["sh", "-c", "mkdir -p /ledger/state && head -c 120000 /dev/urandom > /ledger/state/book && echo entry1 > /ledger/state/journal && touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /ledger}`,
    `      - {name: data, persistentVolumeClaim: {claimName: ledger-data}}`,
  ),
].join("\n---\n");

describe("folders, NFS and commands", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  it("several folders on two PVCs (two below one mount) are backed up at their paths; only the asked folders", async () => {
    await p.apply(FILES);
    await appReady(p, "fold", "app=files");
    const app = await p.podSums("fold", "app=files", "/data/app");
    const media = await p.podSums("fold", "app=files", "/data/media");
    const logs = await p.podSums("fold", "app=files", "/logs");
    await p.setProfiles({
      files: {
        namespace: "fold",
        deployment: "files",
        folders: ["/data/app", "/data/media", "/logs"],
        host: "files.example",
        "command-after": { cmd: "echo after-snapshot >> /data/app/journal && echo after-snapshot >> /logs/app.log" },
      },
    });

    const since = new Date();
    await p.request({ profiles: ["files"], force: true });
    const run = await p.finished("files", since);
    await expectSucceeded(p, run);
    expect(run.status.volumes?.map((v) => v.sourcePvc).sort()).toEqual(["files-data", "files-logs"]);

    const dir = await p.restore("files.example", "files");
    try {
      expect(await p.hostSums(join(dir, "data", "app"))).toEqual(app);
      expect(await p.hostSums(join(dir, "data", "media"))).toEqual(media);
      expect(await p.hostSums(join(dir, "logs"))).toEqual(logs);
      // /data/scratch is on the same PVC but not in folders
      expect(Object.keys(await p.hostSums(join(dir, "data"))).filter((f) => f.startsWith("./scratch"))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await expectSnapshot(p, "files.example", "files", ["/data/app", "/data/media", "/logs"]);
    // command-after ran after the snapshot: its lines are in the app, not in the backup
    expect((await p.exec("fold", "app=files", ["cat", "/data/app/journal"])).stdout).toBe("line1\nafter-snapshot\n");
  });

  it("snapshot-class and storage-class from the profile: the backup PVC waits for its first consumer (the backup pod)", async () => {
    const logs = await p.podSums("fold", "app=files", "/logs");
    await p.setProfiles({ "files-wffc": { namespace: "fold", deployment: "files", folders: ["/logs"], "snapshot-class": "sandbox-snapshots", "storage-class": "standard-wffc" } });
    const since = new Date();
    await p.request({ profiles: ["files-wffc"], force: true });
    const run = await p.finished("files-wffc", since);
    await expectSucceeded(p, run);
    expect(run.status.volumes).toEqual([expect.objectContaining({ sourcePvc: "files-logs", snapshotClass: "sandbox-snapshots", storageClass: "standard-wffc" })]);
    expect(await restoredSums(p, "files-wffc", "files-wffc", "/logs")).toEqual(logs);
    await expectSnapshot(p, "files-wffc", "files-wffc", ["/logs"]);
  });

  /** Profile `name` (the files app's /logs plus `extra` options), backed up once; the run, checked Succeeded and clean. */
  async function backUp(name: string, extra: Record<string, unknown>) {
    await p.setProfiles({ [name]: { namespace: "fold", deployment: "files", folders: ["/logs"], ...extra } });
    const since = new Date();
    await p.request({ profiles: [name], force: true });
    const run = await p.finished(name, since);
    await expectSucceeded(p, run);
    return run;
  }

  it("a Retain storage-class: the backup PVC's volume is deleted with it, no Released PV is left", async () => {
    await p.apply(
      "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: keep}\nprovisioner: csi.sandbox.rafdir.io\nreclaimPolicy: Retain\nvolumeBindingMode: Immediate\n",
    );
    const logs = await p.podSums("fold", "app=files", "/logs");
    const run = await backUp("files-keep", { "storage-class": "keep" });
    expect(run.status.volumes).toEqual([expect.objectContaining({ storageClass: "keep" })]);
    const backupPvc = run.status.volumes?.[0]?.backupPvc;
    await waitFor("the backup PVC's volume gone", async () => {
      const left = (await p.kube.list<Obj & { spec?: { claimRef?: { name?: string } } }>("v1", "PersistentVolume")).filter((pv) => pv.spec?.claimRef?.name === backupPvc);
      return left.length === 0 ? true : undefined;
    });
    expect(await restoredSums(p, "files-keep", "files-keep", "/logs")).toEqual(logs);
  });

  it("a Retain snapshot-class: the source snapshot's content and backend snapshot are deleted with it", async () => {
    await p.apply(
      "apiVersion: snapshot.storage.k8s.io/v1\nkind: VolumeSnapshotClass\nmetadata: {name: keep-snapshots}\ndriver: csi.sandbox.rafdir.io\ndeletionPolicy: Retain\n",
    );
    const snapshotsDir = join(p.dataDir, "snapshots");
    const backendBefore = readdirSync(snapshotsDir).sort();
    const logs = await p.podSums("fold", "app=files", "/logs");
    const run = await backUp("files-keep-snap", { "snapshot-class": "keep-snapshots" });
    expect(run.status.volumes).toEqual([expect.objectContaining({ snapshotClass: "keep-snapshots" })]);
    const source = run.status.volumes?.[0]?.sourceSnapshot;
    await waitFor("no content of the source snapshot, and no backend snapshot left", async () => {
      const contents = await p.kube.list<Obj & { spec?: { volumeSnapshotRef?: { name?: string } } }>("snapshot.storage.k8s.io/v1", "VolumeSnapshotContent");
      return !contents.some((c) => c.spec?.volumeSnapshotRef?.name === source) && readdirSync(snapshotsDir).sort().join() === backendBefore.join() ? true : undefined;
    });
    expect(await restoredSums(p, "files-keep-snap", "files-keep-snap", "/logs")).toEqual(logs);
  });

  it("an NFS pod volume is backed up directly (no snapshot of it) next to a snapshotted PVC", async () => {
    const exportDir = join(p.dataDir, "nfs", "sandbox", "exports", "share");
    mkdirSync(join(exportDir, "docs"), { recursive: true });
    writeFileSync(join(exportDir, "docs", "report.pdf"), randomBytes(180_000));
    writeFileSync(join(exportDir, "readme.txt"), "shared\n");
    const shareBefore = await p.hostSums(exportDir);
    await p.apply(SHARE);
    await appReady(p, "fold", "app=share");
    expect(await p.podSums("fold", "app=share", "/share")).toEqual(shareBefore);
    const state = await p.podSums("fold", "app=share", "/state");
    await p.setProfiles({ share: { namespace: "fold", deployment: "share", folders: ["/share", "/state"] } });

    const since = new Date();
    await p.request({ profiles: ["share"], force: true });
    const run = await p.finished("share", since);
    await expectSucceeded(p, run);
    expect(run.status.volumes?.map((v) => v.sourcePvc)).toEqual(["share-state"]);
    expect(run.status.direct).toEqual([expect.objectContaining({ kind: "nfs", mountPath: "/share", nfs: { server: "sandbox", path: "/exports/share" } })]);

    expect(await restoredSums(p, "share", "share", "/share")).toEqual(shareBefore);
    expect(await restoredSums(p, "share", "share", "/state")).toEqual(state);
    await expectSnapshot(p, "share", "share", ["/share", "/state"]);
  });

  it("a dump beside folders whose first folder is the live NFS share fails clearly and writes nothing there", async () => {
    const exportDir = join(p.dataDir, "nfs", "sandbox", "exports", "share");
    const shareBefore = await p.hostSums(exportDir);
    await p.setProfiles({ "share-dump": { namespace: "fold", deployment: "share", folders: ["/share", "/state"], "stdin-command": "echo dump", "stdin-filename": "dump.sql" } });
    const since = new Date();
    await p.request({ profiles: ["share-dump"], force: true });
    const run = await p.finished("share-dump", since);
    await expectFailed(p, run, { reason: "DumpTargetLive", message: /writes its dump into the first folder, \/share, but that is the NFS share sandbox:\/exports\/share itself/ });
    expect(await p.hostSums(exportDir)).toEqual(shareBefore);
  });

  it("a PVC bound to an NFS PV and a hostPath pod volume are backed up directly (no snapshot, no backup PVC)", async () => {
    const exportDir = join(p.dataDir, "nfs", "sandbox", "exports", "archive");
    const hostDir = join(p.dataDir, "nodes", "sandbox-node-1", "root", "var", "cache", "archive");
    mkdirSync(join(exportDir, "2025"), { recursive: true });
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(join(exportDir, "2025", "q4.tar"), randomBytes(160_000));
    writeFileSync(join(hostDir, "index.db"), randomBytes(40_000));
    const archiveBefore = await p.hostSums(exportDir);
    const cacheBefore = await p.hostSums(hostDir);
    await p.apply(ARCHIVE);
    await appReady(p, "fold", "app=archive");
    expect(await p.podSums("fold", "app=archive", "/archive")).toEqual(archiveBefore);
    await p.setProfiles({ archive: { namespace: "fold", deployment: "archive", folders: ["/archive", "/host-cache"] } });

    const since = new Date();
    await p.request({ profiles: ["archive"], force: true });
    const run = await p.finished("archive", since);
    await expectSucceeded(p, run);
    expect(run.status.volumes ?? []).toEqual([]);
    expect(run.status.direct?.map((d) => [d.kind, d.mountPath])).toEqual([
      ["nfs", "/archive"],
      ["hostPath", "/host-cache"],
    ]);

    expect(await restoredSums(p, "archive", "archive", "/archive")).toEqual(archiveBefore);
    expect(await restoredSums(p, "archive", "archive", "/host-cache")).toEqual(cacheBefore);
    await expectSnapshot(p, "archive", "archive", ["/archive", "/host-cache"]);
    // the pre-provisioned PV is the app's, not rafdir's: it stays
    expect(await p.kube.get({ apiVersion: "v1", kind: "PersistentVolume", name: "archive-nfs" })).toBeDefined();
  });

  it("command-before and command-after run in the named container; the backup holds the command-before state", async () => {
    await p.apply(LEDGER);
    await appReady(p, "fold", "app=ledger", "main");
    const before = await p.podSums("fold", "app=ledger", "/ledger", "main");
    await p.setProfiles({
      ledger: {
        namespace: "fold",
        deployment: "ledger",
        folders: ["/ledger"],
        "command-before": { cmd: "echo frozen > /ledger/state/marker", container: "main" },
        "command-after": { cmd: "echo thawed > /ledger/state/marker && echo after-snapshot >> /ledger/state/journal", container: "main" },
      },
    });

    const since = new Date();
    await p.request({ profiles: ["ledger"], force: true });
    const run = await p.finished("ledger", since);
    await expectSucceeded(p, run);
    expect(run.status.quiesce).toMatchObject({ kind: "command", container: "main", afterOwed: false });

    // the source as it was at snapshot time: what the app had, plus command-before's marker — nothing of command-after
    expect(await restoredSums(p, "ledger", "ledger", "/ledger")).toEqual({ ...before, "./state/marker": sha("frozen\n") });
    await expectSnapshot(p, "ledger", "ledger", ["/ledger"]);
    expect((await p.exec("fold", "app=ledger", ["cat", "/ledger/state/marker"], "main")).stdout).toBe("thawed\n");
    expect((await p.exec("fold", "app=ledger", ["cat", "/ledger/state/journal"], "main")).stdout).toBe("entry1\nafter-snapshot\n");
  });
});
