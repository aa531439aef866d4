import { describe, expect, it } from "vitest";
import { finishedPhase, podRunnerResult, type BackupPodLike } from "./pod-result.ts";

const ident = { run: "db-1", profile: "db" };
const ok = { run: "db-1", profile: "db", ok: true, repositories: [] };

const pod = (phase: string, terminated?: { exitCode?: number; reason?: string; message?: string }, extra: Partial<NonNullable<BackupPodLike["status"]>> = {}): BackupPodLike => ({
  metadata: { name: "rafdir-db-1", namespace: "backup" },
  status: { phase, ...extra, ...(terminated ? { containerStatuses: [{ name: "runner", state: { terminated } }] } : {}) },
});

describe("finishedPhase", () => {
  it.each([
    ["Succeeded", "Succeeded"],
    ["Failed", "Failed"],
    ["Running", undefined],
    ["Pending", undefined],
  ])("given phase %s, returns %s", (phase, expected) => {
    expect(finishedPhase(pod(phase))).toBe(expected);
  });
});

describe("podRunnerResult", () => {
  it.each([
    ["a runner result", pod("Succeeded", { exitCode: 0, message: JSON.stringify(ok) }), ok],
    [
      "a failed runner result",
      pod("Failed", { exitCode: 1, message: JSON.stringify({ ...ok, ok: false, stdin: { bytes: 1234, exitCode: 1 } }) }),
      { ...ok, ok: false, stdin: { bytes: 1234, exitCode: 1 } },
    ],
    [
      "a Failed pod with no message",
      pod("Failed", { exitCode: 137, reason: "OOMKilled" }),
      { ...ident, ok: false, repositories: [], error: "backup pod backup/rafdir-db-1 failed: container runner exited with 137 (OOMKilled)" },
    ],
    [
      "a Failed pod whose message is a log line",
      pod("Failed", { exitCode: 2, reason: "Error", message: "node: cannot find module\n  at x" }),
      { ...ident, ok: false, repositories: [], error: "backup pod backup/rafdir-db-1 failed: container runner exited with 2 (Error); its termination message is not a runner result: node: cannot find module at x" },
    ],
    [
      "a Succeeded pod without a result",
      pod("Succeeded", { exitCode: 0 }),
      { ...ident, ok: false, repositories: [], error: "backup pod backup/rafdir-db-1 succeeded (container runner exited with 0) but wrote no readable result to its termination message" },
    ],
    [
      "a pod killed by its deadline before the container ran",
      pod("Failed", undefined, { reason: "DeadlineExceeded", message: "Pod was active on the node longer than the specified deadline" }),
      {
        ...ident,
        ok: false,
        repositories: [],
        error: "backup pod backup/rafdir-db-1 failed before its container ran to the end (DeadlineExceeded: Pod was active on the node longer than the specified deadline)",
      },
    ],
  ])("given %s, returns the result", (_what, p, expected) => {
    expect(podRunnerResult(p, ident)).toEqual(expected);
  });
});
