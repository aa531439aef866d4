import { describe, expect, it } from "vitest";
import { parseRafdirConfig } from "../../shared/profiles/index.ts";
import type { BackupRun, RunStatus } from "../../shared/runs/run.ts";
import { notices, planRuns, promotions, redrives, runTime, scheduleTrigger, type PlanInput, type Trigger } from "./decide.ts";

const NOW = new Date("2026-11-26T02:00:00Z");

const config = parseRafdirConfig({
  "profiles.yaml": "version: '1'\n",
  repositories: "local: {repository: /srv/restic}\nremote: {repository: s3:x}\n",
  profiles: [
    "db: {namespace: apps, deployment: db, folders: [/data]}",
    "web: {namespace: apps, deployment: web, folders: [/srv], repositories: [local]}",
    "broken: {namespace: apps, deployment: x, folders: [relative]}",
    "off: {namespace: apps, deployment: off, folders: [/data], disabled: true}",
  ].join("\n"),
  schedules: "daily: {cron: '0 2 * * *', profiles: all}\nnightly: {cron: '0 3 * * *', profiles: [web]}\n",
  settings: "concurrency: 5\nminInterval: 12h\n",
});

const run = (name: string, profile: string, status: Partial<RunStatus>): BackupRun => ({
  apiVersion: "rafdir.io/v1alpha1",
  kind: "BackupRun",
  metadata: { name, namespace: "backup", labels: { "rafdir.io/profile": profile } },
  spec: { profile, trigger: "schedule:daily" },
  status: { phase: "Pending", ...status },
});

const daily: Trigger = { kind: "schedule", schedule: "daily" };
const manual = (request: Extract<Trigger, { kind: "manual" }>["request"]): Trigger => ({ kind: "manual", request, requestedBy: "/rafdir/cli" });

describe("scheduleTrigger", () => {
  it.each([
    ["data names the schedule", { schedule: "daily" }, "/apis/v1/namespaces/backup/pingsources/whatever", "daily"],
    ["only the source names it", {}, "/apis/v1/namespaces/backup/pingsources/rafdir-schedule-nightly", "nightly"],
  ])("given %s, returns that schedule", (_what, data, source, schedule) => {
    expect(scheduleTrigger(data, source)).toEqual({ ok: true, trigger: { kind: "schedule", schedule } });
  });

  it.each([
    ["no schedule anywhere", {}, "/apis/v1/namespaces/backup/pingsources/other", "names no schedule"],
  ])("given %s, refuses it", (_what, data, source, reason) => {
    const r = scheduleTrigger(data, source);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });
});

describe("runTime", () => {
  it.each([
    ["a recent event time", "2026-11-26T01:59:30Z", "2026-11-26T01:59:30.000Z"],
    ["no event time", undefined, NOW.toISOString()],
    ["an event time two hours old", "2026-11-26T00:00:00Z", NOW.toISOString()],
    ["an event time in the future", "2026-11-26T02:05:00Z", NOW.toISOString()],
    ["garbage", "yesterday", NOW.toISOString()],
  ])("given %s, names runs after %s", (_what, time, expected) => {
    expect(runTime(time, NOW).toISOString()).toBe(expected);
  });
});

describe("planRuns", () => {
  const plan = (over: Partial<PlanInput>) => planRuns(config, { trigger: daily, runs: [], now: NOW, ...over });

  it("given a daily tick and no history, plans every enabled valid profile and reports the invalid one", () => {
    const d = plan({});
    expect(d.runs.map((r) => r.name)).toEqual(["db-20261126020000", "web-20261126020000"]);
    expect(d.runs[0]).toMatchObject({
      profile: "db",
      labels: { "rafdir.io/profile": "db", "rafdir.io/run": "db-20261126020000", "app.kubernetes.io/managed-by": "rafdir" },
      spec: { profile: "db", trigger: "schedule:daily", repositories: ["local", "remote"] },
      status: { phase: "Pending", startedAt: NOW.toISOString(), deadline: "2026-11-26T02:10:00.000Z" },
    });
    expect(d.invalid.map((i) => [i.profile, i.field])).toEqual([["broken", "folders[0]"]]);
    expect(d.skipped.map((s) => s.profile).sort()).toEqual(["broken", "off"]);
  });

  it.each([
    ["another run of the profile is active", [run("db-20261125020000", "db", { phase: "BackingUp" })], "still active"],
    ["it succeeded an hour ago", [run("db-20261126010000", "db", { phase: "Succeeded", finishedAt: "2026-11-26T01:00:00Z" })], "recent success"],
  ])("given %s, skips the profile with that reason", (_what, runs, reason) => {
    const d = plan({ runs, trigger: manual({ profiles: ["db"] }) });
    expect(d.runs).toEqual([]);
    expect(d.skipped).toEqual([{ profile: "db", reason: expect.stringContaining(reason) as string }]);
  });

  it("given a forced request, runs despite a recent success but never beside an active run", () => {
    const recent = [run("db-20261126010000", "db", { phase: "Succeeded", finishedAt: "2026-11-26T01:00:00Z" })];
    expect(plan({ runs: recent, trigger: manual({ profiles: ["db"], force: true }) }).runs.map((r) => r.spec)).toEqual([
      { profile: "db", trigger: "manual", requestedBy: "/rafdir/cli", force: true, repositories: ["local", "remote"] },
    ]);
    const busy = [run("db-20261126010000", "db", { phase: "Snapshotting" })];
    expect(plan({ runs: busy, trigger: manual({ profiles: ["db"], force: true }) }).runs).toEqual([]);
  });

  it("given the redelivery of an event whose run exists, plans the same run again (ensure finds it)", () => {
    const mine = [run("db-20261126015930", "db", { phase: "Pending" })];
    const d = plan({ runs: mine, trigger: manual({ profiles: ["db"] }), eventTime: "2026-11-26T01:59:30Z" });
    expect(d.runs.map((r) => r.name)).toEqual(["db-20261126015930"]);
  });

  it.each([
    ["a repository filter", manual({ profiles: ["db"], repositories: ["remote"] }), ["db"], [["remote"]], []],
    ["a disabled profile named explicitly", manual({ profiles: ["off"] }), ["off"], [["local", "remote"]], []],
    ["an unknown profile", manual({ profiles: ["nope", "web"] }), ["web"], [["local"]], ["nope"]],
    ["a schedule for one profile", { kind: "schedule", schedule: "nightly" } as Trigger, ["web"], [["local"]], []],
  ])("given %s, plans %j", (_what, trigger, profiles, repositories, unknown) => {
    const d = plan({ trigger });
    expect(d.runs.map((r) => r.profile)).toEqual(profiles);
    expect(d.runs.map((r) => r.spec.repositories)).toEqual(repositories);
    expect(d.skipped.filter((s) => s.reason === "unknown profile").map((s) => s.profile)).toEqual(unknown);
  });

  it("given an unknown schedule, plans nothing and says why", () => {
    const d = plan({ trigger: { kind: "schedule", schedule: "weekly" } });
    expect(d.runs).toEqual([]);
    expect(d.errors).toEqual(['unknown schedule "weekly"']);
  });
});

