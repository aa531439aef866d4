// Turns the ajv errors of kubernetes-models' validators into Kubernetes field causes.

import type { FieldCause } from "../types.ts";
import type { SchemaError } from "./builtin-kinds.ts";
import { fieldError } from "./field-errors.ts";
import { isRecord } from "./json.ts";
import { modelTypes } from "./model-types.ts";
import { QUANTITY_FORMAT_MESSAGE } from "./quantity.ts";

export function pointerSegments(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const s of segments) {
    if (Array.isArray(v)) v = v[Number(s)];
    else if (isRecord(v)) v = v[s];
    else return undefined;
  }
  return v;
}

const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  "date-time": "must be an RFC3339 date-time",
  int32: "must be a 32-bit integer",
  int64: "must be a 64-bit integer",
  quantity: QUANTITY_FORMAT_MESSAGE,
};

function isBranchKeyword(e: SchemaError): boolean {
  return e.keyword === "oneOf" || e.keyword === "anyOf";
}

/** Field causes for the schema errors of an object whose model (client-node name) is `modelName`. */
export function schemaCauses(modelName: string | undefined, obj: unknown, errors: readonly SchemaError[]): FieldCause[] {
  // A oneOf/anyOf (IntOrString, Quantity) failure stands for the errors of its branches at and below its path.
  const branchPaths = errors.filter(isBranchKeyword).map((e) => e.instancePath);
  const underBranch = (e: SchemaError) =>
    branchPaths.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`));
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  const push = (c: FieldCause) => {
    const key = `${c.reason}\u0000${c.field}\u0000${c.message}`;
    if (!seen.has(key)) causes.push(c);
    seen.add(key);
  };
  for (const e of errors) {
    const segs = pointerSegments(e.instancePath);
    const field = modelTypes.fieldPath(modelName, segs);
    const value = valueAt(obj, segs);
    if (isBranchKeyword(e)) {
      const quantity = errors.some(
        (x) => x.instancePath === e.instancePath && x.keyword === "format" && x.params.format === "quantity",
      );
      push(fieldError.invalid(field, value, quantity ? QUANTITY_FORMAT_MESSAGE : "must be an integer or a string"));
      continue;
    }
    if (underBranch(e)) continue;
    switch (e.keyword) {
      case "required": {
        const missing = typeof e.params.missingProperty === "string" ? e.params.missingProperty : "";
        push(fieldError.required(modelTypes.fieldPath(modelName, [...segs, missing])));
        break;
      }
      case "type":
        push(fieldError.typeInvalid(field, value, `must be of type ${String(e.params.type)}`));
        break;
      case "enum": {
        const allowed = Array.isArray(e.params.allowedValues) ? e.params.allowedValues.map(String) : [];
        push(fieldError.notSupported(field, value, allowed));
        break;
      }
      case "format": {
        const format = String(e.params.format);
        if (format === "byte") push(fieldError.invalid(field, "<value omitted>", "must be base64-encoded data"));
        else push(fieldError.invalid(field, value, FORMAT_MESSAGES[format] ?? `must be a valid ${format}`));
        break;
      }
      default:
        push(fieldError.invalid(field, value, e.message ?? `failed ${e.keyword} validation`));
    }
  }
  return causes;
}
