// Label and field selectors as the API server parses them (k8s.io/apimachinery pkg/labels and pkg/fields).
// Parse errors throw a 400 BadRequest whose message follows the real parser's wording.

import { errors, type KObject } from "./types.ts";

// ---------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------

/** Operators spelled as apimachinery's selection.Operator values. */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted, de-duplicated for set operators; exactly one for equality and gt/lt; empty for exists/!. */
  readonly values: readonly string[];
}

export interface LabelSelector {
  /** Requirements sorted by key; all must match (AND). */
  readonly requirements: readonly LabelRequirement[];
  /** True when the selector selects everything (no requirements). */
  readonly empty: boolean;
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** Canonical string form, as labels.Selector.String(). */
  toString(): string;
}

/** metav1.LabelSelectorRequirement as it appears in objects. */
export interface LabelSelectorRequirementObject {
  key: string;
  operator: string;
  values?: string[];
}

/** metav1.LabelSelector as it appears in objects (spec.selector, ...). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementObject[];
}

// --- validation (k8s.io/apimachinery/pkg/util/validation) -------------------------------------

const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join("or ")}regex used for validation is '${fmt}')`;
}

function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) {
      errs.push("prefix part must be non-empty");
    } else {
      if (prefix.length > 253) errs.push("prefix part must be no more than 253 characters");
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) {
        errs.push("prefix part " + regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"));
      }
    }
  } else {
    return [
      "a qualified name " +
        regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc") +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push("name part " + regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"));
  }
  return errs;
}

function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push("must be no more than 63 characters");
  if (!LABEL_VALUE_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
  return errs;
}

/** field.Invalid(...).Error() */
function invalid(field: string, bad: string | readonly string[], detail: string): string {
  const shown = typeof bad === "string" ? JSON.stringify(bad) : `[]string{${bad.map((v) => JSON.stringify(v)).join(", ")}}`;
  return `${field}: Invalid value: ${shown}: ${detail}`;
}

/** utilerrors.Aggregate.Error() */
function aggregate(msgs: string[]): string {
  const unique = [...new Set(msgs)];
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`;
}

/** labels.NewRequirement: validates and returns the requirement, or the aggregated error message. */
function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement | string {
  const errs: string[] = [];
  const keyErrs = qualifiedNameErrors(key);
  if (keyErrs.length > 0) errs.push(invalid("key", key, keyErrs.join("; ")));
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) errs.push(invalid("values", values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) errs.push(invalid("values", values, "exact-match compatibility requires one single value"));
      break;
    case "exists":
    case "!":
      if (values.length !== 0) errs.push(invalid("values", values, "values set must be empty for exists and does not exist"));
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) errs.push(invalid("values", values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(invalid(`values[${i}][${key}]`, v, valueErrs.join("; ")));
  });
  return errs.length > 0 ? aggregate(errs) : { key, operator, values };
}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return has && value !== undefined && r.values.includes(value);
    case "!=":
    case "notin":
      return !has || value === undefined || !r.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has || value === undefined || !/^[+-]?\d+$/.test(value)) return false;
      const [want] = r.values;
      if (want === undefined) return false;
      const got = BigInt(value);
      return r.operator === "gt" ? got > BigInt(want) : got < BigInt(want);
    }
  }
}

function requirementString(r: LabelRequirement): string {
  const sorted = [...r.values].sort();
  switch (r.operator) {
    case "!":
      return `!${r.key}`;
    case "exists":
      return r.key;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${sorted.join(",")})`;
    case "gt":
      return `${r.key}>${sorted.join(",")}`;
    case "lt":
      return `${r.key}<${sorted.join(",")}`;
    default:
      return `${r.key}${r.operator}${sorted.join(",")}`;
  }
}

function makeSelector(reqs: readonly LabelRequirement[]): LabelSelector {
  const requirements = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements,
    empty: requirements.length === 0,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels ?? {})),
    toString: () => requirements.map(requirementString).join(","),
  };
}

/** A selector that selects nothing (labels.Nothing(), the result for a null metav1.LabelSelector). */
function nothingSelector(): LabelSelector {
  return { requirements: [], empty: false, matches: () => false, toString: () => "" };
}

// --- lexer -------------------------------------------------------------------------------------

type Tok = "error" | "end" | ")" | "," | "!" | "==" | "=" | ">" | "id" | "in" | "<" | "!=" | "notin" | "(";

const KEYWORDS: ReadonlyMap<string, Tok> = new Map<string, Tok>([
  [")", ")"],
  [",", ","],
  ["!", "!"],
  ["==", "=="],
  ["=", "="],
  [">", ">"],
  ["in", "in"],
  ["<", "<"],
  ["!=", "!="],
  ["notin", "notin"],
  ["(", "("],
]);