it("given queued runs and a free slot, queues a newly due profile behind them", () => {
  const limited = { ...config, settings: { ...config.settings, concurrency: 2 } };
  const runs = [run("db-20261126010000", "db", { phase: "BackingUp" }), run("web-20261126010000", "web", { phase: "Queued", queuedAt: "2026-11-26T01:00:00Z" })];
  const d = planRuns(limited, { trigger: manual({ profiles: ["off"], force: true }), runs, now: NOW });
  expect(d.runs).toEqual([]);
  expect(d.queued.map((r) => r.profile)).toEqual(["off"]);
  expect(promotions([...runs], 2).map((r) => r.metadata.name)).toEqual(["web-20261126010000"]); // the older one first
});

describe("promotions", () => {
  const queued = (name: string, profile: string, at: string) => run(name, profile, { phase: "Queued", queuedAt: at });
  it.each<[string, BackupRun[], number, string[]]>([
    ["a free slot: the oldest queued run", [queued("b-2", "b", "2026-11-26T02:00:02Z"), queued("a-1", "a", "2026-11-26T02:00:01Z")], 1, ["a-1"]],
    ["no free slot", [run("c-1", "c", { phase: "BackingUp" }), queued("a-1", "a", "2026-11-26T02:00:01Z")], 1, []],
    ["two free slots", [queued("a-1", "a", "t1"), queued("b-1", "b", "t2"), queued("c-1", "c", "t3")], 2, ["a-1", "b-1"]],
    ["a final run holds no slot", [run("c-1", "c", { phase: "Failed" }), queued("a-1", "a", "t1")], 1, ["a-1"]],
    ["an unreadable status holds a slot", [{ ...run("c-1", "c", {}), status: { phase: "Nonsense" } as unknown as RunStatus }, queued("a-1", "a", "t1")], 1, []],
    ["never beside a run of the same profile", [run("a-0", "a", { phase: "Copying" }), queued("a-1", "a", "t1"), queued("b-1", "b", "t2")], 2, ["b-1"]],
  ])("given %s, starts %j", (_what, runs, limit, want) => {
    expect(promotions(runs, limit).map((r) => r.metadata.name)).toEqual(want);
  });
});

describe("redrives", () => {
  const at = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
  it.each<[string, Partial<RunStatus>, boolean]>([
    ["a Pending run with no progress for 40 s", { phase: "Pending", startedAt: at(40), steps: { planned: at(40) } }, true],
    ["a Pending run that moved 10 s ago", { phase: "Pending", startedAt: at(40), steps: { planned: at(40), targetResolved: at(10) } }, false],
    ["a run re-driven 10 s ago", { phase: "Snapshotting", startedAt: at(90), redrivenAt: at(10) }, false],
    ["a Copying run stalled", { phase: "Copying", startedAt: at(300), steps: { pvcsReady: at(200) } }, true],
    ["past its deadline (the cleanup janitor ends it)", { phase: "Copying", startedAt: at(300), deadline: at(1) }, false],
    ["backing up (cleanup watches the pod)", { phase: "BackingUp", startedAt: at(300) }, false],
    ["queued", { phase: "Queued", queuedAt: at(300) }, false],
    ["aborted", { phase: "Snapshotting", startedAt: at(300), error: { step: "snapshot", reason: "X", message: "m" } }, false],
  ])("given %s, re-drives it: %s", (_what, status, want) => {
    expect(redrives([run("db-1", "db", status)], NOW).length === 1).toBe(want);
  });
});

describe("notices", () => {
  it("given invalid, unknown and planned profiles, returns Warnings for the problems and one Normal summary", () => {
    const d = planRuns(config, { trigger: manual({ profiles: ["db", "broken", "nope", "off"] }), runs: [run("off-1", "off", { phase: "Copying" })], now: NOW });
    const n = notices(d, manual({}), []);
    expect(n.map((x) => [x.type, x.reason])).toEqual([
      ["Warning", "InvalidProfile"],
      ["Warning", "UnknownProfile"],
      ["Normal", "Planned"],
    ]);
    expect(n[0]?.message).toContain('skipped profile "broken"');
    expect(n[2]?.message).toBe("manual request: planned db-20261126020000; skipped off (still active: the previous run of this profile has not finished)");
  });
});
