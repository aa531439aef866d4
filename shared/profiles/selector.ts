// Label selectors: upstream's string form ("app=web,tier in (db,cache),!legacy"), a label map ({app: web}), and the
// metav1.LabelSelector of a Deployment/StatefulSet. Parse, format (for a List call) and match (for pure decisions).
import type { LabelRequirement, LabelSelector } from "./types.ts";

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a label key ("" when it is one). */
export function labelKeyProblem(key: string): string {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix))) return `label key ${q(key)} has an invalid prefix`;
  if (name.length > 63 || !NAME.test(name)) return `${q(key)} is not a valid label key`;
  return "";
}

/** Why `value` is not a label value ("" when it is one; empty is allowed). */
export function labelValueProblem(value: string): string {
  return value === "" || (value.length <= 63 && NAME.test(value)) ? "" : `${q(value)} is not a valid label value`;
}

export type SelectorParse = { ok: true; selector: LabelSelector } | { ok: false; problem: string };

/** Parses a selector as written in a profile: a string in kubectl syntax or a map of labels. Empty is rejected. */
export function parseSelector(input: unknown): SelectorParse {
  if (typeof input === "string") return parseSelectorString(input);
  if (typeof input === "object" && input !== null && !Array.isArray(input)) return fromLabelMap(input as Record<string, unknown>);
  return { ok: false, problem: `must be a label selector string like "app=web" or a map of labels` };
}

function fromLabelMap(map: Record<string, unknown>): SelectorParse {
  const matchLabels: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value !== "string") return { ok: false, problem: `label ${q(key)} must have a string value (quote it)` };
    const problem = labelKeyProblem(key) || labelValueProblem(value);
    if (problem) return { ok: false, problem };
    matchLabels[key] = value;
  }
  if (Object.keys(matchLabels).length === 0) return { ok: false, problem: "must not be empty (it would select every pod)" };
  return { ok: true, selector: { matchLabels, matchExpressions: [] } };
}

function parseSelectorString(text: string): SelectorParse {
  const parts = splitRequirements(text);
  if (parts === undefined) return { ok: false, problem: "has unbalanced parentheses" };
  if (parts.length === 0) return { ok: false, problem: "must not be empty (it would select every pod)" };
  const selector: LabelSelector = { matchLabels: {}, matchExpressions: [] };
  for (const part of parts) {
    const problem = addRequirement(selector, part);
    if (problem) return { ok: false, problem };
  }
  return { ok: true, selector };
}

/** Splits on commas outside parentheses; undefined when parentheses do not balance. */
function splitRequirements(text: string): string[] | undefined {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (depth < 0 || depth > 1) return undefined;
    if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  if (depth !== 0) return undefined;
  parts.push(current.trim());
  return parts.length === 1 && parts[0] === "" ? [] : parts;
}

function addRequirement(selector: LabelSelector, part: string): string {
  if (part === "") return "has an empty requirement (two commas in a row?)";
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const [, key = "", op, list = ""] = set;
    const values = list.split(",").map((v) => v.trim());
    const problem = labelKeyProblem(key) || values.map(labelValueProblem).find(Boolean) || "";
    if (problem) return problem;
    selector.matchExpressions.push({ key, operator: op === "in" ? "In" : "NotIn", values });
    return "";
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (cmp) {
    const [, key = "", op, value = ""] = cmp;
    const problem = labelKeyProblem(key) || labelValueProblem(value);
    if (problem) return problem;
    if (op === "!=") selector.matchExpressions.push({ key, operator: "NotIn", values: [value] });
    else if (key in selector.matchLabels && selector.matchLabels[key] !== value) return `asks label ${q(key)} for two values`;
    else selector.matchLabels[key] = value;
    return "";
  }
  const exists = /^(!?)\s*([A-Za-z0-9_./-]+)$/.exec(part);
  if (exists) {
    const [, not, key = ""] = exists;
    const problem = labelKeyProblem(key);
    if (problem) return problem;
    selector.matchExpressions.push({ key, operator: not ? "DoesNotExist" : "Exists", values: [] });
    return "";
  }
  return `has a requirement ${q(part)} that is not "key=value", "key!=value", "key in (a,b)", "key notin (a,b)", "key" or "!key"`;
}

/** The kubectl/List form, e.g. `app=web,tier in (cache,db),!legacy`. */
export function formatSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions) parts.push(formatRequirement(r));
  return parts.join(",");
}

function formatRequirement(r: LabelRequirement): string {
  switch (r.operator) {
    case "In":
      return `${r.key} in (${r.values.join(",")})`;
    case "NotIn":
      return `${r.key} notin (${r.values.join(",")})`;
    case "Exists":
      return r.key;
    case "DoesNotExist":
      return `!${r.key}`;
  }
}

/** A metav1.LabelSelector as found on a Deployment/StatefulSet (`spec.selector`). */
export interface KubeLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: string[] }>;
}

/** Converts a workload's `spec.selector`; undefined when it uses an unknown operator or is missing/empty. */
export function fromKubeSelector(sel: KubeLabelSelector | undefined): LabelSelector | undefined {
  if (!sel) return undefined;
  const matchExpressions: LabelRequirement[] = [];
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator !== "In" && e.operator !== "NotIn" && e.operator !== "Exists" && e.operator !== "DoesNotExist") return undefined;
    matchExpressions.push({ key: e.key, operator: e.operator, values: [...(e.values ?? [])] });
  }
  const matchLabels = { ...(sel.matchLabels ?? {}) };
  if (Object.keys(matchLabels).length === 0 && matchExpressions.length === 0) return undefined;
  return { matchLabels, matchExpressions };
}

/** Whether `labels` satisfy every requirement of the selector. */
export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(l, k);
  for (const [k, v] of Object.entries(selector.matchLabels)) if (!has(k) || l[k] !== v) return false;
  return selector.matchExpressions.every((r) => {
    switch (r.operator) {
      case "In":
        return has(r.key) && r.values.includes(l[r.key] ?? "");
      case "NotIn":
        return !has(r.key) || !r.values.includes(l[r.key] ?? "");
      case "Exists":
        return has(r.key);
      case "DoesNotExist":
        return !has(r.key);
    }
  });
}

const q = (s: string): string => JSON.stringify(s);