interface Item {
  tok: Tok;
  lit: string;
}

const isWhitespace = (ch: string): boolean => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
const isSpecial = (ch: string): boolean => "=!(),><".includes(ch) && ch !== "";

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s.charAt(pos))) pos++;
    if (pos >= s.length) {
      items.push({ tok: "end", lit: "" });
      return items;
    }
    if (isSpecial(s.charAt(pos))) {
      // Longest run of special characters that is still a known operator.
      let buffer = "";
      let last: Item | undefined;
      while (pos < s.length && isSpecial(s.charAt(pos))) {
        const next = buffer + s.charAt(pos);
        const tok = KEYWORDS.get(next);
        if (tok !== undefined) {
          last = { tok, lit: next };
        } else if (last !== undefined) {
          break;
        }
        buffer = next;
        pos++;
      }
      items.push(last ?? { tok: "error", lit: `error expected: keyword found '${buffer}'` });
      continue;
    }
    let lit = "";
    while (pos < s.length && !isSpecial(s.charAt(pos)) && !isWhitespace(s.charAt(pos))) lit += s.charAt(pos++);
    items.push({ tok: KEYWORDS.get(lit) ?? "id", lit });
  }
}

// --- parser (labels.Parser) ---------------------------------------------------------------------

class SelectorSyntaxError extends Error {}

