// The stdin path for real: a sandbox (API server + kubelet), a busybox pod in namespace `app`, the dump streamed over
// the pods/exec WebSocket by client-node's Exec into real restic through resticprofile.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSandbox, waitFor, type TestSandbox } from "../test/support/sandbox.ts";
import { dumpArgv, restic, snapshotsArgv } from "../shared/restic/argv.ts";
import { runCommand } from "../shared/restic/run.ts";
import { parseSnapshots } from "../shared/restic/summary.ts";
import { runJob, type RunnerDeps } from "./backup.ts";
import { createPodExec } from "./exec.ts";
import { dbPodYaml, dumpBytes, fixture, sha256, type Fixture } from "./fixture.test-util.ts";

const POD = dbPodYaml("head -c 16777216 /dev/urandom > /work/big.bin");
const HOST = "db.example.com";
const SPEC = { profile: "db", host: HOST, stdin: { filename: "db.dump" } };

describe("rafdir-runner streaming a dump over pods/exec", () => {
  let sb: TestSandbox;
  let f: Fixture;
  let repos: Record<string, unknown>;
  let deps: RunnerDeps;
  const base = () => ({ default_configuration: { "cache-dir": join(f.dir, "cache"), backup: { source: ["/base-a", "/base-b"], exclude: ["*.tmp"] } } });
  const inPod = async (script: string) => {
    const r = await sb.kubectl(["-n", "app", "exec", "db", "--", "sh", "-c", script]);
    if (r.code !== 0) throw new Error(r.stderr);
    return r.stdout;
  };
  const snapshots = async (repo: string) => parseSnapshots((await f.restic(snapshotsArgv({ host: HOST, tags: ["db"] }), join(f.dir, "repos", repo))).stdout);
  const dumped = async (repo: string, snapshot?: string) =>
    sha256((await dumpBytes(restic(dumpArgv({ snapshot, path: "/db.dump", host: HOST, tag: "db" }), { repo: join(f.dir, "repos", repo) }), f.env)).bytes);

  beforeAll(async () => {
    sb = await testSandbox();
    f = fixture();
    repos = {
      one: { inherit: "default_configuration", repository: await f.repo("one") },
      two: { inherit: "default_configuration", repository: await f.repo("two") },
    };
    deps = { run: runCommand, exec: createPodExec(sb.kc), env: f.env, log: f.log };
    expect((await sb.kubectl(["apply", "-f", "-"], POD)).code).toBe(0);
    await waitFor("the pod's files", async () => (await sb.kubectl(["-n", "app", "exec", "db", "--", "sh", "-c", "test -f /work/ready"])).code === 0, 60_000);
  });
  afterAll(async () => {
    f?.cleanup();
    await sb?.close();
  });

  const job = (run: string, command: string, pod = "db") => f.job({ run, base: base(), repositories: repos, spec: SPEC, stdin: { namespace: "app", pod, container: "db", command } });

  it("stores exactly the command's bytes in both repositories and records the byte count", async () => {
    const want = (await inPod("sha256sum /work/dump.bin")).split(" ")[0];
    const result = await runJob(job("s-1", "cat /work/dump.bin"), deps);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.stdin).toEqual({ bytes: 500_000, exitCode: 0 });
    for (const r of result.repositories) {
      expect(r).toMatchObject({ kind: "stdin", ok: true, exitCode: 0, filesNew: 1, totalBytes: 500_000 });
      expect(await dumped(r.name, r.snapshotId)).toBe(want);
    }
  });

  it("a command that exits non-zero after partial output fails, and leaves no snapshot as latest", async () => {
    const before = await snapshots("one");
    const result = await runJob(job("s-2", "head -c 200000 /work/dump.bin; echo 'dump broke' >&2; exit 4"), deps);
    expect(result.ok).toBe(false);
    expect(result.stdin).toMatchObject({ bytes: 200_000, exitCode: 4, error: expect.stringMatching(/exited with code 4 after 200000 bytes; stderr: dump broke/) });
    expect(result.repositories.every((r) => !r.ok && r.snapshotId === undefined && r.leftoverSnapshotId === undefined)).toBe(true);
    expect((await snapshots("one")).map((s) => s.id)).toEqual(before.map((s) => s.id));
    expect(await dumped("one")).toBe((await inPod("sha256sum /work/dump.bin")).split(" ")[0]); // latest is still the full dump
  });

  it("a missing pod fails with a clear error and no snapshot", async () => {
    const before = await snapshots("two");
    const result = await runJob(job("s-3", "cat /work/dump.bin", "no-such-pod"), deps);
    expect(result.ok).toBe(false);
    expect(result.stdin?.bytes).toBe(0);
    expect(result.stdin?.error).toMatch(/exec into app\/no-such-pod failed/);
    expect((await snapshots("two")).map((s) => s.id)).toEqual(before.map((s) => s.id));
  });

  it("streams 16 MiB through the WebSocket with backpressure, byte-identical", async () => {
    const want = (await inPod("sha256sum /work/big.bin")).split(" ")[0];
    const result = await runJob(job("s-4", "cat /work/big.bin"), deps);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.stdin?.bytes).toBe(16 * 1024 * 1024);
    for (const r of result.repositories) expect(await dumped(r.name, r.snapshotId)).toBe(want);
  });
});
