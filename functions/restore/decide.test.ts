import { describe, expect, it } from "vitest";
import type { RestoreSpec, RestoreStatus } from "../../shared/runs/restore-run.ts";
import type { InspectResult } from "../../runner/restore-job.ts";
import { nextAction, phaseAfter, resolveSnapshot, stagingSize, type Observed, type PvcLike } from "./decide.ts";

const ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const spec = (extra: Partial<RestoreSpec> = {}, target: Partial<RestoreSpec["target"]> = {}): RestoreSpec => ({
  profile: "shop",
  trigger: "manual",
  ...extra,
  target: { namespace: "shop", pvc: "restored", ...target },
});
const found = (paths: string[], extra: Partial<NonNullable<InspectResult["snapshot"]>> = {}): InspectResult => ({
  action: "inspect",
  run: "shop-r1",
  profile: "shop",
  ok: true,
  snapshot: { id: ID, time: "2026-11-26T10:00:00Z", host: "shop.example", tags: ["shop"], paths, ...extra },
  restoreSize: 5 * 2 ** 20,
  files: 3,
});
const snapshot = { id: ID, time: "t", host: "shop.example", tags: ["shop"], paths: ["/srv"], path: "/srv", restoreSize: 10 };
const pod = (phase: string) => ({ metadata: { name: "p", namespace: "backup" }, status: { phase } });
const pvc = (phase: string, extra: Partial<PvcLike> = {}): PvcLike => ({
  metadata: { name: "restored", labels: { "rafdir.io/run": "shop-r1" } },
  spec: { volumeName: "pv-1" },
  status: { phase },
  ...extra,
});
const observed = (status: RestoreStatus, rest: Partial<Observed> = {}): Observed => ({ run: "shop-r1", spec: spec(), status, host: "shop.example", ...rest });

describe("nextAction", () => {
  const restoring: RestoreStatus = { phase: "Restoring", snapshot, size: "1Gi" };
  const binding: RestoreStatus = { phase: "Binding", snapshot, size: "1Gi", volume: { name: "pv-1", reclaimPolicy: "Delete" } };
  it.each<[string, Observed, string]>([
    ["pending: inspect", observed({ phase: "Pending" }), "inspect"],
    ["inspecting without a pod: inspect again", observed({ phase: "Inspecting" }), "inspect"],
    ["inspect pod running: wait", observed({ phase: "Inspecting" }, { inspect: { pod: pod("Running") } }), "wait"],
    ["inspect pod failed: fail", observed({ phase: "Inspecting" }, { inspect: { pod: pod("Failed"), done: { ok: false, error: "boom" } } }), "fail"],
    ["inspect found nothing: fail", observed({ phase: "Inspecting" }, { inspect: { pod: pod("Failed"), done: { ok: true, value: { action: "inspect", run: "r", profile: "shop", ok: false, error: "none" } } } }), "fail"],
    ["inspect found one: restore", observed({ phase: "Inspecting" }, { inspect: { pod: pod("Succeeded"), done: { ok: true, value: found(["/srv"]) } } }), "restore"],
    ["restoring without a pod: restore again", observed(restoring), "restore"],
    ["restore pod running: wait", observed(restoring, { restore: { pod: pod("Running") } }), "wait"],
    ["restore pod ok: release", observed(restoring, { restore: { pod: pod("Succeeded"), done: { ok: true, value: { action: "restore", run: "r", profile: "shop", ok: true, files: 2 } } } }), "release"],
    ["restore failed: fail", observed(restoring, { restore: { pod: pod("Failed"), done: { ok: true, value: { action: "restore", run: "r", profile: "shop", ok: false, error: "x" } } } }), "fail"],
    ["restoring without a snapshot on record: fail", observed({ phase: "Restoring" }), "fail"],
    ["releasing, staging PVC still there: release again", observed({ phase: "Releasing" }, { stagingPvc: pvc("Bound") }), "release"],
    ["releasing, staging PVC terminating: wait", observed({ phase: "Releasing" }, { stagingPvc: pvc("Bound", { metadata: { name: "s", deletionTimestamp: "t" } }) }), "wait"],
    ["releasing, staging PVC gone: bind", observed({ phase: "Releasing" }), "bind"],
    ["binding, no target PVC yet: bind", observed(binding), "bind"],
    ["binding, target pending: wait", observed(binding, { movedPvc: pvc("Pending") }), "wait"],
    ["binding, target bound: succeed", observed(binding, { movedPvc: pvc("Bound") }), "succeed"],
    ["binding, existing target: copy", observed(binding, { spec: spec({}, { existing: true }), movedPvc: pvc("Bound") }), "copy"],
    ["binding, a PVC someone else made: fail", observed(binding, { movedPvc: pvc("Bound", { metadata: { name: "restored", labels: {} } }) }), "fail"],
    ["binding, bound to another volume: fail", observed(binding, { movedPvc: pvc("Bound", { spec: { volumeName: "pv-9" } }) }), "fail"],
    ["copying without a pod: copy", observed({ phase: "Copying" }), "copy"],
    ["copy done: succeed", observed({ phase: "Copying" }, { copy: { pod: pod("Succeeded"), done: { ok: true, value: { action: "copy", ok: true, files: 1 } } } }), "succeed"],
    ["copy failed: fail", observed({ phase: "Copying" }, { copy: { pod: pod("Failed"), done: { ok: false, error: "exit 1" } } }), "fail"],
    ["final: nothing", observed({ phase: "Succeeded" }), "wait"],
  ])("%s", (_name, o, kind) => {
    expect(nextAction(o).kind).toBe(kind);
  });

  it("names the staging size from the snapshot's restore size", () => {
    const action = nextAction(observed({ phase: "Inspecting" }, { inspect: { pod: pod("Succeeded"), done: { ok: true, value: found(["/srv"]) } } }));
    expect(action).toMatchObject({ kind: "restore", size: "1Gi", snapshot: { id: ID, path: "/srv", restoreSize: 5 * 2 ** 20 } });
  });
});

