import { describe, expect, it } from "vitest";
import type { RunResult } from "../shared/restic/run.ts";
import { RunnerResult, encodeTerminationMessage, interpretBackup, type RepositoryResult } from "./result.ts";

const ID = "b1c98192047122e85743c1953517f00b6b2035cb078ab65e9e2386fefdb955f9";
const SUMMARY = `{"message_type":"summary","files_new":2,"files_changed":1,"files_unmodified":5,"dirs_new":0,"dirs_changed":1,"dirs_unmodified":0,"data_blobs":3,"tree_blobs":2,"data_added":1234,"data_added_packed":1000,"total_files_processed":8,"total_bytes_processed":99999,"total_duration":1.23456,"snapshot_id":"${ID}"}`;
const run = (r: Partial<RunResult>): RunResult => ({ code: 0, stdout: "", stderr: "", truncated: false, durationMs: 2000, ...r });
const profile = { name: "app-local", repository: "local", kind: "folders" } as const;

describe("interpretBackup", () => {
  it("given a successful backup, returns the snapshot and counters", () => {
    expect(interpretBackup(profile, run({ stdout: `2026/11/26 profile 'app-local': starting 'backup'\n${SUMMARY}\n` }))).toEqual({
      name: "local",
      kind: "folders",
      ok: true,
      snapshotId: ID,
      filesNew: 2,
      filesChanged: 1,
      filesUnmodified: 5,
      bytesAdded: 1234,
      totalBytes: 99999,
      durationSeconds: 1.235,
      exitCode: 0,
    });
  });

  it.each<[string, Partial<RunResult>, Partial<RepositoryResult>]>([
    [
      "a wrong password (restic's code from exit_error, resticprofile exits 1)",
      { code: 1, stderr: '{"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}' },
      { ok: false, exitCode: 12, error: "wrong repository password: Fatal: wrong password or no key found", durationSeconds: 2 },
    ],
    [
      "unreadable files (exit 3): a snapshot, but failed",
      { code: 1, stdout: SUMMARY, stderr: '{"message_type":"error","error":{"message":"permission denied"},"during":"archival","item":"/data/x"}\n{"message_type":"exit_error","code":3,"message":"Warning: at least one source file could not be read"}' },
      { ok: false, exitCode: 3, snapshotId: ID, error: "snapshot is incomplete: some files could not be read: Warning: at least one source file could not be read (/data/x: permission denied)" },
    ],
    [
      "unreadable files with no-error-on-warning (resticprofile exits 0)",
      { code: 0, stdout: SUMMARY, stderr: '{"message_type":"error","error":{"message":"permission denied"},"during":"archival","item":"/data/x"}\n{"message_type":"exit_error","code":3,"message":"Warning"}' },
      { ok: true, exitCode: 3, snapshotId: ID, error: "snapshot is incomplete: some files could not be read: /data/x: permission denied" },
    ],
    ["success without a summary", { code: 0, stdout: "2026/11/26 profile 'x': finished 'backup'\n" }, { ok: false, exitCode: 0, error: "restic printed no backup summary" }],
    [
      "resticprofile failing before restic (its log is on stdout)",
      { code: 1, stdout: '2026/11/26 11:44:18 profile or group not found: "app-local"\n\nProfiles available (name, sections, description):\n' },
      { ok: false, exitCode: 1, error: 'restic failed: profile or group not found: "app-local"' },
    ],
    ["restic < 0.18 (plain-text error)", { code: 1, stdout: "2026/11/26 11:44:18 profile 'app-local': starting 'backup'\n2026/11/26 11:44:18 backup on profile 'app-local': exit status 1\n", stderr: "Fatal: unable to open repository\n" }, { error: "restic failed: Fatal: unable to open repository" }],
    ["an interrupted resticprofile with nothing to say", { code: 1, stdout: "2026/11/26 11:44:18 profile 'app-local': starting 'backup'\n" }, { error: "restic failed" }],
    ["no resticprofile binary", { code: 127, error: "spawn resticprofile ENOENT" }, { ok: false, exitCode: 127, error: "restic failed: spawn resticprofile ENOENT" }],
  ])("given %s, returns %j", (_name, r, want) => {
    expect(interpretBackup(profile, run(r))).toMatchObject(want);
  });
});

describe("encodeTerminationMessage", () => {
  const repo = (i: number, error?: string): RepositoryResult => ({
    name: `repository-${i}`,
    kind: "folders",
    ok: error === undefined,
    snapshotId: ID,
    filesNew: 1,
    filesChanged: 2,
    filesUnmodified: 3,
    bytesAdded: 4,
    totalBytes: 5,
    durationSeconds: 6.5,
    exitCode: error === undefined ? 0 : 1,
    ...(error !== undefined ? { error } : {}),
  });

  it("given a small result, returns it whole", () => {
    const result = { run: "r", profile: "p", ok: true, repositories: [repo(1)], stdin: { bytes: 10, exitCode: 0 } };
    expect(JSON.parse(encodeTerminationMessage(result))).toEqual(result);
  });

  it.each([
    ["long errors", Array.from({ length: 6 }, (_, i) => repo(i, "x".repeat(2000)))],
    ["many repositories", Array.from({ length: 60 }, (_, i) => repo(i, "boom"))],
  ])("given %s, returns a valid result within 4096 bytes", (_name, repositories) => {
    const text = encodeTerminationMessage({ run: "r", profile: "p", ok: false, repositories, stdin: { bytes: 1, exitCode: 2, error: "e".repeat(5000) } });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    const parsed = RunnerResult.parse(JSON.parse(text));
    expect(parsed).toMatchObject({ run: "r", profile: "p", ok: false, truncated: true });
  });

  it("given long errors, keeps every snapshot id and shortens the errors", () => {
    const repositories = Array.from({ length: 6 }, (_, i) => repo(i, "x".repeat(2000)));
    const parsed = RunnerResult.parse(JSON.parse(encodeTerminationMessage({ run: "r", profile: "p", ok: false, repositories })));
    expect(parsed.repositories.map((r) => r.snapshotId)).toEqual(repositories.map(() => ID));
    expect(parsed.repositories[0]?.error?.length).toBeLessThanOrEqual(300);
  });
});
