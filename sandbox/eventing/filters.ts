// Trigger filtering, pure: the legacy `spec.filter.attributes` and the `spec.filters` dialects, validated as the
// Knative webhook does (one dialect per entry, one attribute per exact/prefix/suffix map, attribute names
// ^[a-z][a-z0-9]*$) and compiled into a predicate over an event's attributes.
import type { SubscriptionsApiFilter } from "./manifest-schemas.ts";

export type Attributes = Readonly<Record<string, string>>;
export type Predicate = (attrs: Attributes) => boolean;

export interface TriggerFilterSpec {
  filter?: { attributes?: Record<string, string> };
  filters?: SubscriptionsApiFilter[];
}

export type CompiledFilter = { ok: true; match: Predicate } | { ok: false; errors: string[] };

const ATTRIBUTE_NAME = /^[a-z][a-z0-9]*$/;
const DIALECTS = ["exact", "prefix", "suffix", "all", "any", "not", "cesql"] as const;
type Dialect = (typeof DIALECTS)[number];

/** `spec.filters` wins over `spec.filter` when it has entries; no filter at all passes everything. */
export function compileTriggerFilter(spec: TriggerFilterSpec): CompiledFilter {
  const errors: string[] = [];
  const attributes = spec.filter?.attributes ?? {};
  for (const name of Object.keys(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) errors.push(`filter.attributes.${name}: attribute name must start with a letter and contain only lowercase alphanumerics`);
  }
  const filters = spec.filters ?? [];
  const compiled = filters.map((f, i) => compileEntry(f, `filters[${i}]`, errors));
  if (errors.length > 0) return { ok: false, errors };
  if (filters.length > 0) {
    const preds = compiled.filter((p): p is Predicate => p !== undefined);
    return { ok: true, match: (attrs) => preds.every((p) => p(attrs)) };
  }
  return { ok: true, match: (attrs) => matchLegacy(attributes, attrs) };
}

/** Legacy attributes: all ANDed, exact and case-sensitive; "" means the attribute is present (and not empty). */
export function matchLegacy(filter: Readonly<Record<string, string>>, attrs: Attributes): boolean {
  for (const [name, want] of Object.entries(filter)) {
    const have = attrs[name];
    if (have === undefined || have === "") return false;
    if (want !== "" && have !== want) return false;
  }
  return true;
}

function dialectsOf(f: SubscriptionsApiFilter): Dialect[] {
  return DIALECTS.filter((d) => f[d] !== undefined);
}

function compileEntry(f: SubscriptionsApiFilter, path: string, errors: string[]): Predicate | undefined {
  const dialects = dialectsOf(f);
  if (dialects.length !== 1) {
    errors.push(
      dialects.length === 0
        ? `${path}: no dialect set; use exactly one of ${DIALECTS.join(", ")}`
        : `${path}: multiple dialects found (${dialects.join(", ")}); filters can have only one dialect set — split them into separate entries`,
    );
    return undefined;
  }
  const dialect = dialects[0] as Dialect;
  switch (dialect) {
    case "exact":
    case "prefix":
    case "suffix":
      return compileStringMatch(dialect, f[dialect] ?? {}, `${path}.${dialect}`, errors);
    case "all":
    case "any": {
      const subs = (f[dialect] ?? []).map((s, i) => compileEntry(s, `${path}.${dialect}[${i}]`, errors));
      const preds = subs.filter((p): p is Predicate => p !== undefined);
      // An empty all/any is Knative's NoFilter, which a trigger treats as a pass.
      if (preds.length === 0) return () => true;
      return dialect === "all" ? (attrs) => preds.every((p) => p(attrs)) : (attrs) => preds.some((p) => p(attrs));
    }
    case "not": {
      const inner = compileEntry(f.not ?? {}, `${path}.not`, errors);
      return inner ? (attrs) => !inner(attrs) : undefined;
    }
    case "cesql":
      errors.push(`${path}.cesql: CESQL filters are not supported by the sandbox broker; use exact/prefix/suffix/all/any/not`);
      return undefined;
  }
}

function compileStringMatch(dialect: "exact" | "prefix" | "suffix", map: Record<string, string>, path: string, errors: string[]): Predicate | undefined {
  const entries = Object.entries(map);
  if (entries.length !== 1) {
    errors.push(
      entries.length === 0
        ? `${path}: names no attribute`
        : `${path}: multiple items found (${entries.map(([k]) => k).join(", ")}); can have only one key-value — use one entry per attribute`,
    );
    return undefined;
  }
  const [name, want] = entries[0] as [string, string];
  if (!ATTRIBUTE_NAME.test(name)) {
    errors.push(`${path}.${name}: attribute name must start with a letter and contain only lowercase alphanumerics`);
    return undefined;
  }
  if (want === "") {
    errors.push(`${path}.${name}: value must not be empty`);
    return undefined;
  }
  const test = dialect === "exact" ? (v: string) => v === want : dialect === "prefix" ? (v: string) => v.startsWith(want) : (v: string) => v.endsWith(want);
  return (attrs) => {
    const have = attrs[name];
    return have !== undefined && test(have);
  };
}
