import { describe, expect, it } from "vitest";
import { DEFAULT_SCHEDULES, parseSchedules } from "./schedules.ts";

const ctx = { profileNames: ["web", "db"], now: new Date("2025-06-01T00:00:00Z") };

describe("parseSchedules", () => {
  it("given no schedules key, returns the default daily schedule (knative/pingsources.yaml)", () => {
    expect(parseSchedules(undefined, ctx)).toEqual({ schedules: DEFAULT_SCHEDULES, errors: [] });
  });

  it("given an empty schedules key, returns no schedules", () => {
    expect(parseSchedules(null, ctx)).toEqual({ schedules: [], errors: [] });
  });

  it("given schedules with defaults left out, fills timeZone Etc/UTC and profiles all", () => {
    const input = { nightly: { cron: "30 1 * * *" }, hourly: { cron: "@hourly", timeZone: "Europe/Berlin", profiles: ["db"] } };
    expect(parseSchedules(input, ctx)).toEqual({
      schedules: [
        { name: "nightly", cron: "30 1 * * *", timeZone: "Etc/UTC", profiles: "all" },
        { name: "hourly", cron: "@hourly", timeZone: "Europe/Berlin", profiles: ["db"] },
      ],
      errors: [],
    });
  });

  it.each([
    [{ Nightly: { cron: "0 1 * * *" } }, `schedule "Nightly": "Nightly" is not a valid schedule name`],
    [{ n: {} }, `schedule "n": field "cron" is required: a five-field cron like "0 2 * * *"`],
    [{ n: { cron: "0 1 * *" } }, `schedule "n": field "cron": "0 1 * *" must have five fields`],
    [{ n: { cron: "0 0 30 2 *" } }, `schedule "n": field "cron": "0 0 30 2 *" never fires`],
    [{ n: { cron: "0 1 * * *", timeZone: "Mars/Base" } }, `schedule "n": field "timeZone": "Mars/Base" is not an IANA time zone`],
    [{ n: { cron: "0 1 * * *", timezone: "Etc/UTC" } }, `schedule "n": field "timezone" is not a schedule option (did you mean "timeZone"?)`],
    [{ n: { cron: "0 1 * * *", profiles: "some" } }, `schedule "n": field "profiles": "some" must be "all" or a list of profile names`],
    [{ n: "0 1 * * *" }, `schedule "n": "0 1 * * *" must be a mapping with cron, timeZone and profiles`],
    [["daily"], `schedules: ["daily"] must be a mapping of schedule name to {cron, timeZone, profiles}`],
  ])("given %j, reports %j and leaves it out", (input, message) => {
    const r = parseSchedules(input, ctx);
    expect(r.schedules).toEqual([]);
    expect(r.errors[0]).toContain(message);
  });

  it("given a schedule naming an unknown profile, keeps the schedule and reports the name", () => {
    const r = parseSchedules({ n: { cron: "0 1 * * *", profiles: ["db", "ghost"] } }, ctx);
    expect(r.schedules).toHaveLength(1);
    expect(r.errors).toEqual([`schedule "n": field "profiles[1]": "ghost" is not a configured profile`]);
  });

  it("given one bad schedule among good ones, keeps the good ones", () => {
    const r = parseSchedules({ good: { cron: "0 1 * * *" }, bad: { cron: "nope" } }, ctx);
    expect(r.schedules.map((s) => s.name)).toEqual(["good"]);
    expect(r.errors).toHaveLength(1);
  });
});
