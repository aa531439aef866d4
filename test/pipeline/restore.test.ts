// Restore (functions/restore, docs/adr/0004) through the broker on the sandbox, with real restic: a backup of an app,
// then restores into a new PVC in another namespace and into an existing PVC, proven by checksums read from the
// restored PVC by a pod; refusals that change nothing; and nothing of the restore's own objects left behind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { waitFor } from "../support/sandbox.ts";
import { startPipeline, type Pipeline, type Sums } from "./harness.ts";

const APP = `
apiVersion: v1
kind: Namespace
metadata: {name: notes}
---
apiVersion: v1
kind: Namespace
metadata: {name: dr}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: notes-data, namespace: notes}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: notes, namespace: notes}
spec:
  replicas: 1
  selector: {matchLabels: {app: notes}}
  template:
    metadata: {labels: {app: notes}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "mkdir -p /var/notes/db /var/notes/media/deep && [ -f /var/notes/db/a ] || (head -c 300000 /dev/urandom > /var/notes/db/a; echo one > /var/notes/media/deep/b; ln -s ../db/a /var/notes/media/link); exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /var/notes/db, subPath: db}
        - {name: data, mountPath: /var/notes/media, subPath: media}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: notes-data}}
`;

const READER = (pvc: string): string => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: reader, namespace: dr}
spec:
  replicas: 1
  selector: {matchLabels: {app: reader}}
  template:
    metadata: {labels: {app: reader}}
    spec:
      containers:
      - {name: main, image: busybox, command: ["sh", "-c", "echo stale > /data/stale; exec sleep infinity"], volumeMounts: [{name: data, mountPath: /data}]}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: ${pvc}}}
