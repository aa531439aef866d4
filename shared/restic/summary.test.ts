import { describe, expect, it } from "vitest";
import { describeOutcome, exitOutcome, findLsNode, parseBackupOutput, parseRestoreOutput, parseSnapshots, parseStats, unixMode, type ResticOutcome } from "./summary.ts";

const ID = "b1c98192047122e85743c1953517f00b6b2035cb078ab65e9e2386fefdb955f9";
const V016 = `{"message_type":"summary","files_new":1,"files_changed":0,"files_unmodified":0,"dirs_new":3,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":1,"tree_blobs":4,"data_added":1408,"total_files_processed":1,"total_bytes_processed":3,"total_duration":0.74,"snapshot_id":"${ID}"}`;
const V019 = `{"message_type":"summary","files_new":1,"files_changed":0,"files_unmodified":0,"dirs_new":3,"dirs_changed":0,"dirs_unmodified":0,"data_blobs":1,"tree_blobs":4,"data_added":1408,"data_added_packed":1244,"total_files_processed":1,"total_bytes_processed":3,"total_duration":0.746958218,"backup_start":"2026-11-26T11:19:21.511209854Z","backup_end":"2026-11-26T11:19:22.258168076Z","snapshot_id":"${ID}"}`;
const SKIPPED = `{"message_type":"summary","files_new":0,"files_changed":0,"files_unmodified":1,"dirs_new":0,"dirs_changed":0,"dirs_unmodified":3,"data_blobs":0,"tree_blobs":0,"data_added":0,"data_added_packed":0,"total_files_processed":1,"total_bytes_processed":3,"total_duration":0.2,"backup_start":"2026-11-26T11:19:21Z","backup_end":"2026-11-26T11:19:22Z"}`;

describe("parseBackupOutput", () => {
  it.each([
    ["a 0.16 summary", V016, { snapshot: ID, packed: undefined }],
    ["a 0.19 summary", V019, { snapshot: ID, packed: 1244 }],
    ["a summary without a snapshot (--skip-if-unchanged)", SKIPPED, { snapshot: undefined, packed: 0 }],
  ])("given %s, returns its counters", (_name, line, want) => {
    const out = parseBackupOutput(`2026/11/26 11:19:21 profile 'p-local': starting 'backup'\n${line}\n2026/11/26 profile 'p-local': finished 'backup'\n`);
    expect(out.summary?.snapshot_id).toBe(want.snapshot);
    expect(out.summary?.data_added_packed).toBe(want.packed);
    expect(out.summary?.files_new).toBe(line === SKIPPED ? 0 : 1);
  });

  it("given exit_error on stderr without a trailing newline, returns restic's own exit code", () => {
    const out = parseBackupOutput("2026/11/26 backup on profile 'p': exit status 12\n", '{"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}');
    expect(out.summary).toBeUndefined();
    expect(out.exitError).toEqual({ message_type: "exit_error", code: 12, message: "Fatal: wrong password or no key found" });
  });

  it("given error lines, returns them in order; before 0.17.1 an error was {}", () => {
    const stderr = [
      '{"message_type":"error","error":{"message":"permission denied"},"during":"archival","item":"/data/secret"}',
      '{"message_type":"error","error":{},"during":"scan","item":"/data/x"}',
      "not json",
      '{"message_type":"status","percent_done":0.5}',
    ].join("\n");
    expect(parseBackupOutput(V019, stderr).errors).toEqual(["/data/secret: permission denied", "/data/x: unknown error"]);
  });

  it("given a truncated summary line, returns no summary", () => {
    expect(parseBackupOutput(V019.slice(0, 80)).summary).toBeUndefined();
  });
});

describe("parseSnapshots", () => {
  it("given `snapshots --json` after resticprofile's log line, returns the snapshots", () => {
    const json = JSON.stringify([
      { time: "2026-11-26T11:19:25Z", tree: "57e2", paths: ["/dump.bin"], hostname: "h1", username: "root", tags: ["s"], program_version: "restic 0.19.1", summary: { files_new: 1, data_added: 10 }, id: ID, short_id: ID.slice(0, 8) },
      { time: "2026-11-26T11:20:25Z", tree: "57e3", paths: ["/data"], hostname: "h1", id: ID.replace("b1", "c2") },
    ]);
    const snaps = parseSnapshots(`2026/11/26 11:32:06 profile 'p-local': starting 'snapshots'\n${json}\n`);
    expect(snaps.map((s) => [s.id.slice(0, 4), s.paths, s.tags])).toEqual([["b1c9", ["/dump.bin"], ["s"]], ["c2c9", ["/data"], undefined]]);
  });
  it("given no array, throws", () => {
    expect(() => parseSnapshots("Fatal: wrong password\n")).toThrow(/no JSON array/);
  });
});

