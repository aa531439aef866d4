import { describe, expect, it } from "vitest";
import { runName } from "./run.ts";
import { parseRestoreStatus, requestHash, restoreObjects, restoreRunName } from "./restore-run.ts";

describe("RestoreRun names", () => {
  const at = new Date("2026-11-26T13:05:09Z");
  it("never collides with a BackupRun of any profile", () => {
    expect(restoreRunName("db", at)).toBe("db-r20261126130509");
    expect(runName("db", at)).toBe("db-20261126130509");
    // A profile literally named "db-r..." still yields a BackupRun ending in -<14 digits>.
    expect(runName("db-r20261126130509", at)).not.toBe(restoreRunName("db", at));
  });
  it("derives every object's name from the run", () => {
    expect(restoreObjects("db-r1")).toMatchObject({ stagingPvc: "rafdir-db-r1", inspectPod: "rafdir-db-r1-inspect", restorePod: "rafdir-db-r1-restore", copyPod: "rafdir-db-r1-copy" });
  });
  it("hashes a request to a label value", () => {
    const h = requestHash("/rafdir/cli", "abc");
    expect(h).toMatch(/^[0-9a-f]{20}$/);
    expect(requestHash("/rafdir/cli", "abc")).toBe(h);
    expect(requestHash("/rafdir/cli", "abd")).not.toBe(h);
  });
});

describe("parseRestoreStatus", () => {
  it.each<[unknown, string | undefined]>([
    [undefined, "Pending"],
    [{}, "Pending"],
    [{ phase: "Restoring" }, "Restoring"],
    [{ phase: "Exploding" }, undefined],
  ])("%j → %s", (status, phase) => {
    expect(parseRestoreStatus({ status })?.phase).toBe(phase);
  });
});
