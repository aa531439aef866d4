import { describe, expect, it } from "vitest";
import { dueProfiles, type DueConfig, type DueInput } from "./due.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";
import type { Profile } from "./types.ts";

const H = 3_600_000;
const now = new Date("2025-06-02T02:00:00Z");
const ago = (hours: number): Date => new Date(now.getTime() - hours * H);

const profile = (name: string, extra: Partial<Profile> = {}): Profile => ({
  name,
  disabled: false,
  namespace: "apps",
  target: { kind: "deployment", name },
  folders: ["/data"],
  host: name,
  stop: false,
  podWaitTimeoutMs: 4 * H,
  minIntervalMs: 12 * H,
  repositories: ["local", "s3"],
  restoreNamespaces: ["apps"],
  ...extra,
});

const config: DueConfig = {
  profiles: [profile("web"), profile("db"), profile("old", { disabled: true }), profile("wiki", { repositories: ["local"] }), profile("often", { minIntervalMs: 0 })],
  invalid: [{ profile: "broken", field: "folders[0]", value: "x", message: `profile "broken": field "folders[0]": "x" is not an absolute path` }],
  schedules: [
    { name: "daily", cron: "0 2 * * *", timeZone: "Etc/UTC", profiles: "all" },
    { name: "dbs", cron: "0 * * * *", timeZone: "Etc/UTC", profiles: ["db", "ghost"] },
  ],
  settings: { ...DEFAULT_SETTINGS, concurrency: 10 },
  repositories: { local: {}, s3: {} },
};

const input = (extra: Partial<DueInput> = {}): DueInput => ({ lastSuccess: new Map(), active: new Set(), now, ...extra });
const runNames = (d: ReturnType<typeof dueProfiles>): string[] => d.run.map((r) => r.profile.name);

describe("dueProfiles", () => {
  it("given the daily tick and nothing recent, runs every enabled valid profile and says why the others wait", () => {
    const d = dueProfiles(config, input({ scheduleName: "daily" }));
    expect(runNames(d)).toEqual(["web", "db", "wiki", "often"]);
    expect(d.skipped).toEqual([
      { profile: "old", reason: "disabled (a request that names the profile runs it anyway)" },
      { profile: "broken", reason: `invalid configuration: profile "broken": field "folders[0]": "x" is not an absolute path` },
    ]);
    expect(d.errors).toEqual([]);
  });

  it.each<[string, Partial<DueInput>, string, string]>([
    ["a success 3h ago", { lastSuccess: new Map([["web", ago(3)]]) }, "web",
      "recent success: succeeded 3h ago, within min-interval 12h (due again in 9h; force to run now)"],
    ["a success in the future", { lastSuccess: new Map([["web", ago(-1)]]) }, "web",
      "recent success: succeeded in the future (clock skew?), within min-interval 12h (due again in 12h; force to run now)"],
    ["a run still active", { active: new Set(["db"]) }, "db", "still active: the previous run of this profile has not finished"],
    ["a run still active and forced", { active: new Set(["db"]), requested: { profiles: ["db"], force: true } }, "db",
      "still active: the previous run of this profile has not finished"],
    ["a request naming an unknown profile", { requested: { profiles: ["nope"] } }, "nope", "unknown profile"],
    ["a request for a repository the profile does not use", { requested: { profiles: ["wiki"], repositories: ["s3"] } }, "wiki",
      "no repository to back up into: requested s3, the profile uses local"],
    ["a schedule naming a profile that does not exist", { scheduleName: "dbs" }, "ghost", "unknown profile"],
  ])("given %s, skips %s with a reason", (_, extra, name, reason) => {
    const d = dueProfiles(config, input({ scheduleName: "daily", ...extra }));
    expect(d.skipped).toContainEqual({ profile: name, reason });
    expect(runNames(d)).not.toContain(name);
  });

  it.each<[string, Partial<DueInput>, string]>([
    ["a success 13h ago", { lastSuccess: new Map([["web", ago(13)]]) }, "web"],
    ["a success 3h ago but forced", { lastSuccess: new Map([["web", ago(3)]]), requested: { profiles: ["web"], force: true } }, "web"],
    ["a success 1 minute ago and min-interval 0", { lastSuccess: new Map([["often", ago(1 / 60)]]) }, "often"],
    ["a request naming a disabled profile", { requested: { profiles: ["old"] } }, "old"],
  ])("given %s, runs %s", (_, extra, name) => {
    expect(runNames(dueProfiles(config, input({ scheduleName: "daily", ...extra })))).toContain(name);
  });

  it("given a request for some profiles, considers only those, in request order, once each", () => {
    const d = dueProfiles(config, input({ requested: { profiles: ["db", "web", "db"] } }));
    expect(runNames(d)).toEqual(["db", "web"]);
    expect(d.skipped).toEqual([]);
  });

  it("given a request for one repository, narrows each run to it", () => {
    const d = dueProfiles(config, input({ requested: { repositories: ["s3"] } }));
    expect(d.run.map((r) => [r.profile.name, r.repositories])).toEqual([["web", ["s3"]], ["db", ["s3"]], ["often", ["s3"]]]);
    expect(d.skipped.find((s) => s.profile === "wiki")?.reason).toContain("no repository");
  });

  it("given a request for an unknown repository, reports it", () => {
    expect(dueProfiles(config, input({ requested: { repositories: ["gcs"] } })).errors).toEqual([`unknown repository "gcs" in the request`]);
  });

  it("given an unknown schedule, runs nothing and reports it", () => {
    expect(dueProfiles(config, input({ scheduleName: "weekly" }))).toEqual({ run: [], queue: [], skipped: [], errors: [`unknown schedule "weekly"`] });
  });

  it("given a concurrency limit of 2 with one run active, runs one and queues the rest", () => {
    const d = dueProfiles({ ...config, settings: { ...config.settings, concurrency: 2 } }, input({ scheduleName: "daily", active: new Set(["db"]) }));
    expect(runNames(d)).toEqual(["web"]);
    expect(d.queue.map((r) => r.profile.name)).toEqual(["wiki", "often"]);
    expect(d.skipped).toEqual([
      { profile: "db", reason: "still active: the previous run of this profile has not finished" },
      { profile: "old", reason: "disabled (a request that names the profile runs it anyway)" },
      { profile: "broken", reason: expect.stringContaining("invalid configuration") },
    ]);
  });

  it("given queued runs, they take no slot and their profiles are not queued twice", () => {
    const limited = { ...config, settings: { ...config.settings, concurrency: 1 } };
    const d = dueProfiles(limited, input({ scheduleName: "daily", active: new Set(["db", "wiki"]), queued: new Set(["db", "wiki"]), running: 0 }));
    expect(runNames(d)).toEqual(["web"]);
    expect(d.queue.map((r) => r.profile.name)).toEqual(["often"]);
    expect(d.skipped.filter((s) => s.reason.startsWith("already queued")).map((s) => s.profile)).toEqual(["db", "wiki"]);
  });

  it("given no schedule and no request (a manual 'back up everything'), considers every profile", () => {
    expect(runNames(dueProfiles(config, input()))).toEqual(["web", "db", "wiki", "often"]);
  });
});
