// Acceptance (issue 4), failures: each ends with BackupRun phase Failed and status.error naming the problem, one
// io.rafdir.backup.failed event saying the same, the application given back (replicas back / command-after ran) and
// nothing rafdir created left behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appReady, expectFailed } from "./assertions.ts";
import { startPipeline, type Pipeline } from "./harness.ts";

const APPS = `
apiVersion: v1
kind: Namespace
metadata: {name: fail}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: app-data, namespace: fail}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: fail}
spec:
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "mkdir -p /data && head -c 100000 /dev/urandom > /data/blob && echo running > /data/marker && touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /data}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: app-data}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: twins, namespace: fail}
spec:
  replicas: 2
  selector: {matchLabels: {app: twins}}
  template:
    metadata: {labels: {app: twins}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "touch /tmp/ready && exec sleep infinity"]
---
apiVersion: snapshot.storage.k8s.io/v1
kind: VolumeSnapshotClass
metadata: {name: foreign}
driver: other.csi.example
deletionPolicy: Delete
`;

const APP = { namespace: "fail", deployment: "app", folders: ["/data"] };
const MARKERS = { "command-before": { cmd: "echo frozen > /data/marker" }, "command-after": { cmd: "echo thawed > /data/marker" } };

describe("failures", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
    await p.apply(APPS);
    await appReady(p, "fail", "app=app");
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  async function runProfile(name: string, profile: Record<string, unknown>) {
    await p.setProfiles({ [name]: profile });
    const since = new Date();
    await p.request({ profiles: [name], force: true });
    return p.finished(name, since);
  }

  it("a missing snapshot class fails before the app is touched", async () => {
    const run = await runProfile("no-class", { ...APP, stop: true, "snapshot-class": "does-not-exist" });
    await expectFailed(p, run, { reason: "SnapshotClassNotFound", message: /snapshot class "does-not-exist".*not found/ });
    expect(run.status.quiesce).toBeUndefined();
    expect(await p.kube.getScale("Deployment", "fail", "app")).toBe(1);
  });

  it("a snapshot class of another driver fails with a driver mismatch naming both drivers", async () => {
    const run = await runProfile("mismatch", { ...APP, stop: true, "snapshot-class": "foreign" });
    await expectFailed(p, run, { reason: "DriverMismatch", message: /"foreign".*"other\.csi\.example".*csi\.sandbox\.rafdir\.io/ });
    expect(run.status.quiesce).toBeUndefined();
    expect(await p.kube.getScale("Deployment", "fail", "app")).toBe(1);
  });

  it("two pods matched: fails naming both pods", async () => {
    await appReady(p, "fail", "app=twins");
    const pods = (await p.kube.list("v1", "Pod", "fail", "app=twins")).map((x) => x.metadata.name).sort();
    expect(pods).toHaveLength(2);
    const run = await runProfile("twins", { namespace: "fail", selector: "app=twins", folders: ["/data"] });
    await expectFailed(p, run, { reason: "SeveralPods", message: new RegExp(`2 pods .*(${pods[0]}.*${pods[1]}|${pods[1]}.*${pods[0]})`) });
  });

  it("a folder that is not mounted fails naming the folder, before command-before runs", async () => {
    const run = await runProfile("unmounted", { ...APP, folders: ["/data", "/srv/missing"], ...MARKERS });
    await expectFailed(p, run, { reason: "FolderNotMounted", message: /"\/srv\/missing"/ });
    expect((await p.exec("fail", "app=app", ["cat", "/data/marker"])).stdout).toBe("running\n");
  });

  it("a stdin dump cut short (output, then exit 3) fails; nothing is saved; command-after ran", async () => {
    const run = await runProfile("cut", { namespace: "fail", deployment: "app", "stdin-command": "head -c 5000 /dev/urandom; exit 3", "stdin-filename": "cut.sql", ...MARKERS });
    await expectFailed(p, run, { reason: "DumpFailed", message: /cut short.*exit 3/ });
    expect((await p.exec("fail", "app=app", ["cat", "/data/marker"])).stdout).toBe("thawed\n");
    expect(run.status.quiesce).toMatchObject({ kind: "command", afterOwed: false });
    expect(await p.snapshots("cut")).toEqual([]);
  });

  it("resticprofile failure (the repository is not a restic repository): fails naming it; the stopped app is back", async () => {
    await p.setRepositories({
      local: { inherit: "default_configuration", repository: "/mnt/restic-repo" },
      broken: { inherit: "default_configuration", repository: "/mnt/restic-repo/not-a-repository" },
    });
    try {
      const run = await runProfile("bad-repo", { ...APP, stop: true, repositories: ["broken"] });
      await expectFailed(p, run, { reason: "RepositoryMissing", message: /repository broken/ });
      expect(run.status.quiesce).toMatchObject({ kind: "stop", originalReplicas: 1, restored: true });
      expect(await p.kube.getScale("Deployment", "fail", "app")).toBe(1);
      await appReady(p, "fail", "app=app");
      expect(await p.snapshots("bad-repo")).toEqual([]);
    } finally {
      await p.setRepositories({ local: { inherit: "default_configuration", repository: "/mnt/restic-repo" } });
    }
  });
});
