import { describe, expect, it } from "vitest";
import { isDnsLabel, isDnsSubdomain, nameProblem, suggestLabel } from "./names.ts";

describe("DNS-1123 names", () => {
  it.each([
    ["db", true, true],
    ["my-app-2", true, true],
    ["a.b", false, true],
    ["myApp", false, false],
    ["../etc", false, false],
    ["-db", false, false],
    ["db-", false, false],
    ["", false, false],
    ["__proto__", false, false],
    ["a".repeat(63), true, true],
    ["a".repeat(64), false, true],
  ])("given %j, returns label=%s subdomain=%s", (name, label, subdomain) => {
    expect(isDnsLabel(name)).toBe(label);
    expect(isDnsSubdomain(name)).toBe(subdomain);
  });

  it.each([
    ["myApplication", "myapplication"],
    ["../etc/passwd", "etc-passwd"],
    ["My App!", "my-app"],
  ])("given %j, suggests %j", (name, hint) => {
    expect(suggestLabel(name)).toBe(hint);
  });

  it.each([
    ["db", "label", ""],
    ["myApp", "label", `is not a valid name: use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "myapp")`],
    ["", "label", "must not be empty"],
    ["x".repeat(64), "label", "is longer than 63 characters"],
    ["Node_1", "subdomain", `is not a valid name: use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. "node-1")`],
  ] as const)("given %j as a %s, returns %j", (name, kind, problem) => {
    expect(nameProblem(name, kind)).toBe(problem);
  });
});
