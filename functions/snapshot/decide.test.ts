import { describe, expect, it } from "vitest";
import type { RunStatus, RunVolume } from "../../shared/runs/run.ts";
import type { PvcLike } from "../../shared/targets/index.ts";
import { plannedStep, pvcReadiness, runVolumes, snapshotProgress, unquiesceAction } from "./decide.ts";
import type { ContentLike, SnapshotLike } from "./objects.ts";

const NOW = new Date("2026-11-26T02:00:00Z");
const LATER = "2026-11-26T02:10:00Z";
const st = (s: Partial<RunStatus>): RunStatus => ({ phase: "Pending", deadline: LATER, ...s });
const stop = { kind: "stop" as const, workload: { kind: "Deployment" as const, namespace: "apps", name: "db" }, originalReplicas: 2, restored: false };

describe("plannedStep", () => {
  it.each([
    ["a fresh run", st({}), true, "resolve"],
    ["a resolved run that needs quiescing", st({ steps: { targetResolved: "t" } }), true, "quiesce"],
    ["a resolved run that needs no quiescing", st({ steps: { targetResolved: "t" } }), false, "snapshot"],
    ["a quiesced run", st({ steps: { targetResolved: "t", quiesced: "t" } }), true, "snapshot"],
    ["a run cut short while creating snapshots", st({ phase: "Snapshotting", steps: { targetResolved: "t" } }), false, "snapshot"],
    ["a run whose snapshots exist", st({ phase: "Snapshotting", steps: { targetResolved: "t", snapshotsRequested: "t" } }), false, "skip"],
    ["a finished run", st({ phase: "Succeeded" }), false, "skip"],
    ["an aborted run", st({ error: { step: "target", reason: "NoPod", message: "m" } }), false, "skip"],
    ["an unreadable status", undefined, false, "skip"],
  ])("given %s, returns %s", (_what, status, quiesce, kind) => {
    expect(plannedStep(status, quiesce, NOW).kind).toBe(kind);
  });

  it.each([
    ["before quiescing", st({ deadline: "2026-11-26T01:00:00Z" }), "timeout"],
    ["while waiting for a stopped app's pods", st({ deadline: "2026-11-26T01:00:00Z", quiesce: stop, steps: { targetResolved: "t" } }), "quiesce"],
  ])("given a deadline passed %s, times out at step %s", (_what, status, step) => {
    expect(plannedStep(status, true, NOW)).toMatchObject({ kind: "timeout", step });
  });
});

describe("runVolumes", () => {
  it("records one volume per PVC (mounts deduped by mountPath) and one direct entry per NFS/hostPath mount", () => {
    const out = runVolumes(
      "db-1",
      {
        volumes: [
          { kind: "pvc", pvc: "data", capacity: "1Gi", mounts: [{ folder: "/a/x", mountPath: "/a", subPath: "s" }, { folder: "/a/y", mountPath: "/a", subPath: "s" }, { folder: "/b", mountPath: "/b" }] },
          { kind: "nfs", nfs: { server: "nas", path: "/export" }, mounts: [{ folder: "/share", mountPath: "/share" }] },
          { kind: "pvc", pvc: "logs", mounts: [{ folder: "/logs", mountPath: "/logs" }] },
          { kind: "hostPath", hostPath: "/var/log", mounts: [{ folder: "/var/log", mountPath: "/var/log" }] },
        ],
      },
      [
        { driver: "d", snapshotClass: "sc", storageClass: "standard" },
        { driver: "d", snapshotClass: "sc", storageClass: "fast" },
      ],
    );
    expect(out.volumes).toEqual([
      { sourcePvc: "data", sourceSnapshot: "rafdir-db-1-0", mounts: [{ mountPath: "/a", subPath: "s" }, { mountPath: "/b" }], driver: "d", snapshotClass: "sc", storageClass: "standard", capacity: "1Gi" },
      { sourcePvc: "logs", sourceSnapshot: "rafdir-db-1-1", mounts: [{ mountPath: "/logs" }], driver: "d", snapshotClass: "sc", storageClass: "fast" },
    ]);
    expect(out.direct).toEqual([
      { kind: "nfs", source: "nas:/export", nfs: { server: "nas", path: "/export" }, mountPath: "/share" },
      { kind: "hostPath", source: "/var/log", hostPath: "/var/log", mountPath: "/var/log" },
    ]);
  });
});

