// Validation of CustomResourceDefinition objects themselves (apiextensions-apiserver validation, the main rules).

import type { FieldCause, KObject } from "../types.ts";
import { celEnvironment } from "./cel.ts";
import { type RuleError, compileSchema } from "./crd-schema.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { arr, isOneOf, isRecord, rec, str } from "./json.ts";
import { isDNS1035Label, isDNS1123Subdomain } from "./names.ts";

const APPROVAL_ANNOTATION = "api-approved.kubernetes.io";
const APPROVAL_DOC = "see https://github.com/kubernetes/enhancements/pull/1111";
const SCOPES = ["Cluster", "Namespaced"] as const;

export function isProtectedGroup(group: string): boolean {
  return group === "k8s.io" || group === "kubernetes.io" || group.endsWith(".k8s.io") || group.endsWith(".kubernetes.io");
}

function validateApproval(crd: KObject, group: string): FieldCause[] {
  if (!isProtectedGroup(group)) return [];
  const field = FieldPath.root("metadata", "annotations").key(APPROVAL_ANNOTATION);
  const value = crd.metadata.annotations?.[APPROVAL_ANNOTATION];
  if (value === undefined) {
    return [fieldError.required(field, `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", ${APPROVAL_DOC}`)];
  }
  if (!value.startsWith("unapproved") && !URL.canParse(value)) {
    return [
      fieldError.invalid(
        field,
        value,
        `protected groups must have approval annotation "${APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", ${APPROVAL_DOC}`,
      ),
    ];
  }
  return [];
}

function validateNames(names: Record<string, unknown>, path: FieldPath): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const f of ["plural", "singular"]) {
    const v = str(names[f]) ?? "";
    if (v === "") {
      if (f === "plural") causes.push(fieldError.required(path.child(f)));
      continue;
    }
    const errs = isDNS1035Label(v);
    if (errs.length > 0) causes.push(fieldError.invalid(path.child(f), v, errs.join(",")));
  }
  for (const f of ["kind", "listKind"]) {
    const v = str(names[f]) ?? "";
    if (v === "") {
      if (f === "kind") causes.push(fieldError.required(path.child(f))); // listKind defaults to kind + "List"
      continue;
    }
    const errs = isDNS1035Label(v.toLowerCase());
    if (errs.length > 0) causes.push(fieldError.invalid(path.child(f), v, `may have mixed case, but should otherwise match: ${errs.join(",")}`));
  }
  if (str(names.kind) && names.kind === names.listKind) causes.push(fieldError.invalid(path.child("listKind"), names.listKind, "kind and listKind may not be the same"));
  arr(names.shortNames).forEach((s, i) => {
    const v = str(s) ?? "";
    const errs = isDNS1035Label(v);
    if (errs.length > 0) causes.push(fieldError.invalid(path.child("shortNames").index(i), v, errs.join(",")));
  });
  return causes;
}

/** A structural schema names a type for every specified field, and an object at the root. */
function validateStructural(schema: unknown, isRoot: boolean, causes: FieldCause[], pathText: string): void {
  if (!isRecord(schema)) return;
  const typeField = `${pathText}.type`;
  if (isRoot) {
    if (schema.type === undefined) causes.push(fieldError.required(typeField, "must not be empty at the root"));
    else if (schema.type !== "object") causes.push(fieldError.invalid(typeField, schema.type, "must be object at the root"));
  } else if (
    schema.type === undefined &&
    schema["x-kubernetes-int-or-string"] !== true &&
    schema["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    causes.push(fieldError.required(typeField, "must not be empty for specified object fields"));
  }
  if (isRecord(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties)) validateStructural(v, false, causes, `${pathText}.properties[${k}]`);
  }
  if (isRecord(schema.items)) validateStructural(schema.items, false, causes, `${pathText}.items`);
  if (isRecord(schema.additionalProperties)) validateStructural(schema.additionalProperties, false, causes, `${pathText}.additionalProperties`);
}

function validateVersions(versions: unknown[], path: FieldPath): FieldCause[] {
  const causes: FieldCause[] = [];
  const names = versions.map((v) => str(rec(v).name) ?? "");
  if (versions.length === 0) causes.push(fieldError.required(path, "must have exactly one version marked as storage version"));
  versions.forEach((raw, i) => {
    const v = rec(raw);
    const vp = path.index(i);
    const name = str(v.name) ?? "";
    if (name === "") causes.push(fieldError.required(vp.child("name")));
    else {
      const errs = isDNS1035Label(name);
      if (errs.length > 0) causes.push(fieldError.invalid(vp.child("name"), name, errs.join(",")));
    }
    const schema = rec(v.schema).openAPIV3Schema;
    const schemaPath = vp.child("schema", "openAPIV3Schema");
    if (!isRecord(schema)) {
      causes.push(fieldError.required(schemaPath, "schemas are required"));
      return;
    }
    validateStructural(schema, true, causes, String(schemaPath));
    const ruleErrors: RuleError[] = [];
    compileSchema(schema, celEnvironment(), ruleErrors);
    for (const e of ruleErrors) {
      const field = `${String(vp.child("schema"))}.${e.schemaPath}.x-kubernetes-validations[${e.index}].rule`;
      causes.push(fieldError.invalid(field, typeof e.rule === "string" ? e.rule : "", e.error));
    }
  });
  if (new Set(names).size !== names.length) causes.push(fieldError.invalid(path, names, "must contain unique version names"));
  if (versions.length > 0) {
    if (versions.filter((v) => rec(v).storage === true).length !== 1) {
      causes.push(fieldError.invalid(path, names, "must have exactly one version marked as storage version"));
    }
    if (!versions.some((v) => rec(v).served === true)) causes.push(fieldError.invalid(path, names, "must have at least one served version"));
  }
  return causes;
}

export function validateCrd(crd: KObject): FieldCause[] {
  const spec = rec(crd.spec);
  const sp = FieldPath.root("spec");
  const causes: FieldCause[] = [];
  const group = str(spec.group) ?? "";
  if (group === "") causes.push(fieldError.required(sp.child("group")));
  else {
    for (const m of isDNS1123Subdomain(group)) causes.push(fieldError.invalid(sp.child("group"), group, m));
    if (!group.includes(".")) causes.push(fieldError.invalid(sp.child("group"), group, "should be a domain with at least one dot"));
  }
  const names = rec(spec.names);
  const plural = str(names.plural) ?? "";
  const name = crd.metadata.name ?? "";
  if (name !== `${plural}.${group}`) causes.push(fieldError.invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'));
  causes.push(...validateNames(names, sp.child("names")));
  if (spec.scope === undefined || spec.scope === "") causes.push(fieldError.required(sp.child("scope")));
  else if (!isOneOf(SCOPES, spec.scope)) causes.push(fieldError.notSupported(sp.child("scope"), spec.scope, SCOPES));
  causes.push(...validateVersions(arr(spec.versions), sp.child("versions")));
  causes.push(...validateApproval(crd, group));
  const served = new Set(arr(spec.versions).map((v) => rec(v).name));
  arr(rec(crd.status).storedVersions).forEach((v, i) => {
    if (!served.has(v)) causes.push(fieldError.invalid(FieldPath.root("status", "storedVersions").index(i), v, "must appear in spec.versions"));
  });
  return causes;
}
