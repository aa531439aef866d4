// Builders of Kubernetes field errors (k8s.io/apimachinery/pkg/util/validation/field) as metav1.StatusCause values.
// The message is the error's "body" exactly as the real API server words it: "Required value", "Invalid value: "x": why", ...

import type { FieldCause } from "../types.ts";
import { isRecord } from "./json.ts";

/** A field path as Kubernetes prints it: `spec.containers[0].name`, map keys in brackets: `metadata.labels[app]`. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(...names: string[]): FieldPath {
    return new FieldPath("").child(...names);
  }

  child(...names: string[]): FieldPath {
    let t = this.text;
    for (const n of names) t = t === "" ? n : `${t}.${n}`;
    return new FieldPath(t);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

type At = FieldPath | string;

/** Prints a bad value the way Go's field.Error does (%q for strings, %v for numbers, %#v-like for the rest). */
export function formatValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) {
    return `[]string{${v.map((x) => JSON.stringify(x)).join(", ")}}`;
  }
  if (isRecord(v) && Object.values(v).every((x) => typeof x === "string")) {
    const body = Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${JSON.stringify(v[k])}`)
      .join(", ");
    return `map[string]string{${body}}`;
  }
  return JSON.stringify(v);
}

function cause(reason: string, field: At, body: string, detail?: string): FieldCause {
  return { reason, field: String(field), message: detail ? `${body}: ${detail}` : body };
}

export const fieldError = {
  required: (field: At, detail?: string) => cause("FieldValueRequired", field, "Required value", detail),
  invalid: (field: At, value: unknown, detail?: string) =>
    cause("FieldValueInvalid", field, `Invalid value: ${formatValue(value)}`, detail),
  typeInvalid: (field: At, value: unknown, detail?: string) =>
    cause("FieldValueTypeInvalid", field, `Invalid value: ${formatValue(value)}`, detail),
  notSupported: (field: At, value: unknown, valid: readonly string[]) =>
    cause(
      "FieldValueNotSupported",
      field,
      `Unsupported value: ${formatValue(value)}`,
      valid.length > 0 ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(", ")}` : undefined,
    ),
  forbidden: (field: At, detail?: string) => cause("FieldValueForbidden", field, "Forbidden", detail),
  duplicate: (field: At, value: unknown) => cause("FieldValueDuplicate", field, `Duplicate value: ${formatValue(value)}`),
  notFound: (field: At, value: unknown) => cause("FieldValueNotFound", field, `Not found: ${formatValue(value)}`),
  tooLong: (field: At, maxBytes: number) =>
    cause("FieldValueTooLong", field, "Too long", `may not be more than ${maxBytes} bytes`),
  tooMany: (field: At, actual: number, max: number) =>
    cause("FieldValueTooMany", field, `Too many: ${actual}`, `must have at most ${max} items`),
  /** The "field is immutable" error of apimachinery's ValidateImmutableField. */
  immutable: (field: At, value: unknown) =>
    cause("FieldValueInvalid", field, `Invalid value: ${formatValue(value)}`, "field is immutable"),
};

/** The causes without repeats (the schema and a semantic rule may both report one missing field). */
export function uniqueCauses(causes: readonly FieldCause[]): FieldCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const key = `${c.reason}\u0000${c.field}\u0000${c.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