`;

describe("restore on the sandbox", () => {
  let p: Pipeline;
  let db: Sums;
  let media: Sums;
  let firstSnapshot = "";

  beforeAll(async () => {
    p = await startPipeline();
    await p.apply(APP);
    await p.sb.kubectl(["-n", "notes", "rollout", "status", "deploy/notes", "--timeout=60s"]);
    db = await p.podSums("notes", "app=notes", "/var/notes/db");
    media = await p.podSums("notes", "app=notes", "/var/notes/media");
    await p.setProfiles({ notes: { namespace: "notes", deployment: "notes", folders: ["/var/notes/db", "/var/notes/media"], host: "notes.example", "restore-namespaces": ["notes", "dr"] } });
    const since = new Date();
    await p.request({ profiles: ["notes"], force: true });
    const run = await p.finished("notes", since);
    expect(run.status.phase, JSON.stringify(run.status.error)).toBe("Succeeded");
    firstSnapshot = (await p.snapshots("notes.example")).at(-1)?.id ?? "";
    // Writes after the backup must not come back with a restore of it.
    await p.exec("notes", "app=notes", ["sh", "-c", "echo later > /var/notes/db/a; echo new > /var/notes/db/c"]);
  }, 180_000);
  afterAll(async () => {
    await p?.close();
  });

  it("restores one folder of the latest snapshot into a new PVC in another namespace; data, labels and leftovers check out", async () => {
    const run = await p.restoreAndWait({ profile: "notes", path: "/var/notes/db", target: { namespace: "dr", pvc: "notes-db" } });
    expect(run.status.phase, JSON.stringify(run.status.error)).toBe("Succeeded");
    expect(run.status.snapshot).toMatchObject({ id: firstSnapshot, host: "notes.example", tags: ["notes"], path: "/var/notes/db" });
    expect(await p.pvcSums("dr", "notes-db")).toEqual(db);

    const pvc = await p.kube.get({ apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "dr", name: "notes-db" });
    expect(pvc?.["status"]).toMatchObject({ phase: "Bound" });
    expect(pvc?.metadata.labels?.["app.kubernetes.io/managed-by"]).toBeUndefined();
    expect(pvc?.metadata.annotations?.["rafdir.io/restored-from"]).toContain(run.metadata.name);
    const pv = await p.kube.get({ apiVersion: "v1", kind: "PersistentVolume", name: String((pvc?.["spec"] as { volumeName?: string }).volumeName) });
    expect(pv?.["spec"]).toMatchObject({ persistentVolumeReclaimPolicy: "Delete", claimRef: { namespace: "dr", name: "notes-db" } });
    expect(await p.leftovers()).toEqual([]);
    expect(p.events().some((e) => e.type === "io.rafdir.restore.succeeded" && e.rafdirrun === run.metadata.name)).toBe(true);
  });

  it("refuses what it cannot do, names why, and changes nothing", async () => {
    const cases: Array<[Parameters<Pipeline["restoreAndWait"]>[0], string, RegExp]> = [
      [{ profile: "notes", target: { namespace: "dr", pvc: "x" } }, "PathRequired", /2 paths \(\/var\/notes\/db, \/var\/notes\/media\): set path/],
      [{ profile: "notes", path: "/var/notes/db", target: { namespace: "dr", pvc: "notes-db" } }, "TargetExists", /PVC dr\/notes-db already exists/],
      [{ profile: "ghost", target: { namespace: "dr", pvc: "x" } }, "ProfileNotFound", /profile "ghost" is not configured/],
      [{ profile: "notes", target: { namespace: "kube-system", pvc: "x" } }, "NamespaceNotAllowed", /target.namespace "kube-system" is not one its snapshots may be restored into \(restore-namespaces: notes, dr\)/],
      [{ profile: "notes", snapshot: "deadbeef", path: "/var/notes/db", target: { namespace: "dr", pvc: "x" } }, "SnapshotNotFound", /deadbeef/],
      [{ profile: "notes", path: "/var/notes/db", target: { namespace: "dr", pvc: "x", size: "1Ki" } }, "SizeTooSmall", /target.size 1Ki is smaller/],
      // A file, not a folder: restic fails in the restore pod, after the staging volume exists.
      [{ profile: "notes", path: "/var/notes/db/a", target: { namespace: "dr", pvc: "x" } }, "RestoreFailed", /not a directory/],
    ];
    for (const [data, reason, message] of cases) {
      const run = await p.restoreAndWait(data);
      expect(run.status.phase, `${reason}: ${JSON.stringify(run.status)}`).toBe("Failed");
      expect(run.status.error?.reason).toBe(reason);
      expect(run.status.error?.message).toMatch(message);
      expect(p.events().some((e) => e.type === "io.rafdir.restore.failed" && e.rafdirrun === run.metadata.name)).toBe(true);
    }
    expect(await p.kube.get({ apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "dr", name: "x" })).toBeUndefined();
    await waitFor("the failed restore's staging volume to go", async () => (await p.leftovers()).length === 0, 15_000).catch(() => undefined);
    expect(await p.leftovers()).toEqual([]);
  });

  it("replaces the contents of an existing PVC only when asked, and not while a pod uses it", async () => {
    await p.apply(READER("notes-db"));
    await p.sb.kubectl(["-n", "dr", "rollout", "status", "deploy/reader", "--timeout=60s"]);
    const media1 = { profile: "notes", snapshot: firstSnapshot, path: "/var/notes/media", target: { namespace: "dr", pvc: "notes-db", existing: true } };
    const busy = await p.restoreAndWait(media1);
    expect(busy.status.error?.reason).toBe("TargetInUse");
    expect(busy.status.error?.message).toMatch(/in use by pod dr\/reader-/);

    await p.kube.setScale("Deployment", "dr", "reader", 0);
    const run = await p.restoreAndWait(media1);
    expect(run.status.phase, JSON.stringify(run.status.error)).toBe("Succeeded");
    expect(await p.pvcSums("dr", "notes-db")).toEqual(media); // the db files and "stale" are gone: an exact copy
    expect(run.status.result?.removed).toBeGreaterThan(0);
    expect(await p.leftovers()).toEqual([]);
  });

  it("restores into a WaitForFirstConsumer class: the moved volume binds the new PVC without a consumer", async () => {
    const run = await p.restoreAndWait({ profile: "notes", path: "/var/notes/media", target: { namespace: "dr", pvc: "notes-media", storageClass: "standard-wffc" } });
    expect(run.status.phase, JSON.stringify(run.status.error)).toBe("Succeeded");
    const pvc = await p.kube.get({ apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "dr", name: "notes-media" });
    expect(pvc?.["spec"]).toMatchObject({ storageClassName: "standard-wffc" });
    expect(pvc?.["status"]).toMatchObject({ phase: "Bound" });
    expect(await p.pvcSums("dr", "notes-media")).toEqual(media);
    expect(await p.leftovers()).toEqual([]);

    // Its volume is node-bound now: replacing its contents pins the restore pod (and so the staging volume) there.
    const pv = await p.kube.get({ apiVersion: "v1", kind: "PersistentVolume", name: String((pvc?.["spec"] as { volumeName?: string }).volumeName) });
    expect(pv?.["spec"]).toHaveProperty("nodeAffinity.required");
    const again = await p.restoreAndWait({ profile: "notes", path: "/var/notes/db", target: { namespace: "dr", pvc: "notes-media", existing: true } });
    expect(again.status.phase, JSON.stringify(again.status.error)).toBe("Succeeded");
    expect(await p.pvcSums("dr", "notes-media")).toEqual(db);
    expect(await p.leftovers()).toEqual([]);
  });

  it("finishes through janitor ticks alone when every pod event of the restore is lost", async () => {
    const eventing = p.sb.eventing;
    if (!eventing) throw new Error("no eventing");
    eventing.setFaults({ drop: { probability: 1, trigger: "rafdir-restore-pod-update" } });
    try {
      const tick = async (): Promise<void> => {
        await p.emit(newEvent(EventTypes.ping, "/apis/v1/namespaces/backup/pingsources/rafdir-janitor", { janitor: true }));
      };
      const ticking = setInterval(() => void tick().catch(() => undefined), 1000);
      try {
        const run = await p.restoreAndWait({ profile: "notes", snapshot: firstSnapshot.slice(0, 8), path: "/var/notes/db", target: { namespace: "dr", pvc: "notes-db-2" } });
        expect(run.status.phase, JSON.stringify(run.status.error)).toBe("Succeeded");
      } finally {
        clearInterval(ticking);
      }
    } finally {
      eventing.setFaults({});
    }
    const dropped = p.events().filter((e) => e.kind === "fault" && (e as { trigger?: string }).trigger?.endsWith("rafdir-restore-pod-update"));
    expect(dropped.length).toBeGreaterThan(0);
    expect(await p.pvcSums("dr", "notes-db-2")).toEqual(db);
    expect(await p.leftovers()).toEqual([]);
  });

  it("restores a dump-only profile's file from the snapshot's root", async () => {
    await p.setProfiles({
      notes: { namespace: "notes", deployment: "notes", folders: ["/var/notes/db", "/var/notes/media"], host: "notes.example", "restore-namespaces": ["notes", "dr"] },
      "notes-dump": { namespace: "notes", deployment: "notes", "stdin-command": "cat /var/notes/media/deep/b", "stdin-filename": "b.txt", host: "notes.example", "restore-namespaces": ["dr"] },
    });
    const since = new Date();
    await p.request({ profiles: ["notes-dump"], force: true });
    const backup = await p.finished("notes-dump", since);
    expect(backup.status.phase, JSON.stringify(backup.status.error)).toBe("Succeeded");

    const run = await p.restoreAndWait({ profile: "notes-dump", target: { namespace: "dr", pvc: "notes-dump" } });
    expect(run.status.phase, JSON.stringify(run.status.error)).toBe("Succeeded");
    expect(run.status.snapshot).toMatchObject({ paths: ["/b.txt"], path: "/" });
    expect(await p.pvcSums("dr", "notes-dump")).toEqual({ "./b.txt": media["./deep/b"] });
    expect(await p.leftovers()).toEqual([]);
  });
});