describe("exitOutcome", () => {
  it.each<[number, ResticOutcome["kind"]]>([
    [0, "ok"],
    [1, "fatal"],
    [2, "fatal"],
    [3, "incomplete"],
    [10, "repoMissing"],
    [11, "lockFailed"],
    [12, "wrongPassword"],
    [130, "interrupted"],
    [137, "fatal"],
  ])("given exit code %i, returns %s", (code, kind) => {
    const outcome = exitOutcome(code);
    expect(outcome).toEqual({ kind, code });
    expect(describeOutcome(outcome)).toMatch(/\w/);
  });
});

describe("parseRestoreOutput", () => {
  it.each([
    ["a fresh restore", '{"message_type":"summary","total_files":3,"files_restored":3,"total_bytes":5006,"bytes_restored":5006}', { files_restored: 3, files_skipped: 0, bytes_restored: 5006, bytes_skipped: 0 }],
    ["a restore over identical files (zeros omitted)", '{"message_type":"summary","total_files":1,"files_restored":1,"files_skipped":2,"bytes_skipped":5006}', { files_restored: 1, files_skipped: 2, bytes_restored: 0, bytes_skipped: 5006 }],
    ["an empty folder (every counter omitted)", '{"message_type":"summary"}', { files_restored: 0, files_skipped: 0, bytes_restored: 0, bytes_skipped: 0 }],
  ])("given %s, returns the counters", (_name, line, want) => {
    const status = '{"message_type":"status","seconds_elapsed":1,"percent_done":0.5,"total_files":3,"files_restored":1}';
    const out = parseRestoreOutput(`2026/11/26 13:29:31 profile 'app-local': starting 'restore'\n${status}\n${line}\n2026/11/26 profile 'app-local': finished 'restore'\n`);
    expect(out.summary).toMatchObject(want);
  });

  it("given a path that is not in the snapshot, returns restic's exit_error and no summary", () => {
    const out = parseRestoreOutput("2026/11/26 restore on profile 'p': exit status 1\n", '{"message_type":"exit_error","code":1,"message":"path tmp/nope: not found"}');
    expect(out.summary).toBeUndefined();
    expect(out.exitError?.message).toBe("path tmp/nope: not found");
  });

  it("given error lines, returns them", () => {
    const err = '{"message_type":"error","error":{"message":"lchown /t/a: operation not permitted"},"during":"restore","item":"/t/a"}';
    expect(parseRestoreOutput('{"message_type":"summary","files_restored":1}', err).errors).toEqual(["/t/a: lchown /t/a: operation not permitted"]);
  });
});

describe("parseStats", () => {
  it.each([
    ["a snapshot", '{"total_size":5006,"total_file_count":6,"snapshots_count":1}', { total_size: 5006, total_file_count: 6, snapshots_count: 1 }],
    ["an unknown id (restic says only \"Ignoring\" on stderr)", '{"total_size":0,"snapshots_count":0}', { total_size: 0, total_file_count: 0, snapshots_count: 0 }],
  ])("given %s, returns the counts", (_name, line, want) => {
    expect(parseStats(`2026/11/26 profile 'p': starting 'stats'\n${line}\n`)).toEqual(want);
  });
  it("given no JSON, returns undefined", () => {
    expect(parseStats("Fatal: wrong password\n")).toBeUndefined();
  });
});

describe("findLsNode and unixMode", () => {
  const ls = [
    `{"time":"2026-11-26T13:29:41Z","tree":"feb7","paths":["/tmp/rx/data"],"hostname":"h1","id":"${ID}","message_type":"snapshot","struct_type":"snapshot"}`,
    '{"name":"data","type":"dir","path":"/tmp/rx/data","uid":999,"gid":998,"mode":2147484136,"permissions":"drwxr-x---","mtime":"2026-11-26T13:29:18.673107422Z","message_type":"node","struct_type":"node"}',
    '{"name":"a.txt","type":"file","path":"/tmp/rx/data/a.txt","uid":0,"gid":0,"size":6,"mode":420,"mtime":"2026-11-26T13:29:18Z","message_type":"node","struct_type":"node"}',
  ].join("\n");
  it("given a folder, returns its own node", () => {
    expect(findLsNode(ls, "/tmp/rx/data")).toMatchObject({ type: "dir", uid: 999, gid: 998, mode: 2147484136 });
    expect(findLsNode(ls, "/")).toBeUndefined();
  });
  it.each([
    [2147484136, 0o750],
    [420, 0o644],
    [2148532735, 0o1777], // /tmp: sticky
    [2151678445, 0o2755], // setgid dir
    [8389101, 0o4755], // setuid file
  ])("given Go mode %i, returns %o", (goMode, mode) => {
    expect(unixMode(goMode)).toBe(mode);
  });
});
