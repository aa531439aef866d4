// JSON Schema validation of custom resources with ajv, worded like the API server's (kube-openapi) errors.

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { fullFormats } from "ajv-formats/dist/formats.js";
import type { FieldCause } from "../types.ts";
import { fieldError } from "./field-errors.ts";
import { deepCopy, isRecord } from "./json.ts";
import { pointerSegments } from "./schema-errors.ts";

const GO_DURATION_RE = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$|^0$/;
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const CIDR_RE = /^(\d{1,3}(\.\d{1,3}){3}\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/;
const MAC_RE = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;
const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const uuidVersion = (v: number) => new RegExp(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?${v}[0-9a-fA-F]{3}-?[89abAB][0-9a-fA-F]{3}-?[0-9a-fA-F]{12}$`);
const ANY = () => true;

/** The formats the API server checks (k8s.io/kube-openapi strfmt); any other format is ignored. */
const FORMATS = {
  uri: fullFormats.uri,
  email: fullFormats.email,
  hostname: fullFormats.hostname,
  ipv4: fullFormats.ipv4,
  ipv6: fullFormats.ipv6,
  date: fullFormats.date,
  byte: fullFormats.byte,
  "date-time": DATE_TIME_RE,
  datetime: DATE_TIME_RE,
  duration: GO_DURATION_RE,
  cidr: CIDR_RE,
  mac: MAC_RE,
  uuid: UUID_RE,
  uuid3: uuidVersion(3),
  uuid4: uuidVersion(4),
  uuid5: uuidVersion(5),
  bsonobjectid: /^[0-9a-fA-F]{24}$/,
  hexcolor: /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/,
  rgbcolor: /^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/,
  password: ANY,
  isbn: ANY,
  isbn10: ANY,
  isbn13: ANY,
  creditcard: ANY,
  ssn: ANY,
  int32: { type: "number" as const, validate: ANY },
  int64: { type: "number" as const, validate: ANY },
  float: { type: "number" as const, validate: ANY },
  double: { type: "number" as const, validate: ANY },
};

/**
 * A copy of an OpenAPI v3 (Kubernetes flavoured) schema that ajv understands: boolean exclusiveMinimum/Maximum
 * become numeric ones, `nullable` without a `type` is dropped (ajv requires a type for it).
 */
export function toAjvSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toAjvSchema);
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "default" || k === "example" || k === "enum") out[k] = deepCopy(v);
    else if (k === "properties" || k === "patternProperties" || k === "definitions") {
      out[k] = isRecord(v) ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, toAjvSchema(s)])) : v;
    } else out[k] = toAjvSchema(v);
  }
  for (const [flag, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]] as const) {
    if (typeof out[flag] === "boolean") {
      if (out[flag] === true && typeof out[bound] === "number") {
        out[flag] = out[bound];
        delete out[bound];
      } else delete out[flag];
    }
  }
  if (out.nullable === true && out.type === undefined) delete out.nullable;
  return out;
}

export function compileAjv(schema: unknown): ValidateFunction {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateSchema: false,
    unicodeRegExp: false,
    logger: false,
    formats: FORMATS,
  });
  const root = toAjvSchema(schema);
  return ajv.compile(isRecord(root) ? root : {});
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Kubernetes field path of a JSON pointer into `root`: array elements as [i], everything else dotted. */
function fieldPathOf(root: unknown, segments: readonly string[]): string {
  let path = "";
  let v = root;
  for (const s of segments) {
    if (Array.isArray(v)) {
      path += `[${s}]`;
      v = v[Number(s)];
    } else {
      path = path === "" ? s : `${path}.${s}`;
      v = isRecord(v) ? v[s] : undefined;
    }
  }
  return path;
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const s of segments) v = Array.isArray(v) ? v[Number(s)] : isRecord(v) ? v[s] : undefined;
  return v;
}

function isJunctorBranch(e: ErrorObject): boolean {
  return /\/(oneOf|anyOf|allOf)\/\d+\/|\/not\//.test(e.schemaPath);
}

/** The causes for ajv's errors, with kube-openapi's wording ("spec.x in body should match '...'"). */
export function ajvCauses(obj: unknown, errors: readonly ErrorObject[]): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const e of errors) {
    if (isJunctorBranch(e) && e.keyword !== "oneOf" && e.keyword !== "anyOf" && e.keyword !== "not") continue;
    const segs = pointerSegments(e.instancePath);
    const field = fieldPathOf(obj, segs);
    const body = field === "" ? "body" : field;
    const value = valueAt(obj, segs);
    const p: Record<string, unknown> = e.params;
    switch (e.keyword) {
      case "required":
        causes.push(fieldError.required(fieldPathOf(obj, [...segs, String(p.missingProperty)])));
        break;
      case "type": {
        const want = String(p.type).split(",")[0] ?? "";
        const got = jsonType(value);
        causes.push(fieldError.typeInvalid(field, got, `${body} in body must be of type ${want}: ${JSON.stringify(got)}`));
        break;
      }
      case "enum": {
        const allowed = Array.isArray(p.allowedValues) ? p.allowedValues.map((x) => (typeof x === "string" ? x : JSON.stringify(x))) : [];
        causes.push(fieldError.notSupported(field, value, allowed));
        break;
      }
      case "pattern":
        causes.push(fieldError.invalid(field, value, `${body} in body should match '${String(p.pattern)}'`));
        break;
      case "format":
        causes.push(fieldError.invalid(field, value, `${body} in body must be of type ${String(p.format)}: ${JSON.stringify(value)}`));
        break;
      case "maxLength":
        causes.push(fieldError.tooLong(field, Number(p.limit)));
        break;
      case "minLength":
        causes.push(fieldError.invalid(field, value, `${body} in body should be at least ${String(p.limit)} chars long`));
        break;
      case "maximum":
      case "exclusiveMaximum":
        causes.push(fieldError.invalid(field, value, `${body} in body should be less than ${e.keyword === "maximum" ? "or equal to " : ""}${String(p.limit)}`));
        break;
      case "minimum":
      case "exclusiveMinimum":
        causes.push(fieldError.invalid(field, value, `${body} in body should be greater than ${e.keyword === "minimum" ? "or equal to " : ""}${String(p.limit)}`));
        break;
      case "multipleOf":
        causes.push(fieldError.invalid(field, value, `${body} in body should be a multiple of ${String(p.multipleOf)}`));
        break;
      case "maxItems":
        causes.push(fieldError.tooMany(field, Array.isArray(value) ? value.length : 0, Number(p.limit)));
        break;
      case "minItems":
        causes.push(fieldError.invalid(field, Array.isArray(value) ? value.length : 0, `${body} in body should have at least ${String(p.limit)} items`));
        break;
      case "uniqueItems":
      {
        const i = Math.max(Number(p.i), Number(p.j));
        causes.push(fieldError.duplicate(`${field}[${i}]`, Array.isArray(value) ? value[i] : value));
      }
        break;
      case "maxProperties":
        causes.push(fieldError.tooMany(field, isRecord(value) ? Object.keys(value).length : 0, Number(p.limit)));
        break;
      case "minProperties":
        causes.push(fieldError.invalid(field, jsonType(value), `${body} in body should have at least ${String(p.limit)} properties`));
        break;
      case "oneOf":
        causes.push(fieldError.invalid(field, jsonType(value), `${body} in body must validate one and only one schema (oneOf)`));
        break;
      case "anyOf":
        causes.push(fieldError.invalid(field, jsonType(value), `${body} in body must validate at least one schema (anyOf)`));
        break;
      case "not":
        causes.push(fieldError.invalid(field, jsonType(value), `${body} in body must not validate the schema (not)`));
        break;
      default:
        causes.push(fieldError.invalid(field, value, `${body} in body ${e.message ?? `failed ${e.keyword}`}`));
    }
  }
  return causes;
}
