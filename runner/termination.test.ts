import { describe, expect, it } from "vitest";
import { RestorePodResult, type InspectResult } from "./restore-job.ts";
import { isoSeconds } from "./restore.ts";
import { encodeRestorePodResult } from "./termination.ts";

const ID = "b1c98192047122e85743c1953517f00b6b2035cb078ab65e9e2386fefdb955f9";
const inspect = (paths: number, error?: string): InspectResult => ({
  action: "inspect",
  run: "app-r20261126120000",
  profile: "app",
  ok: error === undefined,
  snapshot: { id: ID, time: "2026-11-26T12:00:00Z", host: "h", tags: ["app"], paths: Array.from({ length: paths }, (_, i) => `/data/volume-${i}/${"x".repeat(60)}`) },
  restoreSize: 123,
  files: 4,
  ...(error !== undefined ? { error } : {}),
});

/** How many of the original's paths were kept: a prefix, and the most that fit (one more would not). */
function keptPaths(r: RestorePodResult, original: InspectResult): number {
  const kept = r.action === "inspect" ? (r.snapshot?.paths ?? []) : [];
  const all = original.snapshot?.paths ?? [];
  expect(kept).toEqual(all.slice(0, kept.length));
  const more = r.action === "inspect" && r.snapshot ? { ...r, snapshot: { ...r.snapshot, paths: all.slice(0, kept.length + 1) } } : r;
  expect(Buffer.byteLength(JSON.stringify(more))).toBeGreaterThan(4096);
  return kept.length;
}

describe("encodeRestorePodResult", () => {
  it("given a small result, returns it whole", () => {
    expect(JSON.parse(encodeRestorePodResult(inspect(2)))).toEqual(inspect(2));
  });

  it.each<[string, InspectResult, (r: RestorePodResult) => void]>([
    ["a long error", inspect(1, "e".repeat(10_000)), (r) => expect(r.error).toHaveLength(300)],
    ["many paths", inspect(200), (r) => expect(keptPaths(r, inspect(200))).toBe(48)],
    ["a long error and many paths", inspect(2_000, "e".repeat(10_000)), (r) => expect([r.error?.length, keptPaths(r, inspect(2_000))]).toEqual([300, 44])],
  ])("given %s, shortens it below 4096 bytes and keeps the snapshot id", (_name, result, check) => {
    const text = encodeRestorePodResult(result);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    const parsed = RestorePodResult.parse(JSON.parse(text));
    expect(parsed).toMatchObject({ action: "inspect", truncated: true, snapshot: { id: ID } });
    check(parsed);
  });

  it("given a copy failure with a long error, shortens the error", () => {
    const text = encodeRestorePodResult({ action: "copy", ok: false, error: "x".repeat(5_000) });
    expect(JSON.parse(text)).toMatchObject({ action: "copy", ok: false, truncated: true, error: expect.stringMatching(/^x{299}…$/) });
  });
});

describe("isoSeconds", () => {
  it.each([
    ["2026-11-26T13:29:18.673107422Z", 1795699758.673107422],
    ["2026-11-26T14:29:18.673107422+01:00", 1795699758.673107422],
    ["2026-11-26T13:29:18Z", 1795699758],
  ])("given %s, returns %d", (iso, seconds) => {
    expect(isoSeconds(iso)).toBeCloseTo(seconds, 6);
  });
});
