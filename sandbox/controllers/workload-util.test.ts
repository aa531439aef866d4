import { describe, expect, it } from "vitest";
import { canonicalJson, safeEncode, sameTemplate, selectorMatches, setCondition, templateHash, type Condition } from "./workload-util.ts";

describe("selectorMatches", () => {
  it.each<[string, unknown, Record<string, string> | undefined, boolean]>([
    ["matchLabels hit", { matchLabels: { app: "web" } }, { app: "web", x: "y" }, true],
    ["matchLabels miss", { matchLabels: { app: "web" } }, { app: "db" }, false],
    ["In", { matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] }, { tier: "b" }, true],
    ["NotIn", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["a"] }] }, { tier: "a" }, false],
    ["Exists", { matchExpressions: [{ key: "tier", operator: "Exists" }] }, {}, false],
    ["DoesNotExist", { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, undefined, true],
    ["empty selects everything", {}, { a: "b" }, true],
    ["missing selects nothing", undefined, { a: "b" }, false],
    ["invalid operator selects nothing", { matchExpressions: [{ key: "a", operator: "Nope" }] }, { a: "b" }, false],
  ])("given %s, returns %s", (_name, selector, labels, expected) => {
    expect(selectorMatches(selector as never, labels)).toBe(expected);
  });
});

describe("templateHash", () => {
  const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };

  it("given the same template with and without API defaults or key order, returns the same hash", () => {
    const defaulted = {
      spec: {
        restartPolicy: "Always",
        terminationGracePeriodSeconds: 30,
        containers: [{ image: "nginx", name: "c", imagePullPolicy: "IfNotPresent" }],
      },
      metadata: { labels: { app: "web", "pod-template-hash": "zzz" } },
    };
    expect(templateHash(defaulted)).toBe(templateHash(template));
    expect(sameTemplate(defaulted, template)).toBe(true);
  });

  it("given a different image or collision count, returns a different safe hash", () => {
    const other = { ...template, spec: { containers: [{ name: "c", image: "nginx:2" }] } };
    expect(templateHash(other)).not.toBe(templateHash(template));
    expect(templateHash(template, 1)).not.toBe(templateHash(template));
    expect(templateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });
});

describe("safeEncode / canonicalJson", () => {
  it("given digits, maps them onto the safe alphabet", () => {
    expect(safeEncode("0123")).toBe(safeEncode("0123"));
    expect(safeEncode("0123")).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{4}$/);
  });

  it("given objects with different key order, returns the same text", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
  });
});

describe("setCondition", () => {
  const base: Condition = { type: "Ready", status: "True", reason: "A", message: "m", lastTransitionTime: "t0", lastUpdateTime: "t0" };

  it.each<[string, Omit<Condition, "lastTransitionTime" | "lastUpdateTime">, { lastTransitionTime: string; lastUpdateTime: string }]>([
    ["unchanged", { type: "Ready", status: "True", reason: "A", message: "m" }, { lastTransitionTime: "t0", lastUpdateTime: "t0" }],
    ["new reason", { type: "Ready", status: "True", reason: "B", message: "m" }, { lastTransitionTime: "t0", lastUpdateTime: "t1" }],
    ["status flip", { type: "Ready", status: "False", reason: "A", message: "m" }, { lastTransitionTime: "t1", lastUpdateTime: "t1" }],
  ])("given %s, moves the right timestamps", (_name, next, expected) => {
    expect(setCondition([base], next, "t1", { withUpdateTime: true })).toEqual([{ ...next, ...expected }]);
  });
});
