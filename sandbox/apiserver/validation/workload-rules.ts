// Semantic rules of the workload kinds (pkg/apis/apps/validation, pkg/apis/batch/validation):
// selectors that select their template, template pod specs, replica counts.

import type { FieldCause, KObject } from "../types.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { arr, isOneOf, isRecord, rec, str } from "./json.ts";
import { validateLabels } from "./names.ts";
import { validatePodSpec } from "./pod-rules.ts";
import { isEmptySelector, selectorMatches, validateLabelSelector } from "./selectors.ts";
import { validatePvcSpec } from "./storage-rules.ts";

function nonNegative(value: unknown, path: FieldPath): FieldCause[] {
  return typeof value === "number" && value < 0 ? [fieldError.invalid(path, value, "must be greater than or equal to 0")] : [];
}

function restartPolicyOf(template: Record<string, unknown>): unknown {
  return rec(template.spec).restartPolicy;
}

/** A pod template whose labels a selector must select, as Deployments, ReplicaSets, StatefulSets and DaemonSets have. */
function validateSelectedTemplate(
  spec: Record<string, unknown>,
  path: FieldPath,
  what: string,
  restartPolicies: readonly string[],
  claimVolumes: Iterable<string> = [],
): FieldCause[] {
  const causes: FieldCause[] = [];
  const selector = spec.selector;
  const templatePath = path.child("template");
  if (!isRecord(selector)) causes.push(fieldError.required(path.child("selector")));
  else {
    causes.push(...validateLabelSelector(selector, path.child("selector")));
    if (isEmptySelector(selector)) causes.push(fieldError.invalid(path.child("selector"), selector, `empty selector is invalid for ${what}`));
  }
  const template = spec.template;
  if (!isRecord(template)) {
    causes.push(fieldError.required(templatePath));
    return causes;
  }
  const labels = rec(template.metadata).labels;
  causes.push(...validateLabels(labels, templatePath.child("metadata", "labels")));
  if (isRecord(selector) && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
    causes.push(fieldError.invalid(templatePath.child("metadata", "labels"), labels ?? {}, "`selector` does not match template `labels`"));
  }
  causes.push(...validatePodSpec(template.spec, templatePath.child("spec"), claimVolumes));
  const rp = restartPolicyOf(template);
  if (rp !== undefined && !isOneOf(restartPolicies, rp)) {
    causes.push(fieldError.notSupported(templatePath.child("spec", "restartPolicy"), rp, restartPolicies));
  }
  return causes;
}

