import { describe, expect, it } from "vitest";
import { runHistory } from "./history.ts";
import type { BackupRun, RunStatus } from "./run.ts";

const run = (name: string, profile: string, status?: Partial<RunStatus> | Record<string, unknown>): BackupRun => ({
  apiVersion: "rafdir.io/v1alpha1",
  kind: "BackupRun",
  metadata: { name, namespace: "backup", labels: { "rafdir.io/profile": profile } },
  spec: { profile, trigger: "manual" },
  ...(status ? { status: status as RunStatus } : {}),
});

describe("runHistory", () => {
  it("given succeeded runs, returns the newest finishedAt per profile", () => {
    const h = runHistory([
      run("db-1", "db", { phase: "Succeeded", finishedAt: "2026-11-20T02:10:00Z" }),
      run("db-2", "db", { phase: "Succeeded", finishedAt: "2026-11-21T02:10:00Z" }),
      run("db-3", "db", { phase: "Failed", finishedAt: "2026-11-22T02:10:00Z" }),
    ]);
    expect(h.lastSuccess.get("db")?.toISOString()).toBe("2026-11-21T02:10:00.000Z");
    expect(h.active.size).toBe(0);
  });

  it.each([
    ["no status yet", undefined],
    ["a running phase", { phase: "BackingUp" }],
    ["a status that breaks the contract", { phase: "Exploded" }],
  ])("given a run with %s, counts it as active", (_what, status) => {
    const h = runHistory([run("web-1", "web", status)]);
    expect(h.active.get("web")).toEqual(["web-1"]);
  });
});
