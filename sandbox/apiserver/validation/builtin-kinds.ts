// The built-in kinds whose OpenAPI schema this server checks, with the precompiled validators that
// kubernetes-models ships for them (one per kind, built once at import).

import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition";
import { ControllerRevision } from "kubernetes-models/apps/v1/ControllerRevision";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ReplicaSet } from "kubernetes-models/apps/v1/ReplicaSet";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { Scale } from "kubernetes-models/autoscaling/v1/Scale";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Lease } from "kubernetes-models/coordination.k8s.io/v1/Lease";
import { Event as EventsV1Event } from "kubernetes-models/events.k8s.io/v1/Event";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { CSIDriver } from "kubernetes-models/storage.k8s.io/v1/CSIDriver";
import { CSINode } from "kubernetes-models/storage.k8s.io/v1/CSINode";
import { StorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { VolumeAttachment } from "kubernetes-models/storage.k8s.io/v1/VolumeAttachment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Endpoints } from "kubernetes-models/v1/Endpoints";
import { Event } from "kubernetes-models/v1/Event";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Node } from "kubernetes-models/v1/Node";
import { PersistentVolume } from "kubernetes-models/v1/PersistentVolume";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

/** A kubernetes-models class: constructing it copies the data, validate() throws an ajv ValidationError. */
type ModelClass = new (data?: never) => { validate(): void };

/** "apiVersion/Kind" -> model class. */
const MODEL_CLASSES: ReadonlyMap<string, ModelClass> = new Map<string, ModelClass>([
  ["v1/ConfigMap", ConfigMap],
  ["v1/Endpoints", Endpoints],
  ["v1/Event", Event],
  ["v1/Namespace", Namespace],
  ["v1/Node", Node],
  ["v1/PersistentVolume", PersistentVolume],
  ["v1/PersistentVolumeClaim", PersistentVolumeClaim],
  ["v1/Pod", Pod],
  ["v1/Secret", Secret],
  ["v1/Service", Service],
  ["v1/ServiceAccount", ServiceAccount],
  ["apps/v1/ControllerRevision", ControllerRevision],
  ["apps/v1/DaemonSet", DaemonSet],
  ["apps/v1/Deployment", Deployment],
  ["apps/v1/ReplicaSet", ReplicaSet],
  ["apps/v1/StatefulSet", StatefulSet],
  ["autoscaling/v1/Scale", Scale],
  ["batch/v1/CronJob", CronJob],
  ["batch/v1/Job", Job],
  ["coordination.k8s.io/v1/Lease", Lease],
  ["events.k8s.io/v1/Event", EventsV1Event],
  ["networking.k8s.io/v1/Ingress", Ingress],
  ["networking.k8s.io/v1/NetworkPolicy", NetworkPolicy],
  ["policy/v1/PodDisruptionBudget", PodDisruptionBudget],
  ["rbac.authorization.k8s.io/v1/ClusterRole", ClusterRole],
  ["rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBinding],
  ["rbac.authorization.k8s.io/v1/Role", Role],
  ["rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding],
  ["storage.k8s.io/v1/CSIDriver", CSIDriver],
  ["storage.k8s.io/v1/CSINode", CSINode],
  ["storage.k8s.io/v1/StorageClass", StorageClass],
  ["storage.k8s.io/v1/VolumeAttachment", VolumeAttachment],
  ["apiextensions.k8s.io/v1/CustomResourceDefinition", CustomResourceDefinition],
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
  return MODEL_CLASSES.has(`${apiVersion}/${kind}`);
}

/** The schema errors of an object of a known kind; [] when it is valid or its kind is not in the table. */
export function schemaErrors(apiVersion: string, kind: string, obj: unknown): SchemaError[] {
  const Model = MODEL_CLASSES.get(`${apiVersion}/${kind}`);
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
