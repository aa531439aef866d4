// Validation, pruning and defaulting of custom resources against one version of their CustomResourceDefinition.

import type { ValidateFunction } from "ajv";
import type { FieldCause, KObject } from "../types.ts";
import { celEnvironment } from "./cel.ts";
import { ajvCauses, compileAjv } from "./crd-ajv.ts";
import { oldRoot, validateExtensions } from "./crd-extensions.ts";
import { type RuleError, type SchemaNode, applyDefaults, compileSchema, pruneValue } from "./crd-schema.ts";
import { deepCopy, isRecord, rec } from "./json.ts";
import { modelTypes } from "./model-types.ts";
import { uniqueCauses } from "./field-errors.ts";
import { validateObjectMeta } from "./names.ts";

export interface CrdValidator {
  /** Schema, CEL (transition rules only when `old` is given) and metadata causes. */
  validate(obj: KObject, old?: KObject): FieldCause[];
  /** A copy without the fields the schema does not know (apiVersion, kind and metadata are kept). */
  prune(obj: KObject): KObject;
  /** The paths prune() would drop, e.g. `spec.foo` (for fieldValidation=Strict/Warn). */
  unknownFields(obj: KObject): string[];
  /** A copy with the schema's defaults applied to absent fields. */
  applyDefaults(obj: KObject): KObject;
}

/** The openAPIV3Schema of a version of a CRD (a version's own schema, or the legacy top-level one). */
export function versionSchema(crd: KObject, version: string): unknown {
  const spec = rec(crd.spec);
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  const v = versions.find((x) => isRecord(x) && x.name === version);
  const own = rec(rec(v).schema).openAPIV3Schema;
  return own ?? rec(spec.validation).openAPIV3Schema;
}

const PERMISSIVE_ROOT = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

/**
 * The validator of one version of a CRD. The ajv validator and the structural tree with its parsed CEL rules are
 * built once here and kept in the returned object.
 */
export function crdValidator(crd: KObject, version: string): CrdValidator {
  const schema = versionSchema(crd, version) ?? PERMISSIVE_ROOT;
  const ruleErrors: RuleError[] = [];
  const tree: SchemaNode = compileSchema(schema, celEnvironment(), ruleErrors);
  let compiled: ValidateFunction | undefined;
  let compileError: string | undefined;
  try {
    compiled = compileAjv(schema);
  } catch (e) {
    compileError = e instanceof Error ? e.message : String(e);
  }

  return {
    validate(obj, old) {
      const causes: FieldCause[] = [...validateObjectMeta(obj.metadata)];
      if (compileError !== undefined) {
        causes.push({ reason: "InternalError", field: "", message: `Internal error: the schema of ${version} cannot be compiled: ${compileError}` });
      } else if (compiled && !compiled(obj)) {
        causes.push(...ajvCauses(obj, compiled.errors ?? []));
      }
      validateExtensions(obj, tree, "", oldRoot(old), causes);
      return uniqueCauses(causes);
    },
    prune(obj) {
      const out = pruneValue(obj, tree, "", [], true);
      return { ...rec(out), apiVersion: obj.apiVersion, kind: obj.kind, metadata: deepCopy(obj.metadata) };
    },
    unknownFields(obj) {
      const pruned = modelTypes.unknownFields("V1ObjectMeta", obj.metadata).map((f) => `metadata.${f}`);
      pruneValue(obj, tree, "", pruned, true);
      return pruned;
    },
    applyDefaults(obj) {
      const copy = deepCopy(obj);
      applyDefaults(copy, tree, true);
      return copy;
    },
  };
}