const BINARY_OPERATORS: ReadonlyMap<Tok, LabelOperator> = new Map<Tok, LabelOperator>([
  ["in", "in"],
  ["notin", "notin"],
  ["=", "="],
  ["==", "=="],
  ["!=", "!="],
  [">", "gt"],
  ["<", "lt"],
]);

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  /** In a values context the keywords `in`/`notin` are plain identifiers. */
  private peek(values: boolean): Item {
    const item = this.items[this.position] ?? { tok: "end", lit: "" };
    return values && (item.tok === "in" || item.tok === "notin") ? { tok: "id", lit: item.lit } : item;
  }

  private next(values: boolean): Item {
    const item = this.peek(values);
    this.position++;
    return item;
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const { tok, lit } = this.peek(true);
      if (tok === "end") return reqs;
      if (tok !== "id" && tok !== "!") throw new SelectorSyntaxError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      reqs.push(this.requirement());
      const after = this.next(true);
      if (after.tok === "end") return reqs;
      if (after.tok !== ",") throw new SelectorSyntaxError(`found '${after.lit}', expected: ',' or 'end of string'`);
      const following = this.peek(true);
      if (following.tok !== "id" && following.tok !== "!") {
        throw new SelectorSyntaxError(`found '${following.lit}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): LabelRequirement {
    const fail = (msg: string): never => {
      throw new SelectorSyntaxError(`unable to parse requirement: ${msg}`);
    };
    let negated = false;
    let item = this.next(true);
    if (item.tok === "!") {
      negated = true;
      item = this.next(true);
    }
    if (item.tok !== "id") return fail(`found '${item.lit}', expected: identifier`);
    const key = item.lit;
    const keyErrs = qualifiedNameErrors(key);
    if (keyErrs.length > 0) return fail(invalid("<nil>", key, keyErrs.join("; ")));
    // `!key` never takes an operator: whatever follows is reported by the caller (`!a=b` fails on '=').
    if (negated) return this.validated(key, "!", [], fail);
    const ahead = this.peek(true).tok;
    if (ahead === "end" || ahead === ",") return this.validated(key, "exists", [], fail);
    const op = this.next(false);
    const operator = BINARY_OPERATORS.get(op.tok);
    if (operator === undefined) return fail(`found '${op.lit}', expected: in, notin, =, ==, !=, gt, lt`);
    const values = operator === "in" || operator === "notin" ? this.setValues(fail) : this.exactValue(fail);
    return this.validated(key, operator, values, fail);
  }

  private validated(key: string, operator: LabelOperator, values: string[], fail: (m: string) => never): LabelRequirement {
    const r = newRequirement(key, operator, values);
    return typeof r === "string" ? fail(r) : r;
  }

  private setValues(fail: (m: string) => never): string[] {
    const open = this.next(true);
    if (open.tok !== "(") return fail(`found '${open.lit}' expected: '('`);
    const first = this.peek(true);
    if (first.tok === ")") {
      this.next(true);
      return [""];
    }
    if (first.tok !== "id" && first.tok !== ",") return fail(`found '${first.lit}', expected: ',', ')' or identifier`);
    const set = new Set<string>();
    for (;;) {
      const item = this.next(true);
      if (item.tok === "id") {
        set.add(item.lit);
        const ahead = this.peek(true);
        if (ahead.tok === ",") continue;
        if (ahead.tok === ")") break;
        return fail(`found '${ahead.lit}', expected: ',' or ')'`);
      }
      if (item.tok === ",") {
        if (set.size === 0) set.add("");
        const ahead = this.peek(true);
        if (ahead.tok === ")") {
          set.add("");
          break;
        }
        if (ahead.tok === ",") {
          this.next(true);
          set.add("");
        }
        continue;
      }
      return fail(`found '${item.lit}', expected: ',', or identifier`);
    }
    const close = this.next(true);
    if (close.tok !== ")") return fail(`found '${close.lit}', expected: ')'`);
    return [...set].sort();
  }

  private exactValue(fail: (m: string) => never): string[] {
    const ahead = this.peek(true);
    if (ahead.tok === "end" || ahead.tok === ",") return [""];
    const item = this.next(true);
    if (item.tok === "id") return [item.lit];
    return fail(`found '${item.lit}', expected: identifier`);
  }
}

/**
 * Parses a label selector query (`?labelSelector=`), e.g. `app=web,tier in (a,b),!legacy`.
 * An empty string selects everything. Throws errors.badRequest on bad syntax.
 */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return makeSelector(new Parser(lex(s)).parse());
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw errors.badRequest(e.message);
    throw e;
  }
}

const EXPRESSION_OPERATORS: Readonly<Record<string, LabelOperator>> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * metav1.LabelSelectorAsSelector: matchLabels AND matchExpressions. A null/undefined selector selects
 * nothing; an empty one selects everything. Throws errors.badRequest for invalid keys, values or operators.
 */
export function labelSelectorFromObject(sel: LabelSelectorObject | null | undefined): LabelSelector {
  if (sel === null || sel === undefined) return nothingSelector();
  const reqs: LabelRequirement[] = [];
  const add = (r: LabelRequirement | string): void => {
    if (typeof r === "string") throw errors.badRequest(r);
    reqs.push(r);
  };
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) add(newRequirement(k, "=", [v]));
  for (const expr of sel.matchExpressions ?? []) {
    const op = EXPRESSION_OPERATORS[expr.operator];
    if (op === undefined) throw errors.badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    add(newRequirement(expr.key, op, [...(expr.values ?? [])]));
  }
  return makeSelector(reqs);
}

/** The string form of a metav1.LabelSelector ("" when it selects everything or nothing). */
export function labelSelectorToString(sel: LabelSelectorObject | null | undefined): string {
  return labelSelectorFromObject(sel).toString();
}

// ---------------------------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------------------------

export interface FieldTerm {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}

export interface FieldSelector {
  /** Terms sorted as the real parser sorts them; all must hold (AND). */
  readonly terms: readonly FieldTerm[];
  readonly empty: boolean;
  matches(obj: KObject): boolean;
  toString(): string;
}

function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const rest = term.slice(i);
    for (const op of ["!=", "==", "="]) {
      if (rest.startsWith(op)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

function unescapeValue(s: string): string {
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") {
        throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === "\\") {
      inSlash = true;
    } else if (c === "," || c === "=") {
      throw errors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0) ?? 0}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw errors.badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

const escapeValue = (v: string): string => v.replace(/[\\,=]/g, (c) => `\\${c}`);

/** Boolean fields the real field sets always render, "false" when unset. */
const BOOLEAN_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pod: ["spec.hostNetwork"],
  Node: ["spec.unschedulable"],
};

/** Field labels that are not plain paths of the object. */
const FIELD_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Event: { source: "source.component" },
};

/** The value a field label has on an object: a dotted path, scalars stringified, missing as "". */
export function fieldValue(obj: KObject, field: string): string {
  const path = FIELD_ALIASES[obj.kind]?.[field] ?? field;
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) {
      cur = undefined;
      break;
    }
    cur = (cur as Record<string, unknown>)[part];
  }
  if (typeof cur === "string") return cur;
  if (typeof cur === "number" || typeof cur === "boolean") return String(cur);
  if (cur === undefined && BOOLEAN_FIELDS[obj.kind]?.includes(field)) return "false";
  return "";
}

/**
 * Parses a field selector query (`?fieldSelector=`): comma-separated `path=value`, `path==value`,
 * `path!=value` terms, `\` escaping `\`, `,` and `=` in values. Any dotted path is accepted.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const terms: FieldTerm[] = [];
  for (const part of splitTerms(s).sort()) {
    if (part === "") continue;
    const split = splitTerm(part);
    if (split === undefined) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeValue(split.rhs);
    terms.push({ field: split.lhs, operator: split.op === "!=" ? "!=" : "=", value });
  }
  return {
    terms,
    empty: terms.length === 0,
    matches: (obj) => terms.every((t) => (fieldValue(obj, t.field) === t.value) === (t.operator === "=")),
    toString: () => terms.map((t) => `${t.field}${t.operator}${escapeValue(t.value)}`).join(","),
  };
}
