// Trigger filters, evaluated the way the MT broker does (reference/knative.md §1), so a test can route a synthetic
// event through the manifests' Triggers and see who receives it. Legacy `spec.filter.attributes`: exact matches,
// ANDed, "" = present and not empty. `spec.filters`: entries ANDed, one dialect each; it overrides `filter`.
import { arr, isRecord, rec, str, type JsonRecord, type KObject } from "./objects.ts";

/** An event's context attributes and extensions, all as strings (as the broker compares them). */
export type EventAttributes = Readonly<Record<string, string>>;

export const ATTRIBUTE_NAME = /^[a-z][a-z0-9]*$/;

export const DIALECTS = ["exact", "prefix", "suffix", "all", "any", "not", "cesql"] as const;

function stringEntries(v: unknown): [string, string][] {
  return Object.entries(rec(v)).map(([k, x]) => [k, typeof x === "string" ? x : String(x)]);
}

/** One `filters` entry against an event. Throws for cesql, which this evaluator does not implement. */
export function entryMatches(entry: unknown, ev: EventAttributes): boolean {
  const e = rec(entry);
  const dialects = DIALECTS.filter((d) => d in e);
  if (dialects.length !== 1) throw new Error(`a filters entry needs exactly one dialect, found [${dialects.join(", ")}]`);
  switch (dialects[0]) {
    case "exact":
      return stringEntries(e.exact).every(([k, v]) => ev[k] === v);
    case "prefix":
      return stringEntries(e.prefix).every(([k, v]) => ev[k]?.startsWith(v) === true);
    case "suffix":
      return stringEntries(e.suffix).every(([k, v]) => ev[k]?.endsWith(v) === true);
    case "all":
      return arr(e.all).every((x) => entryMatches(x, ev));
    case "any":
      return arr(e.any).some((x) => entryMatches(x, ev));
    case "not":
      return !entryMatches(e.not, ev);
    default:
      throw new Error("cesql filters are not evaluated by this test; use exact/prefix/suffix/all/any/not");
  }
}

function usesFilters(spec: JsonRecord): boolean {
  return Array.isArray(spec.filters) && spec.filters.length > 0;
}

/** Whether a Trigger passes an event to its subscriber. */
export function triggerMatches(trigger: KObject, ev: EventAttributes): boolean {
  const spec = rec(trigger.spec);
  if (usesFilters(spec)) return arr(spec.filters).every((f) => entryMatches(f, ev));
  return stringEntries(rec(spec.filter).attributes).every(([k, v]) => (v === "" ? (ev[k] ?? "") !== "" : ev[k] === v));
}

/**
 * The exact `type` a Trigger requires: `filter.attributes.type`, or an `exact.type` in a top-level `filters` entry
 * (entries are ANDed, so that one binds). undefined when the Trigger does not pin one exact type.
 */
export function exactType(trigger: KObject): string | undefined {
  const spec = rec(trigger.spec);
  if (usesFilters(spec)) {
    const types = arr(spec.filters).map((f) => str(rec(rec(f).exact).type)).filter((t): t is string => t !== undefined && t !== "");
    return types.length === 1 ? types[0] : undefined;
  }
  const t = str(rec(rec(spec.filter).attributes).type);
  return t === "" ? undefined : t;
}

/** Every problem of a Trigger's filter syntax: attribute names, one dialect per entry, no empty values, no mixing. */
export function filterSyntaxProblems(trigger: KObject): string[] {
  const spec = rec(trigger.spec);
  const out: string[] = [];
  const attrs = rec(rec(spec.filter).attributes);
  for (const name of Object.keys(attrs)) {
    if (!ATTRIBUTE_NAME.test(name)) out.push(`filter.attributes: ${name} must match ${String(ATTRIBUTE_NAME)}`);
  }
  if (usesFilters(spec) && Object.keys(attrs).length > 0) out.push("sets both filter and filters: filters silently overrides filter");
  const walk = (entry: unknown, at: string): void => {
    if (!isRecord(entry)) {
      out.push(`${at}: not an object`);
      return;
    }
    const dialects = DIALECTS.filter((d) => d in entry);
    const unknown = Object.keys(entry).filter((k) => !(DIALECTS as readonly string[]).includes(k));
    if (dialects.length !== 1) out.push(`${at}: exactly one dialect per entry, found [${dialects.join(", ")}]`);
    if (unknown.length > 0) out.push(`${at}: unknown dialect ${unknown.join(", ")}`);
    for (const d of ["exact", "prefix", "suffix"] as const) {
      if (!(d in entry)) continue;
      const pairs = stringEntries(entry[d]);
      if (pairs.length === 0) out.push(`${at}.${d}: empty`);
      for (const [k, v] of pairs) {
        if (!ATTRIBUTE_NAME.test(k)) out.push(`${at}.${d}: ${k} must match ${String(ATTRIBUTE_NAME)}`);
        if (v === "") out.push(`${at}.${d}.${k}: empty value`);
      }
    }
    if ("cesql" in entry) out.push(`${at}.cesql: not used by rafdir (not evaluated by the sandbox broker or this test)`);
    arr(entry.all).forEach((x, i) => walk(x, `${at}.all[${i}]`));
    arr(entry.any).forEach((x, i) => walk(x, `${at}.any[${i}]`));
    if ("not" in entry) walk(entry.not, `${at}.not`);
  };
  arr(spec.filters).forEach((f, i) => walk(f, `filters[${i}]`));
  return out;
}
