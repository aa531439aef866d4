// Acceptance: the `rafdir sandbox` commands as a user runs them, and state that survives `down` then `up`.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { kubectl, waitFor } from "../support/sandbox.ts";

const run = promisify(execFile);
const BIN = join(import.meta.dirname, "..", "..", "bin", "rafdir.js");

async function rafdir(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

const APP = `
apiVersion: v1
kind: Namespace
metadata: {name: keep}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: keep}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: keep}
spec:
  selector: {matchLabels: {app: keep}}
  template:
    metadata: {labels: {app: keep}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "echo $$$$ >> /data/boots; exec sleep infinity"] # $$ is the kubelet's escape for $
        volumeMounts: [{name: data, mountPath: /data}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`;

describe("rafdir sandbox up | status | down", () => {
  const dir = mkdtempSync(join(tmpdir(), "rafdir-cli-"));
  const kubeconfig = join(dir, "kubeconfig");
  afterAll(async () => {
    await rafdir("sandbox", "down", "--dir", dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts detached, prints the kubeconfig, and refuses a second start", async () => {
    const up = await rafdir("sandbox", "up", "--detach", "--dir", dir);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`kubeconfig:  ${kubeconfig}`);
    expect(up.stdout).toMatch(/API server:\s+https:\/\/127\.0\.0\.1:\d+/);
    const again = await rafdir("sandbox", "up", "--detach", "--dir", dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("a sandbox is already running");
    const status = await rafdir("sandbox", "status", "--dir", dir);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("health:      ready");
  });

  it("keeps objects and volume data across down and up, and restarts the app", async () => {
    const applied = await kubectl(kubeconfig, ["apply", "-f", "-"], APP);
    expect(applied.code).toBe(0);
    await kubectl(kubeconfig, ["-n", "keep", "rollout", "status", "deploy/app", "--timeout=30s"]);
    await waitFor("first boot recorded", async () => (await kubectl(kubeconfig, ["-n", "keep", "exec", "deploy/app", "--", "cat", "/data/boots"])).stdout.trim().split("\n").length === 1);

    const down = await rafdir("sandbox", "down", "--dir", dir);
    expect(down.stdout).toContain("sandbox stopped");
    const stopped = await rafdir("sandbox", "status", "--dir", dir);
    expect(stopped.code).toBe(3);
    expect(stopped.stdout).toContain("stopped; state kept");

    const up = await rafdir("sandbox", "up", "--detach", "--dir", dir);
    expect(up.code).toBe(0);
    const pvc = await kubectl(kubeconfig, ["-n", "keep", "get", "pvc", "data", "-o", "jsonpath={.status.phase}"]);
    expect(pvc.stdout).toBe("Bound");
    const boots = await waitFor("the app to run again and record a second boot", async () => {
      const r = await kubectl(kubeconfig, ["-n", "keep", "exec", "deploy/app", "--", "cat", "/data/boots"]);
      const lines = r.stdout.trim().split("\n").filter(Boolean);
      return lines.length === 2 ? lines : undefined;
    });
    expect(boots).toHaveLength(2);
  });

  it("down stops every container process it started", async () => {
    const r = await kubectl(kubeconfig, ["-n", "keep", "exec", "deploy/app", "--", "cat", "/data/boots"]);
    const pids = r.stdout.trim().split("\n").map(Number);
    expect(pids).toHaveLength(2);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(pids[1] ?? 0)).toBe(true); // the app's `sleep infinity` (exec keeps the shell's pid)
    await rafdir("sandbox", "down", "--dir", dir);
    expect(pids.filter(alive)).toEqual([]);
  });
});

describe("rafdir restore | demo", () => {
  const demoDir = mkdtempSync(join(tmpdir(), "rafdir-cli-demo-"));
  afterAll(async () => {
    await rafdir("sandbox", "down", "--dir", demoDir);
    rmSync(demoDir, { recursive: true, force: true });
  });

  it.each<[string, string[], RegExp]>([
    ["no profile", ["--namespace", "dr", "--pvc", "x"], /name exactly one --profile/],
    ["a bad namespace", ["--profile", "p", "--namespace", "Not_A_Name", "--pvc", "x"], /--namespace: must be a DNS-1123 label/],
    ["a bad size", ["--profile", "p", "--namespace", "dr", "--pvc", "x", "--size", "huge"], /--size: must be a quantity such as 10Gi/],
    ["a bad snapshot id", ["--profile", "p", "--namespace", "dr", "--pvc", "x", "--snapshot", "latest!"], /--snapshot: must be a restic snapshot id/],
  ])("refuses %s with exit 2 and names the flag", async (_name, args, message) => {
    const r = await rafdir("restore", "--dir", demoDir, ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("demo: backs up the demo app, restores it through the broker into a new PVC, and verifies every checksum", async () => {
    const r = await rafdir("demo", "--dir", demoDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Succeeded {2}\(backed up into local \(snapshot [0-9a-f]{8}/);
    expect(r.stdout).toMatch(/Succeeded — restored \/var\/lib\/demo of snapshot [0-9a-f]{8}/);
    expect(r.stdout).toMatch(/verified: all 2 files restored with identical sha256/);
  }, 120_000);
});
