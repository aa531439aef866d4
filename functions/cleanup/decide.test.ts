import { describe, expect, it } from "vitest";
import type { RunStatus } from "../../shared/runs/run.ts";
import type { RunnerResult } from "../../runner/result.ts";
import type { BackupPodLike } from "../common/pod-result.ts";
import { cleanupStart, deadLetterPlan, finalOutcome, janitorAction, owedUndo, type Cause } from "./decide.ts";

const now = new Date("2026-11-26T03:00:00Z");
const ok: RunnerResult = { run: "db-1", profile: "db", ok: true, repositories: [] };
const finished = (phase: "Succeeded" | "Failed", result: RunnerResult = ok): Cause => ({ kind: "finished", pod: "rafdir-db-1", phase, result });
const aborted: Cause = { kind: "aborted", error: { step: "snapshot", reason: "DriverMismatch", message: "m" } };
const backingUp: RunStatus = { phase: "BackingUp", pod: "rafdir-db-1", deadline: "2026-11-26T02:30:00Z" };

describe("cleanupStart", () => {
  it.each<[string, RunStatus | undefined, Cause, string]>([
    ["a finished backup", backingUp, finished("Succeeded"), "start: no error"],
    ["a failed backup", backingUp, finished("Failed", { ...ok, ok: false, error: "boom" }), "start: backup/BackupPodFailed"],
    ["an abort", { phase: "Snapshotting" }, aborted, "start: snapshot/DriverMismatch"],
    ["an abort after an earlier error: the first error wins", { phase: "Copying", error: { step: "copy", reason: "First", message: "m" } }, aborted, "start: copy/First"],
    ["a duplicate once final", { ...backingUp, phase: "Succeeded" }, finished("Succeeded"), "skip: the run is Succeeded already"],
    ["a teardown under way", { ...backingUp, phase: "CleaningUp" }, aborted, "resume"],
    ["another pod's end", { ...backingUp, pod: "rafdir-other" }, finished("Succeeded"), "skip: pod rafdir-db-1 is not the run's backup pod (rafdir-other)"],
    ["a broken status", undefined, aborted, "skip: the run's status breaks the contract; not touching it"],
  ])("given %s, returns %s", (_what, status, cause, expected) => {
    const s = cleanupStart(status, cause, now);
    const text = s.kind === "skip" ? `skip: ${s.reason}` : s.kind === "resume" ? "resume" : `start: ${s.patch.error ? `${s.patch.error.step}/${s.patch.error.reason}` : "no error"}`;
    expect(text).toBe(expected);
    if (s.kind === "start") expect(s.patch).toMatchObject({ phase: "CleaningUp", deadline: "2026-11-26T03:02:00.000Z", steps: { cleanupStarted: now.toISOString() } });
  });

  it("records the runner's summary without run and profile", () => {
    const s = cleanupStart(backingUp, finished("Succeeded", { ...ok, stdin: { bytes: 3, exitCode: 0 } }), now);
    expect(s.kind === "start" && s.patch.result).toEqual({ ok: true, repositories: [], stdin: { bytes: 3, exitCode: 0 } });
  });
});

describe("finalOutcome", () => {
  it.each<[string, RunStatus, string, string | undefined]>([
    ["no error", { phase: "CleaningUp" }, "Succeeded", undefined],
    ["an error", { phase: "CleaningUp", error: { step: "backup", reason: "WrongPassword", message: "m" } }, "Failed", "WrongPassword"],
  ])("given %s, ends %s", (_what, status, phase, reason) => {
    const f = finalOutcome(status, now);
    expect(f.phase).toBe(phase);
    expect(f.data.reason).toBe(reason);
    expect(f.patch).toMatchObject({ phase, finishedAt: now.toISOString(), deadline: null });
  });

  it("names the warnings in the message, and a command-after still owed", () => {
    const f = finalOutcome({ phase: "CleaningUp", warnings: ["command-after [\"x\"] exited with 3"], quiesce: { kind: "command", namespace: "apps", pod: "db-0", commandAfter: ["unlock"], afterOwed: true } }, now);
    expect(f.phase).toBe("Succeeded");
    expect(f.data.message).toMatch(/; warnings: command-after \["x"\] exited with 3; command-after \["unlock"\] may not have run in pod apps\/db-0/);
  });
});

describe("owedUndo", () => {
  const workload = { kind: "Deployment" as const, namespace: "apps", name: "db" };
  it.each<[string, RunStatus["quiesce"], string]>([
    ["no quiesce", undefined, "none"],
    ["a stop not restored", { kind: "stop", workload, originalReplicas: 3, restored: false }, "scaleBack"],
    ["a stop restored", { kind: "stop", workload, originalReplicas: 3, restored: true }, "none"],
    ["a command-after owed", { kind: "command", namespace: "apps", pod: "db-0", commandAfter: ["x"], afterOwed: true }, "commandAfter"],
    ["a command-after done", { kind: "command", namespace: "apps", pod: "db-0", commandAfter: ["x"], afterOwed: false }, "none"],
  ])("given %s, owes %s", (_what, quiesce, kind) => {
    expect(owedUndo({ phase: "Failed", ...(quiesce ? { quiesce } : {}) }).kind).toBe(kind);
  });
});

