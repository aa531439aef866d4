// runInspect and runRestore against real restic and resticprofile (from .tools/bin on PATH), and rafdir-runner's
// restore modes as a process.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../shared/restic/run.ts";
import { runJob } from "./backup.ts";
import { checksums, fixture, PASSWORD, type Fixture } from "./fixture.test-util.ts";
import type { RunnerJob } from "./job.ts";
import { RestorePodResult, type InspectJob, type RestoreJob } from "./restore-job.ts";
import { runInspect, runRestore, type RestoreDeps } from "./restore.ts";

const HOST = "app.example.com";

describe("restore modes with real restic", () => {
  let f: Fixture;
  let data: string;
  let backup: RunnerJob;
  let first: string;
  let second: string;
  const deps = (): RestoreDeps => ({ run: runCommand, env: f.env, log: f.log });
  const inspectJob = (job: RunnerJob, snapshot?: string): InspectJob => ({
    action: "inspect",
    run: "restore-1",
    profile: job.profile,
    host: job.host,
    resticprofileConfigPath: job.resticprofileConfigPath,
    resticprofile: job.profiles[0]?.name ?? "",
    ...(snapshot !== undefined ? { snapshot } : {}),
  });
  const restoreJob = (snapshot: string, path: string, target: string): RestoreJob => ({ ...inspectJob(backup), action: "restore", snapshot, path, target });
  const snapshotOf = async (job: RunnerJob): Promise<string> => {
    const r = await runJob(job, { run: runCommand, env: f.env, log: f.log });
    if (!r.ok || !r.repositories[0]?.snapshotId) throw new Error(`backup failed: ${JSON.stringify(r)}`);
    return r.repositories[0].snapshotId;
  };

  beforeAll(async () => {
    f = fixture();
    data = join(f.dir, "data");
    mkdirSync(join(data, "nested"), { recursive: true });
    writeFileSync(join(data, "hello.txt"), "hello\n");
    writeFileSync(join(data, "nested", "blob.bin"), Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256)));
    chmodSync(data, 0o750);
    const repositories = { local: { repository: await f.repo("local") } };
    backup = f.job({ run: "backup-1", repositories, spec: { profile: "app", host: HOST, folders: [data] } });
    first = await snapshotOf(backup);
    writeFileSync(join(data, "hello.txt"), "hello again\n");
    second = await snapshotOf(backup);
  });
  afterAll(() => f?.cleanup());

  it("inspects the profile's newest snapshot: its full id, paths and restore size", async () => {
    const r = await runInspect(inspectJob(backup), deps());
    expect(r, JSON.stringify(r)).toMatchObject({ action: "inspect", run: "restore-1", profile: "app", ok: true });
    expect(r.snapshot).toMatchObject({ id: second, host: HOST, tags: ["app"], paths: [data] });
    expect(r.restoreSize).toBe(100_000 + "hello again\n".length);
    expect(r.files).toBeGreaterThanOrEqual(3); // files, and directories from / down
    expect(RestorePodResult.parse(r)).toEqual(r);
  });

  it.each([
    ["an 8-digit prefix", () => first.slice(0, 8), () => first],
    ["a full id", () => second, () => second],
  ])("inspects a snapshot given %s", async (_name, given, want) => {
    const r = await runInspect(inspectJob(backup, given()), deps());
    expect(r.ok, r.error).toBe(true);
    expect(r.snapshot?.id).toBe(want());
    expect(r.restoreSize).toBe(100_000 + (want() === first ? 6 : 12));
  });

  it("reports another profile's snapshot by id with its real host and tags (the caller refuses it)", async () => {
    const other = f.job({ run: "backup-2", repositories: { local: { repository: join(f.dir, "repos", "local") } }, spec: { profile: "other", host: "other.example.com", folders: [data] } });
    const id = await snapshotOf(other);
    const r = await runInspect(inspectJob(backup, id.slice(0, 10)), deps());
    expect(r.snapshot).toMatchObject({ id, host: "other.example.com", tags: ["other"] });
  });

  it.each<[string, () => Promise<InspectJob>, RegExp]>([
    ["an unknown id", async () => inspectJob(backup, "deadbeef"), /^snapshot deadbeef not found in the repository$/],
    [
      "an empty repository",
      async () => inspectJob(f.job({ run: "empty", repositories: { empty: { repository: await f.repo("empty") } }, spec: { profile: "app", host: HOST, folders: [data] } })),
      /^no snapshot of profile app \(host app\.example\.com, tag app\) in the repository$/,
    ],
    [
      "a wrong password",
      async () => inspectJob(f.job({ run: "bad", repositories: { bad: { repository: join(f.dir, "repos", "local"), env: { RESTIC_PASSWORD: "not the password" } } }, spec: { profile: "app", host: HOST, folders: [data] } })),
      /^restic snapshots: wrong repository password: Fatal: wrong password/,
    ],
    [
      "a missing repository",
      async () => inspectJob(f.job({ run: "missing", repositories: { missing: { repository: join(f.dir, "repos", "nope") } }, spec: { profile: "app", host: HOST, folders: [data] } })),
      /^restic snapshots: the repository does not exist: Fatal: repository does not exist/,
    ],
  ])("given %s, inspect fails with a clear error", async (_name, job, error) => {
    const r = await runInspect(await job(), deps());
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(error);
    expect(r.snapshot).toBeUndefined();
  });

  it("restores <id>:<path> into the target: every file byte-identical, the target gets the folder's mode", async () => {
    const target = join(f.dir, "restored");
    const r = await runRestore(restoreJob(second, data, target), deps());
    expect(r, JSON.stringify(r)).toMatchObject({ action: "restore", ok: true, snapshot: second, path: data, exitCode: 0, bytes: 100_012 });
    expect(r.files).toBe(3); // two files and the nested directory
    expect(checksums(target)).toEqual(checksums(data));
    expect(statSync(target).mode & 0o7777).toBe(0o750);
    expect(statSync(target).mtimeMs).toBeCloseTo(statSync(data).mtimeMs, 2);
  });

  it("restores an older snapshot's content", async () => {
    const target = join(f.dir, "restored-first");
    const r = await runRestore(restoreJob(first, join(data, "nested"), target), deps());
    expect(r.ok, r.error).toBe(true);
    expect(checksums(target)).toEqual(checksums(join(data, "nested")));
  });

  it("given a path that is not in the snapshot, the restore fails with restic's reason", async () => {
    const r = await runRestore(restoreJob(second, "/no/such/folder", join(f.dir, "restored-none")), deps());
    expect(r).toMatchObject({ ok: false, exitCode: 1 });
    expect(r.error).toMatch(/^restic restore of [0-9a-f]{8}:\/no\/such\/folder: restic failed: path no: not found$/);
  });

  it("an interrupted restore reports the interruption", async () => {
    const r = await runRestore(restoreJob(second, data, join(f.dir, "restored-never")), { ...deps(), signal: AbortSignal.abort() });
    expect(r).toMatchObject({ ok: false, exitCode: 130, error: expect.stringMatching(/interrupted/) });
  });

  describe("rafdir-runner as a process", () => {
    const main = join(import.meta.dirname, "main.ts");
    const termination = () => join(f.dir, "termination-log");
    const env = (jobPath: string) => ({ ...f.env, RAFDIR_RUNNER_JOB: jobPath, RAFDIR_TERMINATION_LOG: termination() });
    const result = () => {
      const text = readFileSync(termination(), "utf8");
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
      return RestorePodResult.parse(JSON.parse(text));
    };

    it("runs an inspect job file", async () => {
      const jobPath = join(f.dir, "inspect.json");
      writeFileSync(jobPath, JSON.stringify(inspectJob(backup)));
      const out = await runMain(main, [], env(jobPath));
      expect(out.code, out.output).toBe(0);
      expect(result()).toMatchObject({ action: "inspect", ok: true, snapshot: { id: second, paths: [data] } });
      expect(out.output).not.toContain(PASSWORD);
    });

    it("given an invalid restore job, exits 2 with a failed result", async () => {
      const jobPath = join(f.dir, "restore-bad.json");
      writeFileSync(jobPath, JSON.stringify({ ...restoreJob(second, data, "/t"), path: "relative" }));
      const out = await runMain(main, [], env(jobPath));
      expect(out.code).toBe(2);
      expect(result()).toMatchObject({ action: "restore", run: "restore-1", ok: false, error: expect.stringMatching(/^invalid job file: path:/) });
    });

    it("copies a tree with `copy <from> <to>`", async () => {
      const to = join(f.dir, "copy-target");
      mkdirSync(to);
      writeFileSync(join(to, "stale"), "x");
      const out = await runMain(main, ["copy", data, to], env(join(f.dir, "no-job.json")));
      expect(out.code, out.output).toBe(0);
      expect(result()).toMatchObject({ action: "copy", ok: true, files: 2, bytes: 100_012, removed: 1 });
      expect(checksums(to)).toEqual(checksums(data));
    });

    it.each([[["copy", "relative", "/x"]], [["copy", "/a"]], [["backup"]]])("given arguments %j, exits 2", async (args) => {
      const out = await runMain(main, args, env(join(f.dir, "no-job.json")));
      expect(out.code).toBe(2);
      expect(result()).toMatchObject({ action: "copy", ok: false, error: expect.stringMatching(/^usage: /) });
    });

    it("given a copy from a missing folder, exits 1", async () => {
      const out = await runMain(main, ["copy", join(f.dir, "missing"), join(f.dir, "copy-2")], env(join(f.dir, "no-job.json")));
      expect(out.code).toBe(1);
      expect(result()).toMatchObject({ action: "copy", ok: false, error: expect.stringMatching(/ENOENT/) });
    });
  });
});

function runMain(main: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", main, ...args], { env, cwd: join(import.meta.dirname, ".."), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
  });
}