export function validateDeployment(obj: KObject): FieldCause[] {
  const path = FieldPath.root("spec");
  const spec = rec(obj.spec);
  const causes = [...nonNegative(spec.replicas, path.child("replicas")), ...validateSelectedTemplate(spec, path, "deployment", ["Always"])];
  const strategy = rec(spec.strategy);
  if (strategy.type !== undefined && !isOneOf(["Recreate", "RollingUpdate"], strategy.type)) {
    causes.push(fieldError.notSupported(path.child("strategy", "type"), strategy.type, ["Recreate", "RollingUpdate"]));
  }
  if (strategy.type === "Recreate" && strategy.rollingUpdate !== undefined) {
    causes.push(fieldError.forbidden(path.child("strategy", "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"));
  }
  return causes;
}

export function validateReplicaSet(obj: KObject): FieldCause[] {
  const path = FieldPath.root("spec");
  const spec = rec(obj.spec);
  return [...nonNegative(spec.replicas, path.child("replicas")), ...validateSelectedTemplate(spec, path, "deployment", ["Always"])];
}

export function validateDaemonSet(obj: KObject): FieldCause[] {
  return validateSelectedTemplate(rec(obj.spec), FieldPath.root("spec"), "daemonset", ["Always"]);
}

export function validateStatefulSet(obj: KObject): FieldCause[] {
  const path = FieldPath.root("spec");
  const spec = rec(obj.spec);
  const templateNames = arr(spec.volumeClaimTemplates).map((t) => str(rec(rec(t).metadata).name) ?? "").filter(Boolean);
  const causes = [...nonNegative(spec.replicas, path.child("replicas")), ...validateSelectedTemplate(spec, path, "statefulset", ["Always"], templateNames)];
  const policy = spec.podManagementPolicy;
  if (policy !== undefined && !isOneOf(["OrderedReady", "Parallel"], policy)) {
    causes.push(fieldError.notSupported(path.child("podManagementPolicy"), policy, ["OrderedReady", "Parallel"]));
  }
  const updateType = rec(spec.updateStrategy).type;
  if (updateType !== undefined && !isOneOf(["RollingUpdate", "OnDelete"], updateType)) {
    causes.push(fieldError.notSupported(path.child("updateStrategy", "type"), updateType, ["RollingUpdate", "OnDelete"]));
  }
  const claimNames = new Set<string>();
  arr(spec.volumeClaimTemplates).forEach((raw, i) => {
    const p = path.child("volumeClaimTemplates").index(i);
    const claim = rec(raw);
    const name = str(rec(claim.metadata).name) ?? "";
    if (name === "") causes.push(fieldError.required(p.child("metadata", "name")));
    else if (claimNames.has(name)) causes.push(fieldError.duplicate(p.child("metadata", "name"), name));
    claimNames.add(name);
    causes.push(...validatePvcSpec(claim.spec, p.child("spec")));
  });
  return causes;
}

/** ValidateJobSpec: a template whose pods are not restarted forever, and non-negative counts. */
export function validateJobSpec(specValue: unknown, path: FieldPath): FieldCause[] {
  const spec = rec(specValue);
  const causes: FieldCause[] = [];
  for (const f of ["parallelism", "completions", "backoffLimit"]) causes.push(...nonNegative(spec[f], path.child(f)));
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === "number" && ads <= 0) causes.push(fieldError.invalid(path.child("activeDeadlineSeconds"), ads, "must be greater than 0"));
  const template = spec.template;
  const templatePath = path.child("template");
  if (!isRecord(template)) return [...causes, fieldError.required(templatePath)];
  const labels = rec(template.metadata).labels;
  causes.push(...validateLabels(labels, templatePath.child("metadata", "labels")));
  if (spec.manualSelector === true) {
    if (!isRecord(spec.selector)) causes.push(fieldError.required(path.child("selector")));
    else if (!selectorMatches(spec.selector, labels)) {
      causes.push(fieldError.invalid(templatePath.child("metadata", "labels"), labels ?? {}, "`selector` does not match template `labels`"));
    }
  }
  causes.push(...validatePodSpec(template.spec, templatePath.child("spec")));
  const rp = restartPolicyOf(template);
  if (!isOneOf(["OnFailure", "Never"], rp)) {
    causes.push(fieldError.notSupported(templatePath.child("spec", "restartPolicy"), rp ?? "", ["OnFailure", "Never"]));
  }
  return causes;
}

export function validateJob(obj: KObject): FieldCause[] {
  return validateJobSpec(obj.spec, FieldPath.root("spec"));
}

export function validateCronJob(obj: KObject): FieldCause[] {
  const path = FieldPath.root("spec");
  const spec = rec(obj.spec);
  const causes: FieldCause[] = [];
  if (!str(spec.schedule)) causes.push(fieldError.required(path.child("schedule")));
  const policy = spec.concurrencyPolicy;
  if (policy !== undefined && !isOneOf(["Allow", "Forbid", "Replace"], policy)) {
    causes.push(fieldError.notSupported(path.child("concurrencyPolicy"), policy, ["Allow", "Forbid", "Replace"]));
  }
  causes.push(...validateJobSpec(rec(spec.jobTemplate).spec, path.child("jobTemplate", "spec")));
  return causes;
}

export function validateScale(obj: KObject): FieldCause[] {
  return nonNegative(rec(obj.spec).replicas, FieldPath.root("spec", "replicas"));
}
