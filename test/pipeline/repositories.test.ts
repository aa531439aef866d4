// Acceptance (issue 4), two repositories: a second restic repository on another NFS export of the sandbox. A profile
// without `repositories` backs up into both (both restore identically); a dump is run once and teed into both; a
// manual request naming one repository backs up into that one only.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appReady, expectSnapshot, expectSucceeded, restoredSums } from "./assertions.ts";
import { startPipeline, type Pipeline } from "./harness.ts";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

const APP = `
apiVersion: v1
kind: Namespace
metadata: {name: repos}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: vault-data, namespace: repos}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: vault, namespace: repos}
spec:
  replicas: 1
  selector: {matchLabels: {app: vault}}
  template:
    metadata: {labels: {app: vault}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "mkdir -p /vault/keys && head -c 220000 /dev/urandom > /vault/keys/k1 && echo s1 > /vault/seal && touch /tmp/ready && exec sleep infinity"]
        volumeMounts:
        - {name: data, mountPath: /vault}
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: vault-data}}
`;

const VAULT = { namespace: "repos", deployment: "vault", folders: ["/vault"], host: "vault.example", "command-after": { cmd: "echo after-snapshot >> /vault/seal" } };

describe("two repositories", () => {
  let p: Pipeline;
  let offsite: string;
  beforeAll(async () => {
    p = await startPipeline();
    offsite = await p.addRepository("offsite", "/other-repo", "/mnt/other-repo");
    await p.apply(APP);
    await appReady(p, "repos", "app=vault");
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  it("a profile backs up into every configured repository; both snapshots restore identically", async () => {
    const before = await p.podSums("repos", "app=vault", "/vault");
    await p.setProfiles({ vault: VAULT });
    const since = new Date();
    await p.request({ profiles: ["vault"], force: true });
    const run = await p.finished("vault", since);
    await expectSucceeded(p, run);
    expect(run.spec.repositories).toEqual(["local", "offsite"]);

    await expectSnapshot(p, "vault.example", "vault", ["/vault"]);
    await expectSnapshot(p, "vault.example", "vault", ["/vault"], offsite);
    expect(await restoredSums(p, "vault.example", "vault", "/vault")).toEqual(before);
    expect(await restoredSums(p, "vault.example", "vault", "/vault", offsite)).toEqual(before);
  });

  it("a dump is taken once and teed into both repositories", async () => {
    await p.exec("repos", "app=vault", ["sh", "-c", "rm -f /tmp/dumps"]);
    const want = (await p.exec("repos", "app=vault", ["sh", "-c", "sha256sum < /vault/keys/k1"])).stdout.split(/\s/)[0];
    await p.setProfiles({
      vault: VAULT,
      "vault-dump": { namespace: "repos", deployment: "vault", "stdin-command": "echo dumped >> /tmp/dumps; cat /vault/keys/k1", "stdin-filename": "keys.bin" },
    });
    const since = new Date();
    await p.request({ profiles: ["vault-dump"], force: true });
    const run = await p.finished("vault-dump", since);
    await expectSucceeded(p, run);

    expect(sha(await p.dump("vault-dump", "vault-dump", "/keys.bin"))).toBe(want);
    expect(sha(await p.dump("vault-dump", "vault-dump", "/keys.bin", offsite))).toBe(want);
    expect((await p.exec("repos", "app=vault", ["cat", "/tmp/dumps"])).stdout).toBe("dumped\n");
  });

  it("a manual request naming one repository backs up into that one only", async () => {
    const local = (await p.snapshots("vault.example")).length;
    const remote = (await p.snapshots("vault.example", offsite)).length;
    const since = new Date();
    await p.request({ profiles: ["vault"], repositories: ["offsite"], force: true });
    const run = await p.finished("vault", since);
    await expectSucceeded(p, run);
    expect(run.spec.repositories).toEqual(["offsite"]);
    expect((await p.snapshots("vault.example", offsite)).length).toBe(remote + 1);
    expect((await p.snapshots("vault.example")).length).toBe(local);
  });
});
