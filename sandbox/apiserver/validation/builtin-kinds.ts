// The built-in kinds whose OpenAPI schema this server checks, with the precompiled validators that
// kubernetes-models ships for them (one per kind, loaded when that kind is first validated).

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);


/** A kubernetes-models class: constructing it copies the data, validate() throws an ajv ValidationError. */
type ModelClass = new (data?: never) => { validate(): void };

/**
 * "apiVersion/Kind" -> [module, export] of its model class. The classes are loaded on first use with require()
 * (kubernetes-models ships CommonJS beside ESM): loading all of them up front costs seconds at start-up.
 */
const MODEL_MODULES: ReadonlyMap<string, readonly [string, string]> = new Map<string, readonly [string, string]>([
  ["v1/ConfigMap", ["kubernetes-models/v1/ConfigMap", "ConfigMap"]],
  ["v1/Endpoints", ["kubernetes-models/v1/Endpoints", "Endpoints"]],
  ["v1/Event", ["kubernetes-models/v1/Event", "Event"]],
  ["v1/Namespace", ["kubernetes-models/v1/Namespace", "Namespace"]],
  ["v1/Node", ["kubernetes-models/v1/Node", "Node"]],
  ["v1/PersistentVolume", ["kubernetes-models/v1/PersistentVolume", "PersistentVolume"]],
  ["v1/PersistentVolumeClaim", ["kubernetes-models/v1/PersistentVolumeClaim", "PersistentVolumeClaim"]],
  ["v1/Pod", ["kubernetes-models/v1/Pod", "Pod"]],
  ["v1/Secret", ["kubernetes-models/v1/Secret", "Secret"]],
  ["v1/Service", ["kubernetes-models/v1/Service", "Service"]],
  ["v1/ServiceAccount", ["kubernetes-models/v1/ServiceAccount", "ServiceAccount"]],
  ["apps/v1/ControllerRevision", ["kubernetes-models/apps/v1/ControllerRevision", "ControllerRevision"]],
  ["apps/v1/DaemonSet", ["kubernetes-models/apps/v1/DaemonSet", "DaemonSet"]],
  ["apps/v1/Deployment", ["kubernetes-models/apps/v1/Deployment", "Deployment"]],
  ["apps/v1/ReplicaSet", ["kubernetes-models/apps/v1/ReplicaSet", "ReplicaSet"]],
  ["apps/v1/StatefulSet", ["kubernetes-models/apps/v1/StatefulSet", "StatefulSet"]],
  ["autoscaling/v1/Scale", ["kubernetes-models/autoscaling/v1/Scale", "Scale"]],
  ["batch/v1/CronJob", ["kubernetes-models/batch/v1/CronJob", "CronJob"]],
  ["batch/v1/Job", ["kubernetes-models/batch/v1/Job", "Job"]],
  ["coordination.k8s.io/v1/Lease", ["kubernetes-models/coordination.k8s.io/v1/Lease", "Lease"]],
  ["events.k8s.io/v1/Event", ["kubernetes-models/events.k8s.io/v1/Event", "Event"]],
  ["networking.k8s.io/v1/Ingress", ["kubernetes-models/networking.k8s.io/v1/Ingress", "Ingress"]],
  ["networking.k8s.io/v1/NetworkPolicy", ["kubernetes-models/networking.k8s.io/v1/NetworkPolicy", "NetworkPolicy"]],
  ["policy/v1/PodDisruptionBudget", ["kubernetes-models/policy/v1/PodDisruptionBudget", "PodDisruptionBudget"]],
  ["rbac.authorization.k8s.io/v1/ClusterRole", ["kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole", "ClusterRole"]],
  ["rbac.authorization.k8s.io/v1/ClusterRoleBinding", ["kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding", "ClusterRoleBinding"]],
  ["rbac.authorization.k8s.io/v1/Role", ["kubernetes-models/rbac.authorization.k8s.io/v1/Role", "Role"]],
  ["rbac.authorization.k8s.io/v1/RoleBinding", ["kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding", "RoleBinding"]],
  ["storage.k8s.io/v1/CSIDriver", ["kubernetes-models/storage.k8s.io/v1/CSIDriver", "CSIDriver"]],
  ["storage.k8s.io/v1/CSINode", ["kubernetes-models/storage.k8s.io/v1/CSINode", "CSINode"]],
  ["storage.k8s.io/v1/StorageClass", ["kubernetes-models/storage.k8s.io/v1/StorageClass", "StorageClass"]],
  ["storage.k8s.io/v1/VolumeAttachment", ["kubernetes-models/storage.k8s.io/v1/VolumeAttachment", "VolumeAttachment"]],
  ["apiextensions.k8s.io/v1/CustomResourceDefinition", ["kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition", "CustomResourceDefinition"]],
]);

/** One ajv error object as kubernetes-models' compiled validators report it. */
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

function isSchemaError(e: unknown): e is SchemaError {
  return (
    typeof e === "object" &&
    e !== null &&
    "instancePath" in e &&
    typeof e.instancePath === "string" &&
    "keyword" in e &&
    typeof e.keyword === "string"
  );
}

export function hasSchema(apiVersion: string, kind: string): boolean {
  return MODEL_MODULES.has(`${apiVersion}/${kind}`);
}

function modelClass(apiVersion: string, kind: string): ModelClass | undefined {
  const entry = MODEL_MODULES.get(`${apiVersion}/${kind}`);
  if (!entry) return undefined;
  const [module, name] = entry;
  return (require(module) as Record<string, ModelClass>)[name]; // require() caches the module
}

/** The schema errors of an object of a known kind; [] when it is valid or its kind is not in the table. */
export function schemaErrors(apiVersion: string, kind: string, obj: unknown): SchemaError[] {
  const Model = modelClass(apiVersion, kind);
  if (!Model) return [];
  try {
    new Model(obj as never).validate();
    return [];
  } catch (e) {
    if (typeof e === "object" && e !== null && "errors" in e && Array.isArray(e.errors)) {
      return e.errors.filter(isSchemaError).map((x) => ({
        instancePath: x.instancePath,
        schemaPath: typeof x.schemaPath === "string" ? x.schemaPath : "",
        keyword: x.keyword,
        params: typeof x.params === "object" && x.params !== null ? { ...x.params } : {},
        ...(typeof x.message === "string" ? { message: x.message } : {}),
      }));
    }
    throw e;
  }
}
