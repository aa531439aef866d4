import { describe, expect, it } from "vitest";
import { compileTriggerFilter, matchLegacy, type TriggerFilterSpec } from "./filters.ts";

const ev = { specversion: "1.0", id: "1", type: "io.rafdir.backup.planned", source: "/rafdir/plan", rafdirrun: "run-1", empty: "" };

describe("legacy filter.attributes", () => {
  it.each([
    ["no attributes pass", {}, true],
    ["exact type", { type: "io.rafdir.backup.planned" }, true],
    ["wrong type", { type: "io.rafdir.backup.requested" }, false],
    ["case-sensitive", { type: "IO.rafdir.backup.planned" }, false],
    ["ANDed", { type: "io.rafdir.backup.planned", source: "/rafdir/other" }, false],
    ['"" = present', { rafdirrun: "" }, true],
    ['"" on a missing attribute', { rafdirprofile: "" }, false],
    ['"" on an empty attribute', { empty: "" }, false],
    ["missing extension", { rafdirprofile: "daily" }, false],
    ["no prefix match", { type: "io.rafdir." }, false],
  ])("%s", (_name, attributes: Record<string, string>, want) => {
    expect(matchLegacy(attributes, ev)).toBe(want);
    const c = compileTriggerFilter({ filter: { attributes } });
    expect(c.ok && c.match(ev)).toBe(want);
  });
});

describe("filters dialects", () => {
  const cases: Array<[string, TriggerFilterSpec["filters"], boolean]> = [
    ["exact", [{ exact: { type: "io.rafdir.backup.planned" } }], true],
    ["exact miss", [{ exact: { type: "io.rafdir.backup" } }], false],
    ["prefix", [{ prefix: { type: "io.rafdir." } }], true],
    ["prefix miss", [{ prefix: { type: "dev.knative." } }], false],
    ["suffix", [{ suffix: { source: "/plan" } }], true],
    ["suffix miss", [{ suffix: { source: "/snapshot" } }], false],
    ["missing attribute fails", [{ prefix: { rafdirprofile: "d" } }], false],
    ["entries ANDed", [{ prefix: { type: "io.rafdir." } }, { exact: { source: "/rafdir/other" } }], false],
    ["all", [{ all: [{ prefix: { type: "io." } }, { suffix: { type: ".planned" } }] }], true],
    ["all with a miss", [{ all: [{ prefix: { type: "io." } }, { suffix: { type: ".failed" } }] }], false],
    ["any", [{ any: [{ exact: { type: "x" } }, { exact: { rafdirrun: "run-1" } }] }], true],
    ["any none", [{ any: [{ exact: { type: "x" } }, { exact: { rafdirrun: "run-2" } }] }], false],
    ["not", [{ not: { exact: { type: "x" } } }], true],
    ["not of a match", [{ not: { prefix: { type: "io.rafdir." } } }], false],
    ["nested", [{ all: [{ not: { any: [{ exact: { type: "a" } }, { exact: { type: "b" } }] } }, { exact: { id: "1" } }] }], true],
  ];
  it.each(cases)("%s", (_name, filters, want) => {
    const c = compileTriggerFilter({ filters });
    if (!c.ok) throw new Error(c.errors.join("; "));
    expect(c.match(ev)).toBe(want);
  });

  it("filters win over filter", () => {
    const c = compileTriggerFilter({ filter: { attributes: { type: "nope" } }, filters: [{ exact: { type: "io.rafdir.backup.planned" } }] });
    expect(c.ok && c.match(ev)).toBe(true);
  });

  it("an empty filters list falls back to filter", () => {
    const c = compileTriggerFilter({ filter: { attributes: { type: "nope" } }, filters: [] });
    expect(c.ok && c.match(ev)).toBe(false);
  });
});

describe("invalid filters are rejected with a clear error", () => {
  it.each<[string, TriggerFilterSpec, RegExp]>([
    ["two dialects in one entry", { filters: [{ exact: { type: "a" }, suffix: { source: "b" } }] }, /filters\[0\]: multiple dialects found \(exact, suffix\)/],
    ["no dialect", { filters: [{}] }, /filters\[0\]: no dialect set/],
    ["two keys in exact", { filters: [{ exact: { type: "a", source: "b" } }] }, /filters\[0\]\.exact: multiple items found \(type, source\)/],
    ["empty exact", { filters: [{ exact: {} }] }, /names no attribute/],
    ["empty value", { filters: [{ prefix: { type: "" } }] }, /prefix\.type: value must not be empty/],
    ["bad attribute name", { filters: [{ exact: { Type: "a" } }] }, /exact\.Type: attribute name/],
    ["cesql", { filters: [{ cesql: "type = 'a'" }] }, /filters\[0\]\.cesql: CESQL filters are not supported/],
    ["nested problem", { filters: [{ all: [{ exact: { type: "a" } }, { not: { exact: { a: "1" }, prefix: { b: "2" } } }] }] }, /filters\[0\]\.all\[1\]\.not: multiple dialects/],
    ["legacy bad name", { filter: { attributes: { "my-ext": "x" } } }, /filter\.attributes\.my-ext: attribute name/],
  ])("%s", (_name, spec, msg) => {
    const c = compileTriggerFilter(spec);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.errors.join("\n")).toMatch(msg);
  });
});
