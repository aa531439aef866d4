import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { maskSecrets, runCommand } from "./run.ts";

const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };

describe("runCommand", () => {
  it("returns the exit code and output of a command", async () => {
    const r = await runCommand(["sh", "-c", "echo out; echo err >&2; exit 3"], { env });
    expect(r).toMatchObject({ code: 3, stdout: "out\n", stderr: "err\n", truncated: false });
    expect(r.error).toBeUndefined();
  });

  it("pipes stdin into the command", async () => {
    const r = await runCommand(["sh", "-c", "wc -c"], { env, stdin: Readable.from([Buffer.alloc(100_000, 1)]) });
    expect(r.stdout.trim()).toBe("100000");
  });

  it("keeps only the tail of a large output", async () => {
    const r = await runCommand(["sh", "-c", "seq 1 100000; echo LAST"], { env, maxOutputBytes: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBeLessThanOrEqual(1000);
    expect(r.stdout.endsWith("100000\nLAST\n")).toBe(true);
  });

  it("answers 127 with the reason when the command does not exist", async () => {
    const r = await runCommand(["rafdir-no-such-command"], { env });
    expect(r.code).toBe(127);
    expect(r.error).toMatch(/ENOENT/);
  });

  it("masks secret environment values in the output, and passes the environment on", async () => {
    const r = await runCommand(["sh", "-c", 'echo "pw=$RESTIC_PASSWORD key=$AWS_SECRET_ACCESS_KEY user=$USERNAME"'], {
      env: { ...env, RESTIC_PASSWORD: "correct horse", AWS_SECRET_ACCESS_KEY: "abcd1234", USERNAME: "rafdir" },
    });
    expect(r.stdout).toBe("pw=[redacted] key=[redacted] user=rafdir\n");
  });

  it("on abort, interrupts the process group, closes stdin, and reports the signal's exit code", async () => {
    const stdin = new PassThrough();
    stdin.write("some data\n");
    const ctl = new AbortController();
    // The trap ignores SIGINT like restic does while it waits for stdin: only the closed stdin ends it.
    const run = runCommand(["sh", "-c", "trap 'echo got-int' INT; cat >/dev/null; echo eof; exit 130"], { env, stdin, signal: ctl.signal, stdinCloseMs: 100 });
    setTimeout(() => ctl.abort(), 200);
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stdout).toContain("eof");
  });

  it("SIGKILLs a command that ignores the interrupt", async () => {
    const ctl = new AbortController();
    const run = runCommand(["sh", "-c", "trap '' INT; sleep 30"], { env, signal: ctl.signal, killAfterMs: 200 });
    setTimeout(() => ctl.abort(), 100);
    const r = await run;
    expect(r.signal === "SIGKILL" || r.code === 137).toBe(true);
  });

  it("does not start when already aborted", async () => {
    const ctl = new AbortController();
    ctl.abort();
    expect((await runCommand(["true"], { env, signal: ctl.signal })).code).toBe(130);
  });
});

describe("maskSecrets", () => {
  it.each([
    ["a password", { RESTIC_PASSWORD: "hunter22" }, "x hunter22 y", "x [redacted] y"],
    ["a short value (too risky to mask)", { RESTIC_PASSWORD: "abc" }, "abc", "abc"],
    ["a non-secret name", { RESTIC_REPOSITORY: "/repo" }, "/repo", "/repo"],
    ["a key", { AWS_ACCESS_KEY_ID: "AKIA1234" }, "id AKIA1234", "id [redacted]"],
  ])("given %s, returns the masked text", (_n, e, text, want) => {
    expect(maskSecrets(text, e)).toBe(want);
  });
});