describe("resolveSnapshot", () => {
  it.each<[string, InspectResult, Partial<RestoreSpec>, RegExp | string]>([
    ["the only path", found(["/srv"]), {}, "/srv"],
    ["a requested path", found(["/a", "/b"]), { path: "/b" }, "/b"],
    ["a folder inside a path", found(["/a"]), { path: "/a/sub" }, "/a/sub"],
    ["several paths, none asked", found(["/a", "/b"]), {}, /PathRequired: .*2 paths \(\/a, \/b\)/],
    ["a path not in the snapshot", found(["/a"]), { path: "/ab" }, /PathNotInSnapshot: path \/ab is not in snapshot 01234567/],
    ["another profile's snapshot", found(["/a"], { tags: ["other"] }), {}, /SnapshotNotOfProfile: .*tags other/],
    ["another host's snapshot", found(["/a"], { host: "evil" }), {}, /SnapshotNotOfProfile: .*host evil/],
  ])("%s", (_name, result, extra, want) => {
    const r = resolveSnapshot(result, spec(extra), "shop.example");
    const got = "reason" in r ? `${r.reason}: ${r.message}` : r.path;
    if (typeof want === "string") expect(got).toBe(want);
    else expect(got).toMatch(want);
  });
  it("trusts only an explicit path when the inspect pod had to drop paths", () => {
    const cut = { ...found(["/a"]), truncated: true };
    expect(resolveSnapshot(cut, spec(), "shop.example")).toMatchObject({ reason: "PathRequired" });
    expect(resolveSnapshot(cut, spec({ path: "/z" }), "shop.example")).toMatchObject({ path: "/z" });
  });
  it("restores a dump-only snapshot from its root, and a requested \"/\" too", () => {
    expect(resolveSnapshot(found(["/db.sql"]), spec(), "shop.example", true)).toMatchObject({ path: "/" });
    expect(resolveSnapshot(found(["/a", "/b"]), spec({ path: "/" }), "shop.example")).toMatchObject({ path: "/" });
  });
});

describe("stagingSize", () => {
  it.each<[number, string | undefined, string]>([
    [0, undefined, "1Gi"],
    [5 * 2 ** 20, undefined, "1Gi"],
    [10 * 2 ** 30, undefined, "13Gi"],
    [5 * 2 ** 20, "2Gi", "2Gi"],
    [5 * 2 ** 20, "1Mi", "SizeTooSmall"],
    [5 * 2 ** 20, "lots", "SizeInvalid"],
  ])("%d bytes, asked %s → %s", (bytes, asked, want) => {
    const r = stagingSize(bytes, asked);
    expect(typeof r === "string" ? r : r.reason).toBe(want);
  });
});

describe("phaseAfter", () => {
  it("moves to Copying only for an existing target", () => {
    expect(phaseAfter({ kind: "copy" }, spec({}, { existing: true }))).toBe("Copying");
    expect(phaseAfter({ kind: "bind" }, spec())).toBe("Binding");
    expect(phaseAfter({ kind: "wait", why: "" }, spec())).toBeUndefined();
  });
});
