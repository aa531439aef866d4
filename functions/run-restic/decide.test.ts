import { describe, expect, it } from "vitest";
import type { RunStatus } from "../../shared/runs/run.ts";
import { backupDeadline, boundStep, finishedStep, runnerJob, runRepositories, runSpec } from "./decide.ts";

const ready: RunStatus = { phase: "Copying", steps: { pvcsReady: "t" } };

describe("boundStep", () => {
  it.each<[string, RunStatus | undefined, string]>([
    ["copies ready", ready, "go"],
    ["a creation cut short (BackingUp, no podCreated)", { phase: "BackingUp" }, "go"],
    ["the pod created already", { phase: "BackingUp", steps: { podCreated: "t" } }, "skip: the backup pod was created already"],
    ["an aborted run", { ...ready, error: { step: "copy", reason: "X", message: "m" } }, "skip: the run was aborted (X); cleanup tears it down"],
    ["a final run", { phase: "Succeeded" }, "skip: the run is Succeeded"],
    ["copies not ready", { phase: "Copying" }, "skip: the backup PVCs are not ready (phase Copying)"],
    ["an earlier phase", { phase: "Snapshotting" }, "skip: the backup PVCs are not ready (phase Snapshotting)"],
    ["a broken status", undefined, "skip: the run's status breaks the contract; not touching it"],
  ])("given %s, returns %s", (_what, status, expected) => {
    const step = boundStep(status);
    expect(step.kind === "go" ? "go" : `skip: ${step.reason}`).toBe(expected);
  });
});

describe("finishedStep", () => {
  const backingUp: RunStatus = { phase: "BackingUp", pod: "rafdir-db-1", steps: { podCreated: "t" } };
  it.each<[string, RunStatus | undefined, string, string]>([
    ["the run's pod", backingUp, "rafdir-db-1", "go"],
    ["announced already", { ...backingUp, steps: { podFinished: "t" } }, "rafdir-db-1", "skip: the end of the backup pod was announced already"],
    ["another pod", backingUp, "rafdir-other", "skip: not the run's backup pod (rafdir-db-1)"],
    ["cleanup under way", { ...backingUp, phase: "CleaningUp" }, "rafdir-db-1", "skip: the run is not backing up (phase CleaningUp)"],
    ["a final run", { ...backingUp, phase: "Failed" }, "rafdir-db-1", "skip: the run is Failed"],
  ])("given %s, returns %s", (_what, status, pod, expected) => {
    const step = finishedStep(status, pod);
    expect(step.kind === "go" ? "go" : `skip: ${step.reason}`).toBe(expected);
  });
});

describe("runRepositories", () => {
  const config = { repositories: { local: { repository: "/a" }, s3: { repository: "s3:x" }, nas: { repository: "/n" } } };
  it.each<[string, string[] | undefined, string[], string[] | string]>([
    ["the profile's list, in configuration order", undefined, ["nas", "local"], ["local", "nas"]],
    ["a manual request's list", ["s3"], ["local"], ["s3"]],
    ["an unknown repository", ["gone"], ["local"], 'profile "db": repository "gone" is not configured (repositories: local, s3, nas)'],
  ])("given %s, returns %j", (_what, requested, profileRepos, expected) => {
    const r = runRepositories(config, requested, { name: "db", repositories: profileRepos });
    expect(r.ok ? Object.keys(r.repositories) : r.message).toEqual(expected);
  });
});

describe("runSpec and runnerJob", () => {
  it.each([
    ["folders", { name: "db", host: "h", folders: ["/data"] }, { profile: "db", host: "h", folders: ["/data"] }],
    ["a dump without a filename", { name: "db", host: "h", folders: [], stdin: { command: ["x"], namespace: "a" } }, { profile: "db", host: "h", stdin: { filename: "stdin" } }],
    [
      "folders and a dump",
      { name: "db", host: "h", folders: ["/data"], stdin: { command: ["x"], namespace: "a", filename: "db.sql" } },
      { profile: "db", host: "h", folders: ["/data"], stdin: { filename: "db.sql" } },
    ],
  ])("given %s, backs up %j", (_what, profile, expected) => {
    expect(runSpec(profile)).toEqual(expected);
  });

  it("a job with folders and a dump writes the dump to its path; alone, it streams it under its filename", () => {
    const profiles = [{ name: "db-local", repository: "local", kind: "folders" as const }];
    const stdin = { namespace: "app", pod: "db-0", container: "pg", command: ["pg_dump"], filename: "db.sql" };
    expect(runnerJob({ run: "r", profile: { name: "db", host: "h" }, profiles, stdin, stdinPath: "/data/db.sql" }).stdin).toEqual({ namespace: "app", pod: "db-0", container: "pg", command: ["pg_dump"], path: "/data/db.sql" });
    expect(runnerJob({ run: "r", profile: { name: "db", host: "h" }, profiles, stdin }).stdin).toMatchObject({ filename: "db.sql" });
    expect(runnerJob({ run: "r", profile: { name: "db", host: "h" }, profiles })).toEqual({ run: "r", profile: "db", host: "h", resticprofileConfigPath: "/etc/rafdir/resticprofile.yaml", profiles });
  });

  it("the deadline is the pod's timeout plus a minute of grace", () => {
    expect(backupDeadline(new Date("2026-11-26T02:00:00Z"), 30 * 60_000)).toBe("2026-11-26T02:31:00.000Z");
  });
});
