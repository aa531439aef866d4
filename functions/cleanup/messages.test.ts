import { describe, expect, it } from "vitest";
import type { RepositoryResult, RunnerResult } from "../../runner/result.ts";
import { backupError, deliveryError, formatBytes, successMessage, timeoutError } from "./messages.ts";

const repo = (over: Partial<RepositoryResult>): RepositoryResult => ({
  name: "local",
  kind: "folders",
  ok: true,
  filesNew: 1,
  filesChanged: 0,
  filesUnmodified: 0,
  bytesAdded: 2048,
  totalBytes: 4096,
  durationSeconds: 1,
  exitCode: 0,
  ...over,
});
const result = (over: Partial<RunnerResult>): RunnerResult => ({ run: "db-1", profile: "db", ok: false, repositories: [], ...over });

describe("backupError", () => {
  it.each<[string, "Succeeded" | "Failed", RunnerResult, { reason: string; message: string } | undefined]>([
    ["a success", "Succeeded", result({ ok: true, repositories: [repo({})] }), undefined],
    [
      "a wrong password",
      "Failed",
      result({ repositories: [repo({ ok: false, exitCode: 12, error: "wrong repository password: wrong password or no key found" })] }),
      { reason: "WrongPassword", message: "resticprofile failed for repository local: wrong repository password: wrong password or no key found (exit 12)" },
    ],
    [
      "a failure without an error text",
      "Failed",
      result({ repositories: [repo({ ok: false, exitCode: 11 })] }),
      { reason: "RepositoryLocked", message: "resticprofile failed for repository local: the repository is locked (exit 11)" },
    ],
    [
      "a dump cut short",
      "Failed",
      result({
        repositories: [repo({ kind: "stdin", ok: false, exitCode: 130, error: "interrupted: stdin command exited with code 1 after 1234 bytes" })],
        stdin: { bytes: 1234, exitCode: 1, error: "stdin command exited with code 1 after 1234 bytes; stderr: pg_dump: connection refused" },
      }),
      { reason: "DumpFailed", message: "stdin dump cut short: exec exit 1 after 1234 bytes (stderr: pg_dump: connection refused)" },
    ],
    [
      "a dump cut short whose restic exited 1 echoing it, and another repository with its own error",
      "Failed",
      result({
        repositories: [
          repo({ kind: "stdin", ok: false, exitCode: 1, error: "stdin command exited with code 1 after 10 bytes" }),
          repo({ name: "s3", kind: "stdin", ok: false, exitCode: 12, error: "stdin command exited with code 1 after 10 bytes; restic: wrong password" }),
        ],
        stdin: { bytes: 10, exitCode: 1, error: "stdin command exited with code 1 after 10 bytes" },
      }),
      { reason: "DumpFailed", message: "stdin dump cut short: exec exit 1 after 10 bytes; repository s3: restic: wrong password" },
    ],
    [
      "a dump beside folders that failed before the backup",
      "Failed",
      result({ repositories: [repo({ ok: false, exitCode: -1, error: "not backed up: the dump failed" })], stdin: { bytes: 0, exitCode: 2 } }),
      { reason: "DumpFailed", message: "stdin dump cut short: exec exit 2 after 0 bytes" },
    ],
    [
      "a dump with no output",
      "Failed",
      result({ stdin: { bytes: 0, exitCode: 0, error: "stdin command produced no output" } }),
      { reason: "DumpFailed", message: "stdin dump failed after 0 bytes: stdin command produced no output" },
    ],
    [
      "one of two repositories failing",
      "Failed",
      result({ repositories: [repo({}), repo({ name: "s3", ok: false, exitCode: 10, error: "the repository does not exist" })] }),
      { reason: "RepositoryMissing", message: "resticprofile failed for repository s3: the repository does not exist (exit 10)" },
    ],
    ["a pod that failed before the runner", "Failed", result({ error: "backup pod backup/x failed: container runner exited with 137 (OOMKilled)" }), { reason: "BackupPodFailed", message: "backup pod backup/x failed: container runner exited with 137 (OOMKilled)" }],
    ["a Failed pod whose runner said ok", "Failed", result({ ok: true, repositories: [repo({})] }), { reason: "BackupPodFailed", message: "the backup pod failed although its runner reported success" }],
  ])("given %s, returns %j", (_what, phase, r, expected) => {
    const e = backupError(phase, r);
    expect(e && { reason: e.reason, message: e.message }).toEqual(expected);
    if (e) expect(e.step).toBe("backup");
  });
});

describe("outcome texts", () => {
  it.each([
    [0, "0 B"],
    [2048, "2.0 KiB"],
    [5 * 1024 * 1024 + 1, "5.0 MiB"],
  ])("formats %d bytes as %s", (n, text) => expect(formatBytes(n)).toBe(text));

  it("summarises a success per repository", () => {
    expect(successMessage({ repositories: [repo({ snapshotId: "1ead12ab".padEnd(64, "0") })] })).toBe("backed up into local (snapshot 1ead12ab: 1 new, 0 changed files, 2.0 KiB added)");
  });

  it.each([
    [{ phase: "Snapshotting" as const, deadline: "D", target: { namespace: "apps" } }, undefined, "snapshotting did not finish by the deadline D: the snapshots in namespace apps were not ready"],
    [
      { phase: "BackingUp" as const, deadline: "D", pod: "rafdir-db-1" },
      { metadata: { name: "rafdir-db-1", namespace: "backup" }, status: { phase: "Pending", containerStatuses: [{ name: "runner", state: { waiting: { reason: "ImagePullBackOff", message: "no such image" } } }] } },
      "the backup did not finish by the deadline D: backup pod backup/rafdir-db-1 was still Pending (ImagePullBackOff: no such image)",
    ],
    [{ phase: "Pending" as const, deadline: "D" }, undefined, "planning (target, quiesce) did not finish by the deadline D"],
  ])("a timeout in %j names the step and the deadline", (status, pod, start) => {
    const e = timeoutError(status, pod);
    expect(e.step).toBe("timeout");
    expect(e.reason).toBe("DeadlineExceeded");
    expect(e.message.startsWith(start)).toBe(true);
  });

  it.each([
    [{ dest: "http://rafdir-run-restic.backup.svc/", code: "503", data: Buffer.from("transient failure, retry later").toString("base64") }, "event io.rafdir.pvc.bound could not be delivered to http://rafdir-run-restic.backup.svc/: the last attempt answered HTTP 503 (transient failure, retry later); the run was stopped and cleaned up"],
    [{ dest: "http://x/", code: "0" }, "event io.rafdir.pvc.bound could not be delivered to http://x/: the subscriber could not be reached; the run was stopped and cleaned up"],
  ])("a dead letter %j names the event type and its destination", (attrs, message) => {
    expect(deliveryError("io.rafdir.pvc.bound", attrs)).toEqual({ step: "delivery", reason: "DeliveryFailed", message });
  });
});
