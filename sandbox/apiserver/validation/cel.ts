// CEL for x-kubernetes-validations: an environment with `self` and `oldSelf` and a few functions of the
// Kubernetes CEL library, and compiled rules.

import { Environment, type ParseResult } from "@marcbachmann/cel-js";
import { isRecord, str } from "./json.ts";
import { parseQuantity } from "./quantity.ts";

export const RULE_REASONS = ["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"] as const;

/** One x-kubernetes-validations entry, parsed. */
export interface CompiledRule {
  rule: string;
  program: ParseResult;
  message?: string;
  messageExpression?: ParseResult;
  reason: string;
  /** The rule's fieldPath (relative JSONPath like `.spec.x` or `['a.b']`) as a Kubernetes path suffix. */
  fieldPath?: string;
  /** A transition rule: it names oldSelf, so it runs only on update where an old value exists. */
  usesOldSelf: boolean;
  optionalOldSelf: boolean;
}

function compareAll(list: unknown[], pick: (a: unknown, b: unknown) => unknown): unknown {
  if (list.length === 0) throw new Error("min/max of an empty list");
  return list.reduce((acc, x) => pick(acc, x));
}

function less(a: unknown, b: unknown): boolean {
  if ((typeof a === "number" || typeof a === "bigint") && (typeof b === "number" || typeof b === "bigint")) return a < b;
  return String(a) < String(b);
}

/** A fresh CEL environment with `self`, `oldSelf` and the Kubernetes library functions cel-js lacks. */
export function celEnvironment(): Environment {
  return new Environment({ homogeneousAggregateLiterals: false, enableOptionalTypes: true })
    .registerVariable("self", "dyn")
    .registerVariable("oldSelf", "dyn")
    .registerFunction("string.replace(string, string): string", (s: string, a: string, b: string) => s.split(a).join(b))
    .registerFunction("string.replace(string, string, int): string", (s: string, a: string, b: string, n: bigint) => {
      let out = s;
      let count = n < 0n ? Infinity : Number(n);
      let from = 0;
      while (count-- > 0) {
        const i = out.indexOf(a, from);
        if (i < 0) break;
        out = out.slice(0, i) + b + out.slice(i + a.length);
        from = i + b.length;
      }
      return out;
    })
    .registerFunction("string.charAt(int): string", (s: string, i: bigint) => s.charAt(Number(i)))
    .registerFunction("list.isSorted(): bool", (l: unknown[]) => l.every((x, i) => i === 0 || !less(x, l[i - 1])))
    .registerFunction("list.min(): dyn", (l: unknown[]) => compareAll(l, (a, b) => (less(b, a) ? b : a)))
    .registerFunction("list.max(): dyn", (l: unknown[]) => compareAll(l, (a, b) => (less(a, b) ? b : a)))
    .registerFunction("isURL(string): bool", (s: string) => URL.canParse(s))
    .registerFunction("isQuantity(string): bool", (s: string) => parseQuantity(s) !== undefined);
}

/** The rule text without its string literals, to see which variables it names. */
function withoutStrings(rule: string): string {
  return rule.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
}

/** The rule's fieldPath (`.a.b`, `.a['x.y']`, `.list[0]`) as a Kubernetes path suffix (`a.b`, `a[x.y]`, `list[0]`). */
function fieldPathSuffix(jsonPath: string): string {
  let out = "";
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\]/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(jsonPath)) !== null) {
    if (m[1] !== undefined) out = out === "" ? m[1] : `${out}.${m[1]}`;
    else out += `[${m[2] ?? m[3] ?? m[4] ?? ""}]`;
  }
  return out;
}

/** Parses one x-kubernetes-validations entry; the error string tells why it cannot be compiled. */
export function compileRule(env: Environment, raw: unknown): CompiledRule | { error: string } {
  if (!isRecord(raw)) return { error: "a validation rule must be an object" };
  const rule = str(raw.rule);
  if (!rule) return { error: "rule is required" };
  try {
    const program = env.parse(rule);
    const messageExpression = str(raw.messageExpression) ? env.parse(str(raw.messageExpression) ?? "") : undefined;
    const reason = str(raw.reason) ?? "FieldValueInvalid";
    const fieldPath = str(raw.fieldPath);
    const message = str(raw.message);
    return {
      rule,
      program,
      reason,
      usesOldSelf: /\boldSelf\b/.test(withoutStrings(rule)),
      optionalOldSelf: raw.optionalOldSelf === true,
      ...(message !== undefined ? { message } : {}),
      ...(messageExpression ? { messageExpression } : {}),
      ...(fieldPath ? { fieldPath: fieldPathSuffix(fieldPath) } : {}),
    };
  } catch (e) {
    return { error: `compilation failed: ${e instanceof Error ? (e.message.split("\n")[0] ?? e.message) : String(e)}` };
  }
}

/** The outcome of running a rule: passed, failed with a message, or could not be evaluated. */
export type RuleOutcome = { ok: true } | { ok: false; message: string };

export function runRule(rule: CompiledRule, vars: { self: unknown; oldSelf?: unknown }): RuleOutcome {
  const ctx = { self: vars.self, oldSelf: vars.oldSelf ?? null };
  let result: unknown;
  try {
    result = rule.program(ctx);
  } catch (e) {
    const why = e instanceof Error ? (e.message.split("\n")[0] ?? e.message) : String(e);
    return { ok: false, message: `${ruleFailure(rule)}: error evaluating rule: ${why}` };
  }
  if (result === true) return { ok: true };
  if (result !== false) return { ok: false, message: `${ruleFailure(rule)}: rule did not evaluate to a bool` };
  if (rule.messageExpression) {
    try {
      const m: unknown = rule.messageExpression(ctx);
      if (typeof m === "string" && m.trim() !== "" && !m.includes("\n")) return { ok: false, message: m };
    } catch {
      // fall back to the static message, as the real server does
    }
  }
  return { ok: false, message: ruleFailure(rule) };
}

function ruleFailure(rule: CompiledRule): string {
  return rule.message && rule.message.trim() !== "" ? rule.message : `failed rule: ${rule.rule.trim()}`;
}
