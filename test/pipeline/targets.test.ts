// Acceptance (issue 4), target kinds: a StatefulSet (its volumeClaimTemplates PVC), a selector (a bare pod matched by
// labels) and a node (hostPath folders) — each backed up through the broker and the five functions, restored, and
// compared with the source at snapshot time.
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { appReady, expectSnapshot, expectSucceeded, restoredSums } from "./assertions.ts";
import { startPipeline, type Pipeline } from "./harness.ts";

const NS = `
apiVersion: v1
kind: Namespace
metadata: {name: tgt}
`;

// Every start appends a line to /var/lib/db/boots: the restart after the snapshot writes one that must not be backed up.
const STATEFULSET = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: tgt}
spec:
  replicas: 1
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "mkdir -p /var/lib/db/tables && ([ -f /var/lib/db/tables/t1 ] || head -c 300000 /dev/urandom > /var/lib/db/tables/t1) && echo boot-$(date +%s%N) >> /var/lib/db/boots && touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /var/lib/db}
      # The sandbox's API server refuses a mount of a claim template without a pod volume of that name (real
      # Kubernetes accepts it); the StatefulSet controller replaces this placeholder with the claim, as upstream does.
      volumes:
      - {name: data, emptyDir: {}}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

// A bare pod (no workload) and a decoy with the same app label; the profile's set-based selector picks the first.
const BARE_PODS = `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: cache-data, namespace: tgt}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: cache, namespace: tgt, labels: {app: cache, tier: edge}}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "mkdir -p /cache/blobs && ([ -f /cache/blobs/b1 ] || head -c 200000 /dev/urandom > /cache/blobs/b1) && echo v1 > /cache/index && touch /tmp/ready && exec sleep infinity"]
    volumeMounts:
    - {name: data, mountPath: /cache}
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: cache-data}}
---
apiVersion: v1
kind: Pod
metadata: {name: cache-origin, namespace: tgt, labels: {app: cache, tier: origin}}
spec:
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "touch /tmp/ready && exec sleep infinity"]
`;

