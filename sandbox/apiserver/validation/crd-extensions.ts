// The validations of a CRD schema that are not JSON Schema: x-kubernetes-validations (CEL, with oldSelf
// correlated on update), x-kubernetes-int-or-string, list types set/map, and embedded resources.

import type { FieldCause } from "../types.ts";
import { runRule } from "./cel.ts";
import type { SchemaNode } from "./crd-schema.ts";
import { fieldError } from "./field-errors.ts";
import { deepEqual, isRecord } from "./json.ts";

const CEL_RESERVED = new Set([
  "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import",
  "let", "loop", "package", "namespace", "return", "var", "void", "while",
]);

/** The name under which a property is seen from CEL (`namespace` -> `__namespace__`, `a-b` -> `a__dash__b`). */
export function celPropertyName(name: string): string | undefined {
  if (name === "" || /^[0-9]/.test(name)) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  let ok = true;
  const escaped = name.replace(/__|[-./]|[^a-zA-Z0-9_]/g, (m) => {
    switch (m) {
      case "__":
        return "__underscores__";
      case ".":
        return "__dot__";
      case "-":
        return "__dash__";
      case "/":
        return "__slash__";
      default:
        ok = false;
        return "";
    }
  });
  return ok ? escaped : undefined;
}

const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A JSON value as CEL sees it under a schema: integers as int (bigint), date-times as timestamps, escaped names. */
export function celValue(value: unknown, node: SchemaNode | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") {
    if (node?.type === "number") return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value === "string") {
    if (node?.format === "date-time" && DATE_TIME_RE.test(value)) {
      const d = new Date(value);
      if (!Number.isNaN(d.getTime())) return d;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => celValue(v, node?.items));
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  const ap = node?.additionalProperties;
  for (const [k, v] of Object.entries(value)) {
    const prop = node?.properties?.get(k);
    if (prop) {
      const name = celPropertyName(k);
      if (name !== undefined) out[name] = celValue(v, prop);
    } else if (ap && ap !== "any") {
      out[k] = celValue(v, ap);
    } else if (node?.properties && !ap) {
      const name = celPropertyName(k);
      if (name !== undefined) out[name] = celValue(v, undefined);
    } else {
      out[k] = celValue(v, undefined);
    }
  }
  return out;
}

function typeName(node: SchemaNode): string {
  return node.type ?? "";
}

function ruleCause(reason: string, field: string, value: string, message: string): FieldCause {
  switch (reason) {
    case "FieldValueForbidden":
      return fieldError.forbidden(field, message);
    case "FieldValueRequired":
      return fieldError.required(field, message);
    case "FieldValueDuplicate":
      return { ...fieldError.duplicate(field, value), message: `Duplicate value: ${JSON.stringify(value)}: ${message}` };
    default:
      return fieldError.invalid(field, value, message);
  }
}

function mapKeyOf(item: unknown, keys: readonly string[]): string | undefined {
  if (!isRecord(item)) return undefined;
  return JSON.stringify(keys.map((k) => item[k] ?? null));
}

/** An old value that corresponds to `value`, if the walk may correlate them; `present` says whether there is one. */
interface Old {
  present: boolean;
  value: unknown;
}
const NO_OLD: Old = { present: false, value: undefined };

function oldChild(old: Old, key: string): Old {
  return old.present && isRecord(old.value) && old.value[key] !== undefined ? { present: true, value: old.value[key] } : NO_OLD;
}

function joinField(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Walks a value and its schema, pushing the causes of every extension rule that fails. */
export function validateExtensions(value: unknown, node: SchemaNode, path: string, old: Old, causes: FieldCause[]): void {
  if (value === undefined || value === null) return;
  if (node.intOrString && !node.hasJunctor && typeof value !== "string" && !(typeof value === "number" && Number.isInteger(value))) {
    causes.push(fieldError.typeInvalid(path, typeof value, `${path || "body"} in body must be of type integer-or-string: ${JSON.stringify(typeof value)}`));
  }
  if (node.embedded && isRecord(value)) {
    if (typeof value.apiVersion !== "string" || value.apiVersion === "") causes.push(fieldError.required(joinField(path, "apiVersion"), "must not be empty"));
    if (typeof value.kind !== "string" || value.kind === "") causes.push(fieldError.required(joinField(path, "kind"), "must not be empty"));
  }
  const self = node.rules.length > 0 ? celValue(value, node) : undefined;
  for (const rule of node.rules) {
    if (rule.usesOldSelf && !old.present && !rule.optionalOldSelf) continue;
    const outcome = runRule(rule, rule.usesOldSelf ? { self, oldSelf: old.present ? celValue(old.value, node) : null } : { self });
    if (!outcome.ok) {
      const field = rule.fieldPath ? (rule.fieldPath.startsWith("[") ? `${path}${rule.fieldPath}` : joinField(path, rule.fieldPath)) : path;
      causes.push(ruleCause(rule.reason, field, typeName(node), outcome.message));
    }
  }
  if (Array.isArray(value)) {
    const items = node.items;
    if (node.listType === "set") {
      value.forEach((v, i) => {
        if (value.slice(0, i).some((w) => deepEqual(v, w))) causes.push(fieldError.duplicate(`${path}[${i}]`, v));
      });
    }
    const mapKeys = node.listType === "map" ? node.listMapKeys : undefined;
    const oldByKey = new Map<string, unknown>();
    if (mapKeys && old.present && Array.isArray(old.value)) {
      for (const o of old.value) {
        const k = mapKeyOf(o, mapKeys);
        if (k !== undefined) oldByKey.set(k, o);
      }
    }
    const seen = new Set<string>();
    value.forEach((v, i) => {
      const key = mapKeys ? mapKeyOf(v, mapKeys) : undefined;
      if (mapKeys && key !== undefined) {
        if (seen.has(key)) causes.push(fieldError.duplicate(`${path}[${i}]`, isRecord(v) ? Object.fromEntries(mapKeys.map((k) => [k, v[k]])) : v));
        seen.add(key);
      }
      if (items) {
        const o = key !== undefined && oldByKey.has(key) ? { present: true, value: oldByKey.get(key) } : NO_OLD;
        validateExtensions(v, items, `${path}[${i}]`, o, causes);
      }
    });
    return;
  }
  if (!isRecord(value)) return;
  const ap = node.additionalProperties;
  for (const [k, v] of Object.entries(value)) {
    const child = node.properties?.get(k) ?? (ap && ap !== "any" ? ap : undefined);
    if (!child) continue;
    const childPath = node.properties?.has(k) ? joinField(path, k) : `${path}[${k}]`;
    validateExtensions(v, child, childPath, oldChild(old, k), causes);
  }
}

export function oldRoot(old: unknown): Old {
  return old === undefined ? NO_OLD : { present: true, value: old };
}
