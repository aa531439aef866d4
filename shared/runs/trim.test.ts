import { describe, expect, it } from "vitest";
import type { BackupRun, Phase } from "./run.ts";
import { runsToTrim } from "./trim.ts";

const run = (name: string, profile: string, phase: Phase | undefined, finishedAt?: string): BackupRun => ({
  apiVersion: "rafdir.io/v1alpha1",
  kind: "BackupRun",
  metadata: { name, namespace: "backup", labels: { "rafdir.io/profile": profile } },
  spec: { profile, trigger: "manual" },
  ...(phase ? { status: { phase, ...(finishedAt ? { finishedAt } : {}) } } : {}),
});

const at = (day: number): string => `2026-11-${String(day).padStart(2, "0")}T02:00:00Z`;

describe("runsToTrim", () => {
  it.each([
    ["nothing over the limits", { succeeded: 2, failed: 2 }, [run("a", "db", "Succeeded", at(1)), run("b", "db", "Failed", at(2))], []],
    [
      "too many successes: the oldest go",
      { succeeded: 1, failed: 5 },
      [run("s1", "db", "Succeeded", at(1)), run("s2", "db", "Succeeded", at(3)), run("s3", "db", "Succeeded", at(2))],
      ["s1", "s3"],
    ],
    [
      "limits of 0 still keep the newest success, never a failure",
      { succeeded: 0, failed: 0 },
      [run("s1", "db", "Succeeded", at(1)), run("s2", "db", "Succeeded", at(2)), run("f1", "db", "Failed", at(3)), run("f2", "db", "Failed", at(4))],
      ["f1", "f2", "s1"],
    ],
    [
      "the newest success survives ten newer failures",
      { succeeded: 1, failed: 1 },
      [run("s1", "db", "Succeeded", at(1)), ...[2, 3, 4].map((d) => run(`f${d}`, "db", "Failed", at(d)))],
      ["f2", "f3"],
    ],
    [
      "runs still going and unreadable ones are never trimmed",
      { succeeded: 0, failed: 0 },
      [run("p1", "db", "BackingUp"), run("p2", "db", undefined), run("f1", "db", "Failed", at(1))],
      ["f1"],
    ],
    [
      "each profile has its own limits",
      { succeeded: 1, failed: 1 },
      [run("db1", "db", "Failed", at(1)), run("db2", "db", "Failed", at(2)), run("web1", "web", "Failed", at(1))],
      ["db1"],
    ],
  ])("given %s, returns the runs to delete", (_what, limits, runs, expected) => {
    expect(runsToTrim(runs, limits)).toEqual(expected);
  });
});
