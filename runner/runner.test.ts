// The runner against real restic and resticprofile (from .tools/bin on PATH), with temporary local repositories.
// The Kubernetes exec port is replaced by `localExec` here; runner-stdin.test.ts uses a real sandbox.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dumpArgv, restic, restoreArgv, snapshotsArgv } from "../shared/restic/argv.ts";
import { runCommand } from "../shared/restic/run.ts";
import { parseSnapshots } from "../shared/restic/summary.ts";
import { runJob, type RunnerDeps } from "./backup.ts";
import { PASSWORD, checksums, dumpBytes, fixture, localExec, sha256, writeTree, type Fixture } from "./fixture.test-util.ts";
import { RunnerResult } from "./result.ts";
import { forgetSnapshot } from "./stdin-backup.ts";

const HOST = "app.example.com";

describe("rafdir-runner with real restic", () => {
  let f: Fixture;
  let repos: Record<string, unknown>;
  let data: string;
  const base = () => ({
    version: "1",
    default_configuration: {
      "cache-dir": join(f.dir, "cache"),
      backup: { "exclude-caches": true, source: ["/nonexistent-base-a", "/nonexistent-base-b"], tag: ["base"] },
    },
  });
  const deps = (): RunnerDeps => ({ run: runCommand, exec: localExec, env: f.env, log: f.log });

  beforeAll(async () => {
    f = fixture();
    repos = {
      one: { inherit: "default_configuration", repository: await f.repo("one") },
      two: { inherit: "default_configuration", repository: await f.repo("two") },
    };
    data = writeTree(f.dir, "data");
  });
  afterAll(() => f?.cleanup());

  it("backs up folders into two repositories; each snapshot restores byte-identical files", async () => {
    const job = f.job({ run: "run-1", base: base(), repositories: repos, spec: { profile: "app", host: HOST, folders: [data] } });
    const result = await runJob(job, deps());
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.repositories.map((r) => [r.name, r.kind, r.exitCode, r.filesNew])).toEqual([["one", "folders", 0, 4], ["two", "folders", 0, 4]]);
    for (const r of result.repositories) {
      expect(r.snapshotId).toMatch(/^[0-9a-f]{64}$/);
      const target = join(f.dir, `restore-${r.name}`);
      const restored = await f.restic(restoreArgv({ snapshot: r.snapshotId, host: HOST, tag: "app", target }), join(f.dir, "repos", r.name));
      expect(restored.code, restored.stderr).toBe(0);
      expect(checksums(join(target, data))).toEqual(checksums(data));
    }
    const snaps = parseSnapshots((await f.restic(snapshotsArgv({ host: HOST, tags: ["app"] }), join(f.dir, "repos", "one"))).stdout);
    expect(snaps.map((s) => [s.paths, s.tags, s.hostname])).toEqual([[[data], ["app"], HOST]]);
  });

  it("a second run over unchanged data adds (almost) nothing", async () => {
    const job = f.job({ run: "run-2", base: base(), repositories: repos, spec: { profile: "app", host: HOST, folders: [data] } });
    const result = await runJob(job, deps());
    expect(result.ok).toBe(true);
    for (const r of result.repositories) {
      expect(r).toMatchObject({ filesNew: 0, filesChanged: 0, filesUnmodified: 4 });
      expect(r.bytesAdded).toBeLessThan(2_000);
      expect(r.totalBytes).toBeGreaterThan(300_000);
    }
  });

  it("a stdin profile ignores the base source list and stores exactly the command's bytes", async () => {
    const dump = join(f.dir, "dump.bin");
    writeFileSync(dump, Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) % 256)));
    const job = f.job({
      run: "run-3",
      base: base(),
      repositories: repos,
      spec: { profile: "db", host: "db.example.com", stdin: { filename: "db.dump" } },
      stdin: { namespace: "app", pod: "db-0", command: `cat ${dump}` },
    });
    const result = await runJob(job, deps());
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.stdin).toEqual({ bytes: 200_000, exitCode: 0 });
    for (const r of result.repositories) {
      const out = await dumpBytes(restic(dumpArgv({ snapshot: r.snapshotId, path: "/db.dump", host: "db.example.com", tag: "db" }), { repo: join(f.dir, "repos", r.name) }), f.env);
      expect(sha256(out.bytes)).toBe(sha256(readFileSync(dump)));
      const [snap] = parseSnapshots((await f.restic(snapshotsArgv({ host: "db.example.com", tags: ["db"] }), join(f.dir, "repos", r.name))).stdout);
      expect(snap?.paths).toEqual(["/db.dump"]);
    }
  });

  it.each([
    ["exits non-zero after partial output", "head -c 100000 /dev/zero; exit 3", /exited with code 3 after 100000 bytes/, 3],
    ["produces no output", "true", /produced no output/, 0],
  ])("a dump command that %s fails closed: no snapshot becomes latest", async (_name, command, reason, exitCode) => {
    const before = parseSnapshots((await f.restic(snapshotsArgv({ host: "db.example.com", tags: ["db"] }), join(f.dir, "repos", "one"))).stdout);
    const job = f.job({ run: "run-4", base: base(), repositories: repos, spec: { profile: "db", host: "db.example.com", stdin: { filename: "db.dump" } }, stdin: { namespace: "app", pod: "db-0", command } });
    const result = await runJob(job, deps());
    expect(result.ok).toBe(false);
    expect(result.stdin?.exitCode).toBe(exitCode);
    expect(result.stdin?.error).toMatch(reason);
    for (const r of result.repositories) {
      expect(r).toMatchObject({ ok: false });
      expect(r.snapshotId).toBeUndefined();
      expect(r.error).toMatch(reason);
    }
    const after = parseSnapshots((await f.restic(snapshotsArgv({ host: "db.example.com", tags: ["db"] }), join(f.dir, "repos", "one"))).stdout);
    expect(after.map((s) => s.id)).toEqual(before.map((s) => s.id));
  });

  it("a wrong password fails that repository with a clear error; the others succeed; nothing logs the passwords", async () => {
    const job = f.job({
      run: "run-5",
      base: base(),
      repositories: { ...repos, bad: { inherit: "default_configuration", repository: join(f.dir, "repos", "one"), env: { RESTIC_PASSWORD: "not the password" } } },
      spec: { profile: "app", host: HOST, folders: [data] },
    });
    const result = await runJob(job, deps());
    expect(result.ok).toBe(false);
    const bad = result.repositories.find((r) => r.name === "bad");
    expect(bad).toMatchObject({ ok: false, exitCode: 12, filesNew: 0 });
    expect(bad?.error).toMatch(/wrong repository password: Fatal: wrong password/);
    expect(result.repositories.filter((r) => r.ok).map((r) => r.name)).toEqual(["one", "two"]);
    const logged = f.logs.join("");
    expect(logged).toContain('"step":"backup"');
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain("not the password");
  });

  it("a dump into a good and a bad repository: the good one gets the whole dump, the bad one its own error", async () => {
    const dump = join(f.dir, "dump2.bin");
    writeFileSync(dump, Buffer.alloc(3_000_000, 7));
    const job = f.job({
      run: "run-5b",
      base: base(),
      repositories: { one: repos["one"], bad: { repository: join(f.dir, "repos", "two"), env: { RESTIC_PASSWORD: "not the password" } } },
      spec: { profile: "db2", host: "db.example.com", stdin: { filename: "db.dump" } },
      stdin: { namespace: "app", pod: "db-0", command: `cat ${dump}` },
    });
    const result = await runJob(job, deps());
    expect(result.ok).toBe(false);
    expect(result.stdin).toEqual({ bytes: 3_000_000, exitCode: 0 });
    expect(result.repositories.map((r) => [r.name, r.ok, r.exitCode])).toEqual([["one", true, 0], ["bad", false, 12]]);
    expect(result.repositories[1]?.error).toMatch(/wrong repository password/);
    expect(result.repositories[0]?.totalBytes).toBe(3_000_000);
  });

  it("folders and a dump (upstream mode): the dump is written into the first folder and backed up with it", async () => {
    const folder = writeTree(f.dir, "app-data");
    const job = f.job({
      run: "run-5c",
      base: base(),
      repositories: { one: repos["one"] },
      spec: { profile: "mixed", host: HOST, folders: [folder], stdin: { filename: "db.sql" } },
      stdin: { namespace: "app", pod: "db-0", command: "printf 'CREATE TABLE t;\\n'" },
    });
    expect(job.stdin?.path).toBe(join(folder, "db.sql"));
    const result = await runJob(job, deps());
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(result.stdin).toEqual({ bytes: 16, exitCode: 0 });
    const [r] = result.repositories;
    expect(r).toMatchObject({ kind: "folders", filesNew: 5 });
    const target = join(f.dir, "restore-mixed");
    expect((await f.restic(restoreArgv({ snapshot: r?.snapshotId, host: HOST, tag: "mixed", target }), join(f.dir, "repos", "one"))).code).toBe(0);
    expect(readFileSync(join(target, folder, "db.sql"), "utf8")).toBe("CREATE TABLE t;\n");
    expect(checksums(join(target, folder))).toEqual(checksums(folder));
  });

  it("folders and a failed dump: nothing is backed up and no partial file is left", async () => {
    const folder = writeTree(f.dir, "app-data-2");
    const job = f.job({
      run: "run-5d",
      base: base(),
      repositories: repos,
      spec: { profile: "mixed2", host: HOST, folders: [folder], stdin: { filename: "db.sql" } },
      stdin: { namespace: "app", pod: "db-0", command: "echo partial; exit 2" },
    });
    const result = await runJob(job, deps());
    expect(result.ok).toBe(false);
    expect(result.stdin).toMatchObject({ bytes: 8, exitCode: 2, error: expect.stringMatching(/exited with code 2/) });
    expect(result.repositories.map((r) => [r.name, r.ok, r.exitCode, r.error])).toEqual([
      ["one", false, -1, "not backed up: the dump failed"],
      ["two", false, -1, "not backed up: the dump failed"],
    ]);
    expect(Object.keys(checksums(folder)).filter((p) => p.startsWith("db.sql"))).toEqual([]);
    expect(parseSnapshots((await f.restic(snapshotsArgv({ host: HOST, tags: ["mixed2"] }), join(f.dir, "repos", "one"))).stdout)).toEqual([]);
  });

  it("an interrupted runner (pod termination) reports the interruption and saves nothing", async () => {
    const job = f.job({ run: "run-5e", base: base(), repositories: repos, spec: { profile: "gone", host: HOST, folders: [data] } });
    const result = await runJob(job, { ...deps(), signal: AbortSignal.abort() });
    expect(result.ok).toBe(false);
    expect(result.repositories.map((r) => [r.exitCode, r.error])).toEqual([
      [130, "interrupted: aborted before start"],
      [130, "interrupted: aborted before start"],
    ]);
  });

  it("forgetSnapshot removes one snapshot, scoped by host and tag", async () => {
    const job = f.job({ run: "run-6", base: base(), repositories: { one: repos["one"] }, spec: { profile: "tmp", host: HOST, folders: [data] } });
    const result = await runJob(job, deps());
    const id = result.repositories[0]?.snapshotId ?? "";
    const profile = job.profiles[0];
    if (!profile) throw new Error("no profile");
    expect(await forgetSnapshot(job, profile, id, deps())).toBeUndefined();
    const left = parseSnapshots((await f.restic(snapshotsArgv({ host: HOST, tags: ["tmp"] }), join(f.dir, "repos", "one"))).stdout);
    expect(left).toEqual([]);
  });

  it("bin/rafdir-runner reads the job file, writes the termination message and exits 0; a bad job exits 2", async () => {
    const job = f.job({ run: "run-7", base: base(), repositories: repos, spec: { profile: "app", host: HOST, folders: [data] } });
    const jobPath = join(f.dir, "job.json");
    const termination = join(f.dir, "termination-log");
    writeFileSync(jobPath, JSON.stringify(job));
    const bin = join(import.meta.dirname, "..", "bin", "rafdir-runner");
    const env = { ...f.env, RAFDIR_RUNNER_JOB: jobPath, RAFDIR_TERMINATION_LOG: termination };
    const ok = await runBin(bin, env);
    expect(ok.code, ok.output).toBe(0);
    const message = readFileSync(termination, "utf8");
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(4096);
    const parsed = RunnerResult.parse(JSON.parse(message));
    expect(parsed).toMatchObject({ run: "run-7", profile: "app", ok: true });
    expect(parsed.repositories.map((r) => r.snapshotId?.length)).toEqual([64, 64]);
    expect(ok.output).toContain('"msg":"result written"');
    expect(ok.output).not.toContain(PASSWORD);

    writeFileSync(jobPath, JSON.stringify({ run: "run-8", profile: "app" }));
    const bad = await runBin(bin, env);
    expect(bad.code).toBe(2);
    expect(JSON.parse(readFileSync(termination, "utf8"))).toMatchObject({ run: "run-8", ok: false, error: expect.stringMatching(/invalid job file/) });

    const loud = await runBin(bin, { ...env, LOG_LEVEL: "loud" });
    expect(loud.code).toBe(2);
    expect(loud.output).toContain('LOG_LEVEL="loud"');
    const unset = await runBin(bin, { ...env, RAFDIR_RUNNER_JOB: "", LOG_LEVEL: "" }); // empty counts as unset: the defaults
    expect(unset.output).toContain("/etc/rafdir/job.json");
  });
});

function runBin(bin: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, [], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}