describe("target kinds", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
    await p.apply(NS);
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  it("statefulset: backs up the volumeClaimTemplates PVC of a stopped StatefulSet; the restart's write is not in it", async () => {
    await p.apply(STATEFULSET);
    await appReady(p, "tgt", "app=db");
    const before = await p.podSums("tgt", "app=db", "/var/lib/db");
    expect(Object.keys(before).sort()).toEqual(["./boots", "./tables/t1"]);
    await p.setProfiles({ db: { namespace: "tgt", statefulset: "db", folders: ["/var/lib/db"], stop: true, host: "db.example" } });

    const since = new Date();
    await p.request({ profiles: ["db"], force: true });
    const run = await p.finished("db", since);
    await expectSucceeded(p, run);
    expect(run.status.volumes?.map((v) => v.sourcePvc)).toEqual(["data-db-0"]);
    expect(run.status.quiesce).toMatchObject({ kind: "stop", originalReplicas: 1, restored: true });

    expect(await restoredSums(p, "db.example", "db", "/var/lib/db")).toEqual(before);
    await expectSnapshot(p, "db.example", "db", ["/var/lib/db"]);

    // back at its replicas, and the restarted pod wrote a second boot line after the snapshot
    expect(await p.kube.getScale("StatefulSet", "tgt", "db")).toBe(1);
    await appReady(p, "tgt", "app=db");
    const boots = await p.exec("tgt", "app=db", ["cat", "/var/lib/db/boots"]);
    expect(boots.stdout.trim().split("\n")).toHaveLength(2);
  }, 120_000);

  it("stop with a pod slower to stop than the broker retries: the janitor tick looks again; backed up and restarted", async () => {
    // ignores SIGTERM: the kubelet kills it after its 20 s grace period (the broker's retries span ~15 s)
    await p.apply(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: stubborn, namespace: tgt}
spec:
  replicas: 1
  selector: {matchLabels: {app: stubborn}}
  template:
    metadata: {labels: {app: stubborn}}
    spec:
      terminationGracePeriodSeconds: 20
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "trap '' TERM; mkdir -p /srv/data && echo state-$(date +%s%N) > /srv/data/state && touch /tmp/ready && while true; do sleep 1; done"]
        volumeMounts:
        - {name: data, mountPath: /srv/data}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: stubborn-data}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: stubborn-data, namespace: tgt}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`);
    await appReady(p, "tgt", "app=stubborn");
    const before = await p.podSums("tgt", "app=stubborn", "/srv/data");
    await p.setProfiles({ stubborn: { namespace: "tgt", deployment: "stubborn", folders: ["/srv/data"], stop: true, host: "stubborn.example" } });

    const since = new Date();
    await p.request({ profiles: ["stubborn"], force: true });
    // the janitor's PingSource, every few seconds here instead of every minute
    let ticking = true;
    const ticks = (async () => {
      while (ticking) {
        await new Promise((r) => setTimeout(r, 4000));
        if (ticking) await p.emit(newEvent(EventTypes.ping, "/apis/v1/namespaces/backup/pingsources/rafdir-janitor", { janitor: true }));
      }
    })();
    const run = await p.finished("stubborn", since, 90_000).finally(() => (ticking = false));
    await ticks;
    await expectSucceeded(p, run);
    expect(run.status.quiesce).toMatchObject({ kind: "stop", originalReplicas: 1, restored: true });
    expect(run.status.redrivenAt).toBeDefined(); // it waited past the broker's retries, and no dead letter failed it
    expect(await restoredSums(p, "stubborn.example", "stubborn", "/srv/data")).toEqual(before);
    expect(await p.kube.getScale("Deployment", "tgt", "stubborn")).toBe(1);
    await appReady(p, "tgt", "app=stubborn");
  }, 150_000);

  it("a node-local source volume (WaitForFirstConsumer PV pinned to a node): the backup pod runs on the app's node", async () => {
    await p.apply(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: local-data, namespace: tgt}
spec: {storageClassName: standard-wffc, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: local, namespace: tgt}
spec:
  replicas: 1
  selector: {matchLabels: {app: local}}
  template:
    metadata: {labels: {app: local}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "head -c 100000 /dev/urandom > /db/blob && touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /db}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: local-data}}
`);
    await appReady(p, "tgt", "app=local");
    const before = await p.podSums("tgt", "app=local", "/db");
    await p.setProfiles({ local: { namespace: "tgt", deployment: "local", folders: ["/db"], host: "local.example" } });
    const since = new Date();
    await p.request({ profiles: ["local"], force: true });
    const run = await p.finished("local", since);
    await expectSucceeded(p, run);
    expect(run.status.volumes).toEqual([expect.objectContaining({ sourcePvc: "local-data", nodeLocal: true })]);
    expect(run.status.target?.node).toBe("sandbox-node-1");
    expect(await restoredSums(p, "local.example", "local", "/db")).toEqual(before);
  });

  it("selector: backs up a bare pod matched by labels (not its decoy); command-after's write is not in the backup", async () => {
    await p.apply(BARE_PODS);
    await appReady(p, "tgt", "app=cache,tier=edge");
    const before = await p.podSums("tgt", "app=cache,tier=edge", "/cache");
    await p.setProfiles({
      cache: { namespace: "tgt", selector: "app=cache,tier in (edge)", folders: ["/cache"], "command-after": { cmd: "echo after-snapshot >> /cache/index" } },
    });

    const since = new Date();
    await p.request({ profiles: ["cache"], force: true });
    const run = await p.finished("cache", since);
    await expectSucceeded(p, run);
    expect(run.status.target).toMatchObject({ namespace: "tgt", pod: "cache" });

    expect(await restoredSums(p, "cache", "cache", "/cache")).toEqual(before);
    await expectSnapshot(p, "cache", "cache", ["/cache"]);
    const index = await p.exec("tgt", "app=cache,tier=edge", ["cat", "/cache/index"]);
    expect(index.stdout).toBe("v1\nafter-snapshot\n");
  }, 120_000);

  it("node: backs up hostPath folders on sandbox-node-1; host is the node name, tag the profile", async () => {
    const root = join(p.dataDir, "nodes", "sandbox-node-1", "root");
    const logs = join(root, "var", "log", "app");
    const etc = join(root, "srv", "node-config");
    mkdirSync(join(logs, "old"), { recursive: true });
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(logs, "app.log"), randomBytes(150_000));
    writeFileSync(join(logs, "old", "app.log.1"), "rotated\n");
    writeFileSync(join(etc, "settings.conf"), "a=1\n");
    const logsBefore = await p.hostSums(logs);
    const etcBefore = await p.hostSums(etc);
    await p.setProfiles({ "node-files": { node: "sandbox-node-1", folders: ["/var/log/app", "/srv/node-config"] } });

    const since = new Date();
    await p.request({ profiles: ["node-files"], force: true });
    const run = await p.finished("node-files", since);
    await expectSucceeded(p, run);

    expect(await restoredSums(p, "sandbox-node-1", "node-files", "/var/log/app")).toEqual(logsBefore);
    expect(await restoredSums(p, "sandbox-node-1", "node-files", "/srv/node-config")).toEqual(etcBefore);
    await expectSnapshot(p, "sandbox-node-1", "node-files", ["/var/log/app", "/srv/node-config"]);
  });
});
