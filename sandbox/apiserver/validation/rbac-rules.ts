// Semantic rules of Role, ClusterRole, RoleBinding and ClusterRoleBinding (pkg/apis/rbac/validation).

import type { FieldCause, KObject } from "../types.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { arr, isOneOf, isRecord, rec, str } from "./json.ts";

const RBAC_GROUP = "rbac.authorization.k8s.io";

function validatePolicyRule(rule: Record<string, unknown>, path: FieldPath, namespaced: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  if (arr(rule.verbs).length === 0) causes.push(fieldError.required(path.child("verbs"), "verbs must contain at least one value"));
  const urls = arr(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) causes.push(fieldError.invalid(path.child("nonResourceURLs"), urls, "namespaced rules cannot apply to non-resource URLs"));
    if (arr(rule.apiGroups).length > 0 || arr(rule.resources).length > 0 || arr(rule.resourceNames).length > 0) {
      causes.push(fieldError.invalid(path.child("nonResourceURLs"), urls, "rules cannot apply to both regular resources and non-resource URLs"));
    }
    return causes;
  }
  if (arr(rule.apiGroups).length === 0) causes.push(fieldError.required(path.child("apiGroups"), "resource rules must supply at least one api group"));
  if (arr(rule.resources).length === 0) causes.push(fieldError.required(path.child("resources"), "resource rules must supply at least one resource"));
  return causes;
}

export function validateRole(obj: KObject, namespaced: boolean): FieldCause[] {
  return arr(obj.rules).flatMap((r, i) => validatePolicyRule(rec(r), FieldPath.root("rules").index(i), namespaced));
}

export function validateRoleBinding(obj: KObject, namespaced: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  const roleRef = rec(obj.roleRef);
  const refPath = FieldPath.root("roleRef");
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (roleRef.apiGroup !== RBAC_GROUP) causes.push(fieldError.notSupported(refPath.child("apiGroup"), roleRef.apiGroup ?? "", [RBAC_GROUP]));
  if (!isOneOf(kinds, roleRef.kind)) causes.push(fieldError.notSupported(refPath.child("kind"), roleRef.kind ?? "", kinds));
  if (!str(roleRef.name)) causes.push(fieldError.required(refPath.child("name")));
  arr(obj.subjects).forEach((raw, i) => {
    const p = FieldPath.root("subjects").index(i);
    if (!isRecord(raw)) return;
    const s = raw;
    if (!str(s.name)) causes.push(fieldError.required(p.child("name")));
    switch (s.kind) {
      case "ServiceAccount":
        if ((str(s.apiGroup) ?? "") !== "") causes.push(fieldError.notSupported(p.child("apiGroup"), s.apiGroup, [""]));
        if (!namespaced && !str(s.namespace)) causes.push(fieldError.required(p.child("namespace")));
        break;
      case "User":
      case "Group":
        if (s.apiGroup !== RBAC_GROUP) causes.push(fieldError.notSupported(p.child("apiGroup"), s.apiGroup ?? "", [RBAC_GROUP]));
        break;
      default:
        causes.push(fieldError.notSupported(p.child("kind"), s.kind ?? "", ["ServiceAccount", "User", "Group"]));
    }
  });
  return causes;
}
