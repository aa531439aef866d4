// Validation of built-in kinds: the OpenAPI schema (kubernetes-models), metadata, the kind's semantic rules,
// and on update the kind's immutability rules.

import type { FieldCause, KObject, ResourceInfo } from "../types.ts";
import { apiVersionOf } from "../types.ts";
import { hasSchema, schemaErrors } from "./builtin-kinds.ts";
import { validateConfigMap, validateCoreEvent, validateEventsV1Event, validateSecret, validateService } from "./core-rules.ts";
import { validateCrd } from "./crd-rules.ts";
import { validateUpdate } from "./immutable.ts";
import { modelTypes } from "./model-types.ts";
import { validateObjectMeta } from "./names.ts";
import { validatePodSpec } from "./pod-rules.ts";
import { FieldPath, uniqueCauses } from "./field-errors.ts";
import { validateRole, validateRoleBinding } from "./rbac-rules.ts";
import { schemaCauses } from "./schema-errors.ts";
import { validatePv, validatePvc, validateStorageClass } from "./storage-rules.ts";
import {
  validateCronJob,
  validateDaemonSet,
  validateDeployment,
  validateJob,
  validateReplicaSet,
  validateScale,
  validateStatefulSet,
} from "./workload-rules.ts";

type KindRule = (obj: KObject) => FieldCause[];

/** Semantic rules by "group/Kind" ("" is the core group). */
const KIND_RULES: Readonly<Record<string, KindRule>> = {
  "/Pod": (obj) => validatePodSpec(obj.spec, FieldPath.root("spec")),
  "/PersistentVolumeClaim": validatePvc,
  "/PersistentVolume": validatePv,
  "/ConfigMap": validateConfigMap,
  "/Secret": validateSecret,
  "/Service": validateService,
  "/Event": validateCoreEvent,
  "events.k8s.io/Event": validateEventsV1Event,
  "apps/Deployment": validateDeployment,
  "apps/ReplicaSet": validateReplicaSet,
  "apps/StatefulSet": validateStatefulSet,
  "apps/DaemonSet": validateDaemonSet,
  "batch/Job": validateJob,
  "batch/CronJob": validateCronJob,
  "autoscaling/Scale": validateScale,
  "storage.k8s.io/StorageClass": validateStorageClass,
  "rbac.authorization.k8s.io/Role": (obj) => validateRole(obj, true),
  "rbac.authorization.k8s.io/ClusterRole": (obj) => validateRole(obj, false),
  "rbac.authorization.k8s.io/RoleBinding": (obj) => validateRoleBinding(obj, true),
  "rbac.authorization.k8s.io/ClusterRoleBinding": (obj) => validateRoleBinding(obj, false),
  "apiextensions.k8s.io/CustomResourceDefinition": validateCrd,
};

function schemaCausesOf(info: ResourceInfo, obj: KObject): FieldCause[] {
  const apiVersion = apiVersionOf(info);
  if (!hasSchema(apiVersion, info.kind)) return [];
  const errors = schemaErrors(apiVersion, info.kind, { ...obj, apiVersion, kind: info.kind });
  return errors.length === 0 ? [] : schemaCauses(modelTypes.modelFor(apiVersion, info.kind), obj, errors);
}

/**
 * Every cause the real server would give for this object of a built-in kind: schema, metadata and kind rules,
 * plus the update rules when `old` is given. Kinds this module does not know get metadata checks only.
 */
export function validateBuiltin(info: ResourceInfo, obj: KObject, old?: KObject): FieldCause[] {
  const rule = KIND_RULES[`${info.group}/${info.kind}`];
  const semantic = [...validateObjectMeta(obj.metadata), ...(rule ? rule(obj) : [])];
  // A schema error that a semantic rule also reports (at the field or at an element of it) is reported once.
  const schema = schemaCausesOf(info, obj).filter(
    (c) => !semantic.some((s) => s.reason === c.reason && s.message === c.message && (s.field === c.field || c.field.startsWith(`${s.field}[`))),
  );
  const causes = [...schema, ...semantic];
  if (old) causes.push(...validateUpdate(info.group, obj, old));
  return uniqueCauses(causes);
}

/** Paths of fields the kind does not have (`spec.foo`, `spec.containers[0].bar`); [] for kinds it does not know. */
export function builtinUnknownFields(info: ResourceInfo, obj: KObject): string[] {
  const model = modelTypes.modelFor(apiVersionOf(info), info.kind);
  return model ? modelTypes.unknownFields(model, obj) : [];
}
