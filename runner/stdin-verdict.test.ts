import { describe, expect, it } from "vitest";
import { toExecStatus, type ExecEnd } from "./exec.ts";
import { judgeStdin } from "./stdin-verdict.ts";

const success: ExecEnd = { status: { status: "Success", exitCode: 0 }, stderr: "" };

describe("judgeStdin", () => {
  it.each<[string, ExecEnd, number, RegExp | undefined]>([
    ["success with bytes", success, 500_000, undefined],
    ["success with no bytes", success, 0, /produced no output/],
    ["a non-zero exit after partial output", { status: { status: "Failure", reason: "NonZeroExitCode", exitCode: 3 }, stderr: "pg_dump: error: connection lost\n" }, 100_000, /exited with code 3 after 100000 bytes; stderr: pg_dump: error: connection lost/],
    ["a command that never ran", { status: { status: "Failure", reason: "InternalError", message: "executable file not found" }, stderr: "" }, 0, /executable file not found/],
    ["a stream closed without status", { error: "stream closed without the command's exit status", stderr: "" }, 42, /stream failed after 42 bytes: stream closed without/],
    ["a failed connect", { error: "exec into app/db-0 failed: Unexpected server response: 404", stderr: "" }, 0, /404/],
    ["an abort after success", { status: { status: "Success", exitCode: 0 }, error: "aborted", stderr: "" }, 10, /aborted/],
  ])("given %s, returns the verdict", (_name, end, bytes, reason) => {
    const v = judgeStdin(end, bytes);
    if (reason === undefined) expect(v).toEqual({ ok: true });
    else expect(v.ok === false && v.reason).toMatch(reason);
  });
});

describe("toExecStatus", () => {
  it.each<[string, unknown, ReturnType<typeof toExecStatus>]>([
    ["Success", { metadata: {}, status: "Success" }, { status: "Success", exitCode: 0 }],
    [
      "NonZeroExitCode",
      { status: "Failure", reason: "NonZeroExitCode", message: "command terminated with non-zero exit code", details: { causes: [{ reason: "ExitCode", message: "3" }] } },
      { status: "Failure", reason: "NonZeroExitCode", message: "command terminated with non-zero exit code", exitCode: 3 },
    ],
    ["InternalError", { status: "Failure", reason: "InternalError", message: "boom", details: { causes: [{ message: "boom" }] } }, { status: "Failure", reason: "InternalError", message: "boom" }],
    ["garbage", "nope", { status: "Unknown" }],
  ])("given %s, returns %j", (_name, raw, want) => {
    expect(toExecStatus(raw)).toEqual(want);
  });
});
