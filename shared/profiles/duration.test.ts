import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  it.each([
    ["30m", 1_800_000],
    ["12h", 43_200_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["500ms", 500],
    ["90s", 90_000],
    ["2d", 172_800_000],
    [" 10m ", 600_000],
    ["0", 0],
    [0, 0],
  ] as const)("given %j, returns %j ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ["", "must not be empty"],
    ["-5m", "must not be negative"],
    ["10", "is not a duration"],
    ["10 minutes", "is not a duration"],
    ["1h 30m", "is not a duration"],
    ["h", "is not a duration"],
    [600, "must be a duration"],
    [true, "must be a duration"],
  ] as const)("given %j, returns a message containing '%s'", (input, message) => {
    expect(parseDuration(input)).toEqual(expect.stringContaining(message));
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [250, "250ms"],
    [45_000, "45s"],
    [5_400_000, "1h30m"],
    [43_200_000, "12h"],
    [90_061_000, "1d1h1m1s"],
  ])("given %d ms, returns '%s'", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
