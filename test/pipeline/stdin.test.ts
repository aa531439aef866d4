// Acceptance (issue 4), streamed dumps: stdin-command alone (restic stores /<stdin-filename>), stdin-command with
// folders (the dump lands in folders[0] next to the snapshotted data), and a dump from a pod in another namespace
// (stdin-namespace + stdin-selector). Each dump is compared byte for byte (sha256) with the command's output.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appReady, expectSnapshot, expectSucceeded, restoredSums } from "./assertions.ts";
import { startPipeline, type Pipeline } from "./harness.ts";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

const APPS = `
apiVersion: v1
kind: Namespace
metadata: {name: dumps}
---
apiVersion: v1
kind: Namespace
metadata: {name: dumps-db}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pg-data, namespace: dumps}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: pg, namespace: dumps}
spec:
  replicas: 1
  selector: {matchLabels: {app: pg}}
  template:
    metadata: {labels: {app: pg}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "mkdir -p /var/lib/pg/base && head -c 200000 /dev/urandom > /var/lib/pg/base/16384 && head -c 300000 /dev/urandom > /var/lib/pg/export.src && echo wal1 > /var/lib/pg/base/wal && touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /var/lib/pg}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: pg-data}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: mysql, namespace: dumps-db}
spec:
  replicas: 1
  selector: {matchLabels: {app: mysql}}
  template:
    metadata: {labels: {app: mysql, role: primary}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "head -c 150000 /dev/urandom > /tmp/db.dump && touch /tmp/ready && exec sleep infinity"]
`;

describe("stdin dumps", () => {
  let p: Pipeline;
  let exportSha: string;
  beforeAll(async () => {
    p = await startPipeline();
    await p.apply(APPS);
    await appReady(p, "dumps", "app=pg");
    await appReady(p, "dumps-db", "app=mysql");
    exportSha = (await p.podSums("dumps", "app=pg", "/var/lib/pg"))["./export.src"] ?? "";
    expect(exportSha).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  it("stdin-command alone: restic holds /<stdin-filename>, byte for byte the command's output", async () => {
    await p.setProfiles({ "pg-dump": { namespace: "dumps", deployment: "pg", "stdin-command": "cat /var/lib/pg/export.src", "stdin-filename": "pg.sql", host: "pg.example" } });
    const since = new Date();
    await p.request({ profiles: ["pg-dump"], force: true });
    const run = await p.finished("pg-dump", since);
    await expectSucceeded(p, run);
    expect(run.status.volumes ?? []).toEqual([]);

    expect(sha(await p.dump("pg.example", "pg-dump", "/pg.sql"))).toBe(exportSha);
    await expectSnapshot(p, "pg.example", "pg-dump", ["/pg.sql"]);
  });

  it("a large dump (40 MB through the exec stream) arrives whole, byte for byte", async () => {
    await p.exec("dumps", "app=pg", ["sh", "-c", "head -c 41943040 /dev/urandom > /tmp/big.dump"]);
    const want = (await p.exec("dumps", "app=pg", ["sh", "-c", "sha256sum < /tmp/big.dump"])).stdout.split(/\s/)[0];
    await p.setProfiles({ "pg-big": { namespace: "dumps", deployment: "pg", "stdin-command": "cat /tmp/big.dump", "stdin-filename": "big.dump" } });
    const since = new Date();
    await p.request({ profiles: ["pg-big"], force: true });
    const run = await p.finished("pg-big", since);
    await expectSucceeded(p, run);
    const dumped = await p.dump("pg-big", "pg-big", "/big.dump");
    expect(dumped.length).toBe(41943040);
    expect(sha(dumped)).toBe(want);
  });

  it("stdin-command alone without stdin-filename: restic stores the dump as /stdin", async () => {
    await p.setProfiles({ "pg-plain": { namespace: "dumps", deployment: "pg", "stdin-command": ["cat", "/var/lib/pg/export.src"] } });
    const since = new Date();
    await p.request({ profiles: ["pg-plain"], force: true });
    const run = await p.finished("pg-plain", since);
    await expectSucceeded(p, run);

    expect(sha(await p.dump("pg-plain", "pg-plain", "/stdin"))).toBe(exportSha);
    await expectSnapshot(p, "pg-plain", "pg-plain", ["/stdin"]);
  });

  it("stdin-command with folders: the dump is folders[0]/<stdin-filename> next to the data as it was at snapshot time", async () => {
    const before = await p.podSums("dumps", "app=pg", "/var/lib/pg");
    await p.setProfiles({
      "pg-full": {
        namespace: "dumps",
        deployment: "pg",
        folders: ["/var/lib/pg"],
        "stdin-command": "cat /var/lib/pg/export.src",
        "stdin-filename": "dump.sql",
        "command-after": { cmd: "echo after-snapshot >> /var/lib/pg/base/wal" },
      },
    });
    const since = new Date();
    await p.request({ profiles: ["pg-full"], force: true });
    const run = await p.finished("pg-full", since);
    await expectSucceeded(p, run);
    expect(run.status.volumes?.map((v) => v.sourcePvc)).toEqual(["pg-data"]);

    expect(await restoredSums(p, "pg-full", "pg-full", "/var/lib/pg")).toEqual({ ...before, "./dump.sql": exportSha });
    await expectSnapshot(p, "pg-full", "pg-full", ["/var/lib/pg"]);
    // the dump went into the backup's copy, never into the application's volume
    const inApp = await p.exec("dumps", "app=pg", ["sh", "-c", "ls /var/lib/pg; cat /var/lib/pg/base/wal"]);
    expect(inApp.stdout).not.toContain("dump.sql");
    expect(inApp.stdout).toContain("wal1\nafter-snapshot\n");
  });

  it("stdin from another namespace: stdin-namespace + stdin-selector pick the pod that runs the command", async () => {
    const want = (await p.exec("dumps-db", "app=mysql", ["sh", "-c", "sha256sum < /tmp/db.dump"])).stdout.split(/\s/)[0];
    await p.setProfiles({
      cross: {
        namespace: "dumps",
        "stdin-namespace": "dumps-db",
        "stdin-selector": "app=mysql,role=primary",
        "stdin-command": "cat /tmp/db.dump",
        "stdin-filename": "mysql.sql",
        host: "mysql.example",
      },
    });
    const since = new Date();
    await p.request({ profiles: ["cross"], force: true });
    const run = await p.finished("cross", since);
    await expectSucceeded(p, run);

    expect(sha(await p.dump("mysql.example", "cross", "/mysql.sql"))).toBe(want);
    await expectSnapshot(p, "mysql.example", "cross", ["/mysql.sql"]);
  });
});
