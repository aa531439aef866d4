import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ApiError } from "../apiserver/types.ts";
import { LogWriter, MAX_ENTRY_BYTES, formatRfc3339Nano, parsePodLogQuery, readLogs, type ReadLogsOptions } from "./logs.ts";
import { readAll } from "./runtime-exec.ts";

const dir = mkdtempSync(join(tmpdir(), "rafdir-logs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function written(chunks: [("stdout" | "stderr"), string][]): Promise<string> {
  const path = join(dir, `log-${++n}`);
  const w = new LogWriter(path);
  for (const [stream, text] of chunks) w.write(stream, Buffer.from(text));
  await w.close();
  return path;
}

async function read(path: string, opts: ReadLogsOptions = {}): Promise<string> {
  return (await readAll(readLogs(path, opts, new AbortController().signal))).toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the text read so far is `want` (a loaded machine may take a while); fails with what was read. */
async function until(read: () => string, want: string, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; read() !== want && Date.now() < end; ) await sleep(5);
  expect(read()).toBe(want);
}

describe("LogWriter", () => {
  it("writes CRI entries per line and stream, and the raw text reads back exactly", async () => {
    const path = await written([
      ["stdout", "a\nb"],
      ["stderr", "err\n"],
      ["stdout", "c\n"],
      ["stdout", "no newline"],
    ]);
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F a$/);
    expect(lines[1]).toMatch(/ stderr F err$/);
    expect(lines[2]).toMatch(/ stdout F bc$/);
    expect(lines[3]).toMatch(/ stdout P no newline$/);
    expect(await read(path)).toBe("a\nerr\nbc\nno newline");
  });

  it("splits very long lines into partial entries", async () => {
    const long = "x".repeat(MAX_ENTRY_BYTES * 2 + 10);
    const path = await written([["stdout", `${long}\nshort\n`]]);
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => l.split(" ")[2])).toEqual(["P", "P", "F", "F"]);
    expect(await read(path)).toBe(`${long}\nshort\n`);
  });

  it("formats RFC3339 with nanoseconds", () => {
    expect(formatRfc3339Nano(1_700_000_000_123_456_789n)).toBe("2023-11-14T22:13:20.123456789Z");
    expect(formatRfc3339Nano(1_700_000_000_000_000_001n)).toBe("2023-11-14T22:13:20.000000001Z");
  });
});

describe("readLogs", () => {
  it("serves tailLines, timestamps and limitBytes", async () => {
    const path = await written([["stdout", "one\ntwo\nthree\n"]]);
    expect(await read(path, { tailLines: 2 })).toBe("two\nthree\n");
    expect(await read(path, { tailLines: 0 })).toBe("");
    expect(await read(path, { tailLines: 10 })).toBe("one\ntwo\nthree\n");
    expect(await read(path, { limitBytes: 6 })).toBe("one\ntw");
    const stamped = (await read(path, { timestamps: true, tailLines: 1 })).split("\n");
    expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z three$/);
  });

  it("serves sinceTime and sinceSeconds", async () => {
    const path = join(dir, `log-${++n}`);
    const w = new LogWriter(path);
    w.write("stdout", Buffer.from("old\n"));
    await sleep(20);
    const cut = new Date();
    await sleep(5);
    w.write("stdout", Buffer.from("new\n"));
    await w.close();
    expect(await read(path, { sinceTime: cut })).toBe("new\n");
    expect(await read(path, { sinceSeconds: 60 })).toBe("old\nnew\n");
  });

  it("follows new lines until the container exits", async () => {
    const path = join(dir, `log-${++n}`);
    const w = new LogWriter(path);
    w.write("stdout", Buffer.from("first\nsecond\n"));
    while (!existsSync(path) || !readFileSync(path, "utf8").includes("second")) await sleep(5); // tailLines applies to what is on disk
    let exit: () => void = () => {};
    const exited = new Promise<void>((r) => (exit = r));
    const stream = readLogs(path, { follow: true, tailLines: 1, exited, pollMs: 10 }, new AbortController().signal);
    const got: string[] = [];
    stream.on("data", (c: Buffer) => got.push(c.toString()));
    const ended = new Promise((r) => stream.on("end", r));
    await until(() => got.join(""), "second\n");
    w.write("stdout", Buffer.from("third\n"));
    await until(() => got.join(""), "second\nthird\n");
    w.write("stderr", Buffer.from("last words"));
    await w.close();
    exit();
    await ended;
    expect(got.join("")).toBe("second\nthird\nlast words");
  });

  it("stops following when the signal aborts, and waits for a log file that does not exist yet", async () => {
    const path = join(dir, `log-${++n}`);
    const ac = new AbortController();
    const stream = readLogs(path, { follow: true, pollMs: 10 }, ac.signal);
    const got: string[] = [];
    stream.on("data", (c: Buffer) => got.push(c.toString()));
    const ended = new Promise((r) => stream.on("end", r));
    await sleep(20);
    const w = new LogWriter(path);
    w.write("stdout", Buffer.from("hello\n"));
    await until(() => got.join(""), "hello\n");
    ac.abort();
    await ended;
    expect(got.join("")).toBe("hello\n");
    await w.close();
  });
});

describe("parsePodLogQuery", () => {
  it("parses and validates PodLogOptions", () => {
    const q = parsePodLogQuery(new URLSearchParams("container=main&follow=true&tailLines=10&timestamps=1&limitBytes=100&sinceSeconds=5"));
    expect(q).toEqual({ container: "main", follow: true, previous: false, timestamps: true, tailLines: 10, limitBytes: 100, sinceSeconds: 5 });
    expect(parsePodLogQuery(new URLSearchParams("sinceTime=2024-01-02T03:04:05Z")).sinceTime?.toISOString()).toBe("2024-01-02T03:04:05.000Z");
    const bad = (s: string) => {
      try {
        parsePodLogQuery(new URLSearchParams(s));
      } catch (e) {
        return e instanceof ApiError ? e.code : -1;
      }
      return 0;
    };
    expect(bad("tailLines=-1")).toBe(422);
    expect(bad("limitBytes=0")).toBe(422);
    expect(bad("tailLines=abc")).toBe(400);
    expect(bad("follow=maybe")).toBe(400);
    expect(bad("sinceSeconds=5&sinceTime=2024-01-02T03:04:05Z")).toBe(422);
  });
});
