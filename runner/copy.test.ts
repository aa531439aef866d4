import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyTree } from "./copy.ts";

const isRoot = process.getuid?.() === 0;

/** Every entry below `root` (root itself as "."): type, mode, owner, mtime, size, content or link target. */
function snapshot(root: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    const rel = relative(root, p) || ".";
    const st = lstatSync(p);
    const common = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${Math.round(st.mtimeMs)}`;
    if (st.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(p)} ${st.uid}:${st.gid}`;
    else if (st.isFile()) out[rel] = `file ${common} ${readFileSync(p).toString("base64")}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${common}`;
      for (const name of readdirSync(p)) if (!(p === root && skip.includes(name))) walk(join(p, name));
    }
  };
  walk(root);
  return out;
}

const old = new Date("2024-01-02T03:04:05.678Z");

describe("copyTree", () => {
  let dir: string;
  let from: string;
  let to: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "rafdir-copy-"));
    from = join(dir, "from");
    to = join(dir, "to");
    mkdirSync(join(from, "a", "b"), { recursive: true });
    writeFileSync(join(from, "top.txt"), "top\n");
    writeFileSync(join(from, "a", "b", "deep.bin"), Buffer.alloc(200_000, 9));
    writeFileSync(join(from, "a", "script.sh"), "#!/bin/sh\n");
    chmodSync(join(from, "a", "script.sh"), 0o4750);
    chmodSync(join(from, "a"), 0o2770);
    symlinkSync("a/b/deep.bin", join(from, "link"));
    symlinkSync("/nonexistent", join(from, "a", "dangling"));
    writeFileSync(join(from, "empty"), "");
    if (isRoot) chownSync(join(from, "top.txt"), 1234, 5678);
    utimesSync(join(from, "top.txt"), old, old);
    utimesSync(join(from, "a", "b"), old, old);
    chmodSync(from, 0o750);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("given an empty target, copies files, directories and symlinks with their mode, owner and mtime", async () => {
    mkdirSync(to);
    const counts = await copyTree(from, to);
    expect(counts).toEqual({ files: 4, bytes: 200_000 + 4 + 10, removed: 0, unchanged: 0, skipped: 0 });
    expect(snapshot(to)).toEqual(snapshot(from));
    expect(lstatSync(join(to, "a", "script.sh")).mode & 0o7777).toBe(0o4750);
    expect(lstatSync(join(to, "a")).mode & 0o7777).toBe(0o2770);
    expect(lstatSync(to).mode & 0o777).toBe(0o750);
    if (isRoot) expect(lstatSync(join(to, "top.txt"))).toMatchObject({ uid: 1234, gid: 5678 });
  });

  it("given a target that does not exist, creates it", async () => {
    await copyTree(from, join(to, "x", "y"));
    expect(snapshot(join(to, "x", "y"))).toEqual(snapshot(from));
  });

  it.each<[string, (to: string) => void, { removed: number; unchanged: number }]>([
    ["a stale file", (t) => writeFileSync(join(t, "stale.txt"), "old"), { removed: 1, unchanged: 0 }],
    ["a stale directory with contents", (t) => (mkdirSync(join(t, "gone", "sub"), { recursive: true }), writeFileSync(join(t, "gone", "sub", "f"), "x")), { removed: 3, unchanged: 0 }],
    ["a file where the source has a directory", (t) => writeFileSync(join(t, "a"), "not a dir"), { removed: 1, unchanged: 0 }],
    ["a directory where the source has a file", (t) => (mkdirSync(join(t, "top.txt", "x"), { recursive: true }), writeFileSync(join(t, "top.txt", "x", "f"), "")), { removed: 3, unchanged: 0 }],
    ["a file where the source has a symlink", (t) => writeFileSync(join(t, "link"), "data"), { removed: 1, unchanged: 0 }],
    ["a symlink where the source has a file", (t) => symlinkSync("/etc/passwd", join(t, "top.txt")), { removed: 1, unchanged: 0 }],
    ["a symlink to elsewhere", (t) => symlinkSync("elsewhere", join(t, "link")), { removed: 1, unchanged: 0 }],
    ["a changed file of the same size", (t) => writeFileSync(join(t, "top.txt"), "TOP\n"), { removed: 0, unchanged: 0 }],
    ["a symlink where the source has a directory (not followed)", (t) => (mkdirSync(join(t, "victim")), writeFileSync(join(t, "victim", "keep"), "k"), symlinkSync(join(t, "victim"), join(t, "a"))), { removed: 3, unchanged: 0 }],
  ])("given a target with %s, makes it an exact copy", async (_name, prepare, want) => {
    mkdirSync(to);
    prepare(to);
    const counts = await copyTree(from, to);
    expect(counts).toMatchObject(want);
    expect(snapshot(to)).toEqual(snapshot(from));
  });

  it("given a symlink in the target pointing outside, never writes through it", async () => {
    const outside = join(dir, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "deep.bin"), "precious");
    mkdirSync(join(to, "a"), { recursive: true });
    symlinkSync(outside, join(to, "a", "b"));
    await copyTree(from, to);
    expect(readFileSync(join(outside, "deep.bin"), "utf8")).toBe("precious");
    expect(snapshot(to)).toEqual(snapshot(from));
  });

  it("with the quick check, a second run rewrites nothing and only fixes metadata; without, it rewrites every file", async () => {
    await copyTree(from, to);
    chmodSync(join(to, "top.txt"), 0o600);
    const counts = await copyTree(from, to, { quickCheck: true });
    expect(counts).toMatchObject({ files: 4, removed: 0, unchanged: 4 });
    expect(snapshot(to)).toEqual(snapshot(from));
    const sneaky = join(to, "top.txt");
    const { mtime, atime } = statSync(sneaky);
    writeFileSync(sneaky, "BAD\n"); // same size, mtime put back: only a full copy catches it
    utimesSync(sneaky, atime, mtime);
    expect(await copyTree(from, to)).toMatchObject({ unchanged: 0 });
    expect(snapshot(to)).toEqual(snapshot(from));
    expect(snapshot(to)).toEqual(snapshot(from));
  });

  it("keeps lost+found at the root of the target and copies none from the source; elsewhere it is a name like any", async () => {
    mkdirSync(join(to, "lost+found"), { recursive: true, mode: 0o700 });
    writeFileSync(join(to, "lost+found", "#123"), "fsck");
    mkdirSync(join(from, "lost+found"));
    writeFileSync(join(from, "lost+found", "#9"), "from");
    mkdirSync(join(to, "a", "lost+found"), { recursive: true });
    await copyTree(from, to);
    expect(readdirSync(join(to, "lost+found"))).toEqual(["#123"]);
    expect(snapshot(to, ["lost+found"])).toEqual(snapshot(from, ["lost+found"]));
    expect(readdirSync(join(to, "a")).includes("lost+found")).toBe(false);
  });

  it("keeps hard links as links", async () => {
    linkSync(join(from, "top.txt"), join(from, "a", "hard.txt"));
    const counts = await copyTree(from, to);
    expect(counts).toMatchObject({ files: 5, bytes: 200_000 + 4 + 10 });
    expect(lstatSync(join(to, "a", "hard.txt")).ino).toBe(lstatSync(join(to, "top.txt")).ino);
    expect((await copyTree(from, to, { quickCheck: true })).unchanged).toBe(5);
  });

  it.each([
    ["the same directory", (f: string) => f],
    ["a directory inside the source", (f: string) => join(f, "a")],
  ])("given %s as target, refuses", async (_name, target) => {
    await expect(copyTree(from, target(from))).rejects.toThrow(/one contains the other/);
  });

  it("given an aborted signal, stops", async () => {
    await expect(copyTree(from, to, { signal: AbortSignal.abort() })).rejects.toThrow(/interrupted/);
  });

  it("given a source that is not a directory, throws", async () => {
    await expect(copyTree(join(from, "top.txt"), to)).rejects.toThrow(/not a directory/);
  });
});
