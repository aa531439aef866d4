// Name, label, annotation and finalizer rules of Kubernetes object metadata
// (k8s.io/apimachinery/pkg/util/validation and .../api/validation), with the real error wording.

import type { FieldCause, ObjectMeta, ResourceInfo } from "../types.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { isRecord } from "./json.ts";

const DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;

const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** validation.RegexError: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<fmt>')". */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  const eg = examples.map((e, i) => `${i > 0 ? " or " : ""}'${e}', `).join("");
  return `${msg} (e.g. ${eg}regex used for validation is '${fmt}')`;
}

const maxLenError = (n: number) => `must be no more than ${n} characters`;

/** The messages of IsDNS1123Label; empty when valid. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(maxLenError(DNS1123_LABEL_MAX));
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        "my-name",
        "123-abc",
      ),
    );
  }
  return errs;
}

/** The messages of IsDNS1123Subdomain; empty when valid. */
export function isDNS1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        "example.com",
      ),
    );
  }
  return errs;
}

/** The messages of IsDNS1035Label (Service names, CRD version names); empty when valid. */
export function isDNS1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) errs.push(maxLenError(DNS1123_LABEL_MAX));
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
        DNS1035_LABEL_FMT,
        "my-name",
        "abc-123",
      ),
    );
  }
  return errs;
}

/** The messages of path.IsValidPathSegmentName (RBAC object names). */
export function isPathSegmentName(value: string): string[] {
  const errs: string[] = [];
  for (const bad of [".", ".."]) if (value === bad) errs.push(`may not be '${bad}'`);
  for (const bad of ["/", "%"]) if (value.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** The messages of IsQualifiedName (label keys, annotation keys, finalizers): `[prefix/]name`. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > QUALIFIED_NAME_MAX) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX)}`);
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}`);
  }
  return errs;
}

/** The messages of IsValidLabelValue. */
export function isLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LABEL_VALUE_MAX) errs.push(maxLenError(LABEL_VALUE_MAX));
  if (!LABEL_VALUE_RE.test(value)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        "MyValue",
        "my_value",
        "12345",
      ),
    );
  }
  return errs;
}

/** Which rule names a resource's objects: the one the real API server applies for that resource. */
export function nameRuleFor(info: Pick<ResourceInfo, "group" | "plural">): (name: string) => string[] {
  if (info.group === "" && info.plural === "namespaces") return isDNS1123Label;
  if (info.group === "" && info.plural === "services") return isDNS1035Label;
  if (info.group === "rbac.authorization.k8s.io") return isPathSegmentName;
  return isDNS1123Subdomain;
}

/** metadata.name of a new object. */
export function validateName(info: Pick<ResourceInfo, "group" | "plural">, name: string): FieldCause[] {
  const field = "metadata.name";
  if (name === "") return [fieldError.required(field, "name or generateName is required")];
  return nameRuleFor(info)(name).map((m) => fieldError.invalid(field, name, m));
}

/** ValidateLabels: keys are qualified names, values label values; the field is the map itself. */
export function validateLabels(labels: unknown, path: FieldPath): FieldCause[] {
  if (!isRecord(labels)) return [];
  const causes: FieldCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) causes.push(fieldError.invalid(path, k, m));
    if (typeof v === "string") for (const m of isLabelValue(v)) causes.push(fieldError.invalid(path, v, m));
  }
  return causes;
}

/** ValidateAnnotations: case-insensitive qualified-name keys, and at most 256 KiB of keys and values in all. */
export function validateAnnotations(annotations: unknown, path: FieldPath): FieldCause[] {
  if (!isRecord(annotations)) return [];
  const causes: FieldCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) causes.push(fieldError.invalid(path, k, m));
    size += Buffer.byteLength(k) + (typeof v === "string" ? Buffer.byteLength(v) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(fieldError.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

/** The metadata checks every object gets besides its name: labels, annotations, finalizers, owner references. */
export function validateObjectMeta(meta: ObjectMeta | undefined): FieldCause[] {
  if (!meta) return [];
  const path = FieldPath.root("metadata");
  const causes = [
    ...validateLabels(meta.labels, path.child("labels")),
    ...validateAnnotations(meta.annotations, path.child("annotations")),
  ];
  const seen = new Set<string>();
  (meta.finalizers ?? []).forEach((f, i) => {
    if (typeof f !== "string") return;
    for (const m of isQualifiedName(f)) causes.push(fieldError.invalid(path.child("finalizers").index(i), f, m));
    if (seen.has(f)) causes.push(fieldError.duplicate(path.child("finalizers").index(i), f));
    seen.add(f);
  });
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const p = path.child("ownerReferences").index(i);
    if (!isRecord(ref)) return;
    if (!ref.apiVersion) causes.push(fieldError.invalid(p.child("apiVersion"), ref.apiVersion ?? "", "version must not be empty"));
    if (!ref.kind) causes.push(fieldError.invalid(p.child("kind"), ref.kind ?? "", "kind must not be empty"));
    if (!ref.name) causes.push(fieldError.invalid(p.child("name"), ref.name ?? "", "name must not be empty"));
    if (!ref.uid) causes.push(fieldError.invalid(p.child("uid"), ref.uid ?? "", "uid must not be empty"));
  });
  const controllers = (meta.ownerReferences ?? []).filter((r) => isRecord(r) && r.controller === true);
  if (controllers.length > 1) {
    causes.push(
      fieldError.invalid(
        path.child("ownerReferences"),
        controllers.map((r) => r.name),
        "Only one reference can have Controller set to true",
      ),
    );
  }
  return causes;
}