describe("janitorAction", () => {
  const ident = { run: "db-1", profile: "db" };
  const pod = (phase: string): BackupPodLike => ({ metadata: { name: "rafdir-db-1", namespace: "backup" }, status: { phase } });
  it.each<[string, RunStatus | undefined, BackupPodLike | undefined, string]>([
    ["a final run", { phase: "Succeeded" }, undefined, "skip"],
    ["a run in time", { ...backingUp, deadline: "2026-11-26T04:00:00Z" }, pod("Running"), "skip"],
    ["a backup past its deadline", backingUp, pod("Running"), "finish aborted timeout"],
    ["a finished pod whose event was lost", { ...backingUp, deadline: "2026-11-26T04:00:00Z" }, pod("Succeeded"), "finish finished"],
    ["an aborted run never torn down", { phase: "Copying", error: { step: "copy", reason: "X", message: "m" } }, undefined, "finish aborted copy"],
    ["a stalled teardown", { phase: "CleaningUp", deadline: "2026-11-26T02:59:00Z" }, undefined, "finish redrive"],
    ["a teardown under way", { phase: "CleaningUp", deadline: "2026-11-26T03:01:00Z" }, undefined, "skip"],
    ["no deadline", { phase: "Pending" }, undefined, "skip"],
    ["a backup whose pod is gone", { ...backingUp, deadline: "2026-11-26T04:00:00Z" }, undefined, "finish aborted backup"],
    ["queued (no deadline), for days", { phase: "Queued", queuedAt: "2026-11-20T00:00:00Z" }, undefined, "skip"],
  ])("given %s, returns %s", (_what, status, p, expected) => {
    const a = janitorAction(status, now, p, ident);
    const text = a.kind === "skip" ? "skip" : `finish ${a.cause.kind}${a.cause.kind === "aborted" ? ` ${a.cause.error.step}` : ""}`;
    expect(text).toBe(expected);
  });
});

it("ends a backup whose pod stayed Pending longer than settings.timeouts.podStart, naming why", () => {
  const pending: BackupPodLike = {
    metadata: { name: "rafdir-db-1", namespace: "backup" },
    status: { phase: "Pending", containerStatuses: [{ name: "runner", state: { waiting: { reason: "ErrImagePull", message: "no such image" } } }] },
  };
  const status = (minutesAgo: number): RunStatus => ({ ...backingUp, deadline: "2026-11-26T06:00:00Z", steps: { podCreated: new Date(now.getTime() - minutesAgo * 60_000).toISOString() } });
  const ident = { run: "db-1", profile: "db", podStartMs: 10 * 60_000 };
  expect(janitorAction(status(9), now, pending, ident).kind).toBe("skip");
  const late = janitorAction(status(11), now, pending, ident);
  expect(late.kind === "finish" && late.cause.kind === "aborted" && late.cause.error).toEqual({
    step: "backup",
    reason: "PodNotStarted",
    message: "backup pod backup/rafdir-db-1 was still Pending (ErrImagePull: no such image) 10m after it was created (settings.timeouts.podStart); the run was stopped and everything it created removed",
  });
});

it("ends a run that never got a deadline an hour after its creation", () => {
  const created = (minutesAgo: number) => ({ run: "db-1", profile: "db", created: new Date(now.getTime() - minutesAgo * 60_000).toISOString() });
  expect(janitorAction({ phase: "Pending" }, now, undefined, created(59)).kind).toBe("skip");
  const late = janitorAction({ phase: "Pending" }, now, undefined, created(61));
  expect(late.kind === "finish" && late.cause.kind === "aborted" && late.cause.error.step).toBe("timeout");
});

describe("deadLetterPlan", () => {
  const error = { step: "delivery", reason: "DeliveryFailed", message: "m" };
  const result = { run: "db-1", profile: "db", ok: true, repositories: [] };
  it.each<[string, string, unknown, RunStatus | undefined, string]>([
    ["a pod.finished (cleanup or restore failed on it)", "io.rafdir.pod.finished", { run: "db-1", pod: "rafdir-db-1", phase: "Succeeded", result }, backingUp, "finish finished"],
    ["a backup.aborted", "io.rafdir.backup.aborted", { run: "db-1", profile: "db", step: "copy", reason: "R", message: "m" }, backingUp, "finish aborted copy"],
    ["a pvc.bound the run is past", "io.rafdir.pvc.bound", { run: "db-1", profile: "db", pvcs: [] }, { ...backingUp, steps: { podCreated: "t" } }, "ignore"],
    ["a pvc.bound that never arrived", "io.rafdir.pvc.bound", { run: "db-1", profile: "db", pvcs: [] }, { phase: "Copying", steps: { pvcsReady: "t" } }, "finish aborted delivery"],
    ["a snapshot.ready the run is past (run-restic's copy of it)", "io.rafdir.snapshot.ready", {}, { phase: "Copying", steps: { copied: "t" } }, "ignore"],
    ["a backup.planned that never arrived", "io.rafdir.backup.planned", {}, { phase: "Pending" }, "finish aborted delivery"],
    ["anything for a final run", "io.rafdir.pvc.bound", {}, { phase: "Failed" }, "ignore"],
  ])("given %s, returns %s", (_what, type, data, status, expected) => {
    const p = deadLetterPlan(type, data, status, error);
    const text = p.kind === "ignore" ? "ignore" : `finish ${p.cause.kind}${p.cause.kind === "aborted" ? ` ${p.cause.error.step}` : ""}`;
    expect(text).toBe(expected);
  });
});
