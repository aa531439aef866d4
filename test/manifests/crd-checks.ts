// A CustomResourceDefinition's schema as apiextensions.k8s.io/v1 requires it: structural (a type on every node,
// unless it is int-or-string or keeps unknown fields), none of the JSON-Schema keywords v1 forbids, and printer
// columns whose jsonPath exists in the schema.
import { arr, isRecord, rec, str, type JsonRecord, type KObject } from "./objects.ts";

const TYPES = new Set(["object", "array", "string", "integer", "number", "boolean"]);

/** Keywords apiextensions v1 accepts on a schema node (x-kubernetes-* are checked by name prefix). */
const ALLOWED = new Set([
  "type", "format", "title", "description", "default", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
  "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf", "enum", "maxProperties",
  "minProperties", "required", "items", "allOf", "oneOf", "anyOf", "not", "properties", "additionalProperties",
  "nullable", "example", "externalDocs",
]);

const COLUMN_TYPES = new Set(["integer", "number", "string", "boolean", "date"]);

function walk(node: unknown, path: string, root: boolean, out: string[]): void {
  if (!isRecord(node)) {
    out.push(`${path}: a schema must be an object`);
    return;
  }
  for (const key of Object.keys(node)) {
    if (!ALLOWED.has(key) && !key.startsWith("x-kubernetes-")) out.push(`${path}: keyword ${key} is not allowed in apiextensions.k8s.io/v1`);
  }
  const preserve = node["x-kubernetes-preserve-unknown-fields"];
  if (preserve !== undefined && preserve !== true) out.push(`${path}: x-kubernetes-preserve-unknown-fields must be true when set`);
  const type = node.type;
  if (type === undefined) {
    if (root) out.push(`${path}.type: must be object at the root`);
    else if (preserve !== true && node["x-kubernetes-int-or-string"] !== true) out.push(`${path}.type: a structural schema needs a type`);
  } else if (typeof type !== "string" || !TYPES.has(type)) {
    out.push(`${path}.type: ${String(type)} is not a type`);
  } else if (root && type !== "object") {
    out.push(`${path}.type: must be object at the root`);
  }
  if (node.uniqueItems === true) out.push(`${path}.uniqueItems: cannot be true`);
  if (node.additionalProperties === false) out.push(`${path}.additionalProperties: cannot be false`);
  if (node.additionalProperties !== undefined && node.properties !== undefined) out.push(`${path}: properties and additionalProperties are mutually exclusive`);
  if (type === "array" && node.items === undefined) out.push(`${path}.items: an array needs items`);
  const props = rec(node.properties);
  for (const r of arr(node.required)) {
    if (typeof r !== "string" || !(r in props)) out.push(`${path}.required: ${String(r)} is not a property`);
  }
  for (const [name, child] of Object.entries(props)) walk(child, `${path}.properties.${name}`, false, out);
  if (node.items !== undefined) walk(node.items, `${path}.items`, false, out);
  if (isRecord(node.additionalProperties)) walk(node.additionalProperties, `${path}.additionalProperties`, false, out);
  if (root) {
    const meta = rec(props.metadata);
    const extra = Object.keys(rec(meta.properties)).filter((k) => k !== "name" && k !== "generateName");
    if (extra.length > 0) out.push(`${path}.properties.metadata: only name and generateName may be specified (${extra.join(", ")})`);
  }
}

/** The schema node a printer column's jsonPath (.spec.profile) points at; "open" when it runs into kept unknown fields. */
export function resolveJsonPath(schema: JsonRecord, jsonPath: string): JsonRecord | "open" | undefined {
  const segments = jsonPath.replace(/^\./, "").split(".");
  if (segments[0] === "metadata") return { type: "string" };
  let node: JsonRecord = schema;
  for (const seg of segments) {
    const next = rec(node.properties)[seg];
    if (isRecord(next)) node = next;
    else return node["x-kubernetes-preserve-unknown-fields"] === true ? "open" : undefined;
  }
  return node;
}

/** Every problem of a CRD's versions that the API server would reject, or that would make its columns empty. */
export function crdProblems(crd: KObject): string[] {
  const out: string[] = [];
  const spec = rec(crd.spec);
  const versions = arr(spec.versions);
  if (versions.length === 0) out.push("spec.versions: none");
  versions.forEach((raw, i) => {
    const v = rec(raw);
    const at = `spec.versions[${i}]`;
    const schema = rec(v.schema).openAPIV3Schema;
    if (!isRecord(schema)) {
      out.push(`${at}.schema.openAPIV3Schema: missing`);
      return;
    }
    walk(schema, `${at}.schema.openAPIV3Schema`, true, out);
    const hasStatus = isRecord(rec(schema.properties).status);
    if (hasStatus && !isRecord(rec(v.subresources).status)) out.push(`${at}.subresources.status: the schema has a status but no status subresource`);
    arr(v.additionalPrinterColumns).forEach((c, j) => {
      const col = rec(c);
      const name = str(col.name) ?? "";
      const path = str(col.jsonPath) ?? "";
      if (!COLUMN_TYPES.has(str(col.type) ?? "")) out.push(`${at}.additionalPrinterColumns[${j}] ${name}: type ${String(col.type)} is not a column type`);
      if (resolveJsonPath(schema, path) === undefined) out.push(`${at}.additionalPrinterColumns[${j}] ${name}: ${path} is not in the schema`);
    });
  });
  return out;
}