describe("snapshotProgress", () => {
  const vol: RunVolume = { sourcePvc: "data", sourceSnapshot: "s0", mounts: [] };
  const vs = (status: SnapshotLike["status"]): SnapshotLike => ({ metadata: { name: "s0", namespace: "apps", uid: "u0" }, status });
  const content = (status: ContentLike["status"], ref = { name: "s0", namespace: "apps", uid: "u0" }): ContentLike => ({ metadata: { name: "c0" }, spec: { driver: "d", volumeSnapshotRef: ref }, status });
  const run = (s?: SnapshotLike, c?: ContentLike) => snapshotProgress([vol], new Map(s ? [["s0", s]] : []), new Map(c ? [["c0", c]] : []));

  it.each([
    ["no snapshot yet", undefined, undefined, false, false, "s0: missing"],
    ["a snapshot not bound yet", vs({}), undefined, false, false, "s0: not bound to a content yet"],
    ["a bound content without a handle", vs({ boundVolumeSnapshotContentName: "c0" }), content({}), false, false, "s0: no snapshot handle yet"],
    ["a content bound to another snapshot", vs({ boundVolumeSnapshotContentName: "c0" }), content({ snapshotHandle: "h" }, { name: "s0", namespace: "apps", uid: "other" }), false, false, "s0: no snapshot handle yet"],
    ["a handle, not ready", vs({ boundVolumeSnapshotContentName: "c0" }), content({ snapshotHandle: "h" }), true, false, "s0: not ready to use yet"],
    ["a ready snapshot", vs({ boundVolumeSnapshotContentName: "c0", readyToUse: true }), content({ snapshotHandle: "h" }), true, true, undefined],
  ])("given %s, returns handles=%s ready=%s", (_what, s, c, handles, ready, waiting) => {
    const p = run(s, c);
    expect([p.handles, p.ready, p.waiting[0]]).toEqual([handles, ready, waiting]);
  });

  it("collects snapshot errors without treating them as final", () => {
    const p = run(vs({ error: { message: "driver busy" } }));
    expect(p).toMatchObject({ ready: false, errors: ["s0: driver busy"] });
  });
});

describe("unquiesceAction", () => {
  it.each([
    ["no quiesce record", st({}), "none"],
    ["a stopped app", st({ quiesce: stop }), "scaleBack"],
    ["a restored app", st({ quiesce: { ...stop, restored: true } }), "none"],
    ["an owed command-after", st({ quiesce: { kind: "command", namespace: "a", pod: "p", commandAfter: ["x"], afterOwed: true } }), "commandAfter"],
    ["command-after done", st({ quiesce: { kind: "command", namespace: "a", pod: "p", commandAfter: ["x"], afterOwed: false } }), "none"],
  ])("given %s, returns %s", (_what, status, kind) => {
    expect(unquiesceAction(status).kind).toBe(kind);
  });

  it("scales back to the recorded replicas", () => {
    expect(unquiesceAction(st({ quiesce: stop }))).toEqual({ kind: "scaleBack", workload: stop.workload, replicas: 2 });
  });
});

describe("pvcReadiness", () => {
  const vol = (backupPvc: string | undefined, storageClass: string): RunVolume => ({ sourcePvc: "data", sourceSnapshot: "s", mounts: [], storageClass, ...(backupPvc ? { backupPvc } : {}) });
  const pvc = (phase: string): PvcLike => ({ status: { phase } });
  const modes = new Map([["standard", "Immediate"], ["standard-wffc", "WaitForFirstConsumer"]]);

  it.each([
    ["a Bound PVC", [vol("p0", "standard")], { p0: pvc("Bound") }, true, [{ name: "p0", phase: "Bound" }]],
    ["a Pending PVC of a WaitForFirstConsumer class", [vol("p0", "standard-wffc")], { p0: pvc("Pending") }, true, [{ name: "p0", phase: "WaitingForFirstConsumer" }]],
    ["a Pending PVC of an Immediate class", [vol("p0", "standard")], { p0: pvc("Pending") }, false, []],
    ["a PVC not created yet", [vol("p0", "standard")], {}, false, []],
    ["no volumes", [], {}, true, []],
  ])("given %s, returns ready=%s", (_what, volumes, pvcs, ready, listed) => {
    const r = pvcReadiness(volumes, new Map(Object.entries(pvcs)), modes);
    expect([r.ready, r.pvcs]).toEqual([ready, listed]);
  });
});
