import { describe, expect, it } from "vitest";
import { cronDue, cronProblem, nextRun, timeZoneProblem } from "./cron.ts";

describe("cronProblem", () => {
  it.each(["0 2 * * *", "*/15 * * * *", "0 0 1,15 * *", "30 3 * JAN-MAR MON-FRI", "0 0 ? * 0", "0 0 ? * *", "0 12 * * 1-5/2", "@daily", "@Weekly", "@midnight"])(
    "given %j, returns no problem",
    (cron) => {
      expect(cronProblem(cron)).toBe("");
    },
  );

  it.each([
    ["0 2 * *", "must have five fields"],
    ["0 0 2 * * *", "must have five fields"],
    ["@every 1h", "not a cron descriptor"],
    ["0 0 L * *", `has "L" in the day-of-month field`],
    ["0 0 * * 5#2", "has \"5#2\""],
    ["0 0 * * 7", "day-of-week 7"],
    ["61 * * * *", "is not a valid cron expression"],
    ["0 0 * * */x", "invalid step"],
    ["? * * * *", `has "?" in the minute field`],
  ])("given %j, returns a problem containing %j", (cron, problem) => {
    expect(cronProblem(cron)).toContain(problem);
  });
});

describe("timeZoneProblem", () => {
  it.each([
    ["Etc/UTC", ""],
    ["UTC", ""],
    ["Europe/Berlin", ""],
    ["America/Argentina/Buenos_Aires", ""],
    ["europe/berlin", `is not spelled exactly (did you mean "Europe/Berlin"?)`],
    ["Mars/Base", `is not an IANA time zone (e.g. "Europe/Berlin", "Etc/UTC")`],
    ["", `is not an IANA time zone (e.g. "Europe/Berlin", "Etc/UTC")`],
  ])("given %j, returns %j", (zone, expected) => {
    expect(timeZoneProblem(zone)).toBe(expected);
  });
});

describe("nextRun", () => {
  it.each([
    ["0 2 * * *", "Etc/UTC", "2025-06-01T10:00:00Z", "2025-06-02T02:00:00.000Z"],
    ["0 2 * * *", "Europe/Berlin", "2025-06-01T10:00:00Z", "2025-06-02T00:00:00.000Z"],
    ["0 2 * * *", "Etc/UTC", "2025-06-02T02:00:00Z", "2025-06-03T02:00:00.000Z"],
    ["@hourly", "Asia/Kolkata", "2025-06-01T10:10:00Z", "2025-06-01T10:30:00.000Z"],
    ["0 0 30 2 *", "Etc/UTC", "2025-06-01T10:00:00Z", undefined],
  ])("given %j in %s after %s, returns %s", (cron, timeZone, after, expected) => {
    expect(nextRun({ cron, timeZone }, new Date(after))?.toISOString()).toBe(expected);
  });
});

describe("cronDue", () => {
  const daily = { cron: "0 2 * * *", timeZone: "Etc/UTC" };
  it.each([
    ["2025-06-01T02:00:00Z", "2025-06-02T01:59:59Z", false],
    ["2025-06-01T02:00:00Z", "2025-06-02T02:00:00Z", true],
    ["2025-06-01T02:00:00Z", "2025-06-04T00:00:00Z", true],
    ["2025-06-01T03:00:00Z", "2025-06-01T04:00:00Z", false],
  ])("given since %s and now %s, returns %s", (since, now, expected) => {
    expect(cronDue(daily, { since: new Date(since), now: new Date(now) })).toBe(expected);
  });
});
