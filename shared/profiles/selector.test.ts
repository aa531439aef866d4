import { describe, expect, it } from "vitest";
import { formatSelector, fromKubeSelector, matchesSelector, parseSelector } from "./selector.ts";
import type { LabelSelector } from "./types.ts";

const sel = (matchLabels: Record<string, string>, matchExpressions: LabelSelector["matchExpressions"] = []): LabelSelector => ({
  matchLabels,
  matchExpressions,
});

describe("parseSelector", () => {
  it.each([
    ["app=web", sel({ app: "web" })],
    ["app==web, tier=db", sel({ app: "web", tier: "db" })],
    ["app.kubernetes.io/name=example", sel({ "app.kubernetes.io/name": "example" })],
    ["app=testApp,instance=testInstance", sel({ app: "testApp", instance: "testInstance" })],
    ["env!=prod", sel({}, [{ key: "env", operator: "NotIn", values: ["prod"] }])],
    ["tier in (db, cache),!legacy", sel({}, [
      { key: "tier", operator: "In", values: ["db", "cache"] },
      { key: "legacy", operator: "DoesNotExist", values: [] },
    ])],
    ["tier notin (a),primary", sel({}, [
      { key: "tier", operator: "NotIn", values: ["a"] },
      { key: "primary", operator: "Exists", values: [] },
    ])],
    [{ app: "web", "app.kubernetes.io/instance": "a" }, sel({ app: "web", "app.kubernetes.io/instance": "a" })],
  ] as const)("given %j, returns the selector", (input, expected) => {
    expect(parseSelector(input)).toEqual({ ok: true, selector: expected });
  });

  it.each([
    ["", "must not be empty"],
    [{}, "must not be empty"],
    ["app=web,,x=y", "empty requirement"],
    ["tier in (a,b", "unbalanced parentheses"],
    ["app=we b", "not \"key=value\""],
    ["app>3", "not \"key=value\""],
    ["Bad Key=x", "not \"key=value\""],
    ["-app=x", "is not a valid label key"],
    ["app=-x", "is not a valid label value"],
    ["app=a,app=b", "two values"],
    [{ version: 2 }, "must have a string value"],
    [42, "must be a label selector string"],
    [["app=web"], "must be a label selector string"],
  ] as const)("given %j, returns a problem containing '%s'", (input, problem) => {
    const r = parseSelector(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toContain(problem);
  });
});

describe("formatSelector", () => {
  it("given labels and expressions, returns the kubectl form", () => {
    const r = parseSelector("app=web,tier in (db,cache),!legacy,env!=prod");
    expect(r.ok && formatSelector(r.selector)).toBe("app=web,tier in (db,cache),!legacy,env notin (prod)");
  });
});

describe("matchesSelector", () => {
  const s = sel({ app: "web" }, [
    { key: "tier", operator: "In", values: ["db", "cache"] },
    { key: "env", operator: "NotIn", values: ["prod"] },
    { key: "legacy", operator: "DoesNotExist", values: [] },
  ]);
  it.each([
    [{ app: "web", tier: "db" }, true],
    [{ app: "web", tier: "db", env: "dev" }, true],
    [{ app: "web", tier: "db", env: "prod" }, false],
    [{ app: "web", tier: "web" }, false],
    [{ app: "web" }, false],
    [{ app: "web", tier: "cache", legacy: "" }, false],
    [{ app: "api", tier: "db" }, false],
    [undefined, false],
  ])("given labels %j, returns %s", (labels, expected) => {
    expect(matchesSelector(s, labels)).toBe(expected);
  });

  it("given inherited keys on the labels object, does not count them", () => {
    expect(matchesSelector(sel({}, [{ key: "toString", operator: "Exists", values: [] }]), {})).toBe(false);
  });
});

describe("fromKubeSelector", () => {
  it.each([
    [undefined, undefined],
    [{}, undefined],
    [{ matchLabels: { app: "web" } }, sel({ app: "web" })],
    [{ matchExpressions: [{ key: "a", operator: "Exists" }] }, sel({}, [{ key: "a", operator: "Exists", values: [] }])],
    [{ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, undefined],
  ])("given %j, returns %j", (input, expected) => {
    expect(fromKubeSelector(input)).toEqual(expected);
  });
});
