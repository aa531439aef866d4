import { describe, expect, it } from "vitest";
import { objectName, runLabels, runName, statusOf } from "./run.ts";

describe("run identity", () => {
  it.each([
    ["db", "2026-11-26T02:00:07.123Z", "db-20261126020007"],
    ["web-shop", "2027-01-01T00:00:00Z", "web-shop-20270101000000"],
  ])("given profile %s at %s, names the run %s", (profile, at, expected) => {
    expect(runName(profile, new Date(at))).toBe(expected);
  });

  it("labels what a run creates with the manager, the run and the profile", () => {
    expect(runLabels("db-20261126020007", "db")).toEqual({
      "app.kubernetes.io/managed-by": "rafdir",
      "rafdir.io/run": "db-20261126020007",
      "rafdir.io/profile": "db",
    });
  });

  it.each([
    [undefined, "rafdir-db-20261126020007"],
    [0, "rafdir-db-20261126020007-0"],
  ])("given index %s, names the object %s", (n, expected) => {
    expect(objectName("db-20261126020007", n)).toBe(expected);
  });

  it.each([
    ["no status", {}, "Pending"],
    ["garbage", { status: { phase: "Exploded" } }, "Pending"],
    ["a real status", { status: { phase: "BackingUp", pod: "rafdir-x" } }, "BackingUp"],
  ])("given %s, reads phase %s", (_what, run, phase) => {
    expect(statusOf(run).phase).toBe(phase);
  });
});
