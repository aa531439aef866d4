// A CRD version's openAPIV3Schema as a structural tree (properties / additionalProperties / items, with the
// Kubernetes extensions read), and what is done by walking it: pruning unknown fields and defaulting.

import type { Environment } from "@marcbachmann/cel-js";
import { type CompiledRule, compileRule } from "./cel.ts";
import { arr, deepCopy, isRecord, str } from "./json.ts";

export interface SchemaNode {
  type?: string;
  format?: string;
  nullable: boolean;
  properties?: ReadonlyMap<string, SchemaNode>;
  /** A schema for every other key, or "any" for `additionalProperties: true`. */
  additionalProperties?: SchemaNode | "any";
  items?: SchemaNode;
  preserveUnknown: boolean;
  embedded: boolean;
  intOrString: boolean;
  /** Whether the schema has its own anyOf/oneOf (which ajv checks, e.g. the generated int-or-string anyOf). */
  hasJunctor: boolean;
  listType?: string;
  listMapKeys: readonly string[];
  rules: readonly CompiledRule[];
  hasDefault: boolean;
  defaultValue?: unknown;
}

/** A rule that cannot be compiled, with the schema path of its x-kubernetes-validations entry. */
export interface RuleError {
  schemaPath: string;
  index: number;
  rule: unknown;
  error: string;
}

/** Builds the tree; rules that do not compile are left out and reported in `ruleErrors`. */
export function compileSchema(raw: unknown, env: Environment, ruleErrors: RuleError[], schemaPath = "openAPIV3Schema"): SchemaNode {
  const s = isRecord(raw) ? raw : {};
  const rules: CompiledRule[] = [];
  arr(s["x-kubernetes-validations"]).forEach((r, i) => {
    const c = compileRule(env, r);
    if ("error" in c) ruleErrors.push({ schemaPath, index: i, rule: isRecord(r) ? r.rule : r, error: c.error });
    else rules.push(c);
  });
  const props = isRecord(s.properties)
    ? new Map(Object.entries(s.properties).map(([k, v]) => [k, compileSchema(v, env, ruleErrors, `${schemaPath}.properties[${k}]`)] as const))
    : undefined;
  const ap = s.additionalProperties;
  const additionalProperties =
    ap === true ? ("any" as const) : isRecord(ap) ? compileSchema(ap, env, ruleErrors, `${schemaPath}.additionalProperties`) : undefined;
  const type = str(s.type);
  const format = str(s.format);
  const listType = str(s["x-kubernetes-list-type"]);
  return {
    ...(type !== undefined ? { type } : {}),
    ...(format !== undefined ? { format } : {}),
    nullable: s.nullable === true,
    ...(props ? { properties: props } : {}),
    ...(additionalProperties ? { additionalProperties } : {}),
    ...(isRecord(s.items) ? { items: compileSchema(s.items, env, ruleErrors, `${schemaPath}.items`) } : {}),
    preserveUnknown: s["x-kubernetes-preserve-unknown-fields"] === true,
    embedded: s["x-kubernetes-embedded-resource"] === true,
    intOrString: s["x-kubernetes-int-or-string"] === true,
    hasJunctor: Array.isArray(s.anyOf) || Array.isArray(s.oneOf),
    ...(listType !== undefined ? { listType } : {}),
    listMapKeys: arr(s["x-kubernetes-list-map-keys"]).filter((k): k is string => typeof k === "string"),
    rules,
    hasDefault: "default" in s,
    ...("default" in s ? { defaultValue: s.default } : {}),
  };
}

const ROOT_KEPT = new Set(["apiVersion", "kind", "metadata"]);
const EMBEDDED_KEPT = new Set(["apiVersion", "kind", "metadata"]);

function joinKey(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Structural pruning: a copy of `value` without the fields the schema does not specify, the way the API server
 * drops them (x-kubernetes-preserve-unknown-fields keeps them; apiVersion/kind/metadata of the root and of
 * embedded resources are kept; nulls of non-nullable fields are dropped). Pruned paths are pushed to `pruned`.
 */
export function pruneValue(value: unknown, node: SchemaNode, path: string, pruned: string[], root = false): unknown {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items) return deepCopy(value);
    return value.map((v, i) => pruneValue(v, items, `${path}[${i}]`, pruned));
  }
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const childPath = joinKey(path, k);
    if ((root && ROOT_KEPT.has(k)) || (node.embedded && EMBEDDED_KEPT.has(k) && !node.properties?.has(k))) {
      out[k] = deepCopy(v);
      continue;
    }
    const child = node.properties?.get(k) ?? (node.additionalProperties !== "any" ? node.additionalProperties : undefined);
    if (child) {
      if (v === null && !child.nullable) continue;
      out[k] = pruneValue(v, child, childPath, pruned);
    } else if (node.additionalProperties === "any" || node.preserveUnknown) {
      out[k] = deepCopy(v);
    } else {
      pruned.push(childPath);
    }
  }
  return out;
}

/** Applies `default`s of absent properties (and of nested ones), in place. The root's metadata is left alone. */
export function applyDefaults(value: unknown, node: SchemaNode, root = false): void {
  if (Array.isArray(value)) {
    const items = node.items;
    if (items) for (const v of value) applyDefaults(v, items);
    return;
  }
  if (!isRecord(value)) return;
  if (node.properties) {
    for (const [k, child] of node.properties) {
      if (root && k === "metadata") continue;
      if (value[k] === undefined && child.hasDefault) value[k] = deepCopy(child.defaultValue);
      if (value[k] !== undefined) applyDefaults(value[k], child);
    }
  }
  const ap = node.additionalProperties;
  if (ap && ap !== "any") {
    for (const [k, v] of Object.entries(value)) if (!node.properties?.has(k)) applyDefaults(v, ap);
  }
}
