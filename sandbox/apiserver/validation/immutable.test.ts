import { describe, expect, it } from "vitest";
import type { FieldCause, KObject } from "../types.ts";
import { POD_UPDATE_MESSAGE, PVC_UPDATE_MESSAGE } from "./immutable.ts";
import { validateBuiltin } from "./index.ts";
import { kobject, resourceInfo } from "./testing.ts";

const PVC = resourceInfo("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims");
const PV = resourceInfo("", "v1", "PersistentVolume", "persistentvolumes", false);
const POD = resourceInfo("", "v1", "Pod", "pods");
const DEPLOYMENT = resourceInfo("apps", "v1", "Deployment", "deployments");
const STATEFULSET = resourceInfo("apps", "v1", "StatefulSet", "statefulsets");
const SC = resourceInfo("storage.k8s.io", "v1", "StorageClass", "storageclasses", false);
const SECRET = resourceInfo("", "v1", "Secret", "secrets");
const CONFIGMAP = resourceInfo("", "v1", "ConfigMap", "configmaps");
const ROLEBINDING = resourceInfo("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings");

function pvc(spec: Record<string, unknown>, phase = "Pending"): KObject {
  return kobject("v1", "PersistentVolumeClaim", "data", {
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeMode: "Filesystem", storageClassName: "standard", ...spec },
    status: { phase },
  });
}

function pod(spec: Record<string, unknown>): KObject {
  return kobject("v1", "Pod", "p", {
    spec: { containers: [{ name: "app", image: "busybox:1" }], restartPolicy: "Always", ...spec },
  });
}

function pv(spec: Record<string, unknown>): KObject {
  return kobject("v1", "PersistentVolume", "pv-1", {
    spec: { accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" }, csi: { driver: "hostpath.csi", volumeHandle: "h1" }, ...spec },
  });
}

const statefulSet = (spec: Record<string, unknown>) =>
  kobject("apps/v1", "StatefulSet", "db", {
    spec: {
      serviceName: "db",
      selector: { matchLabels: { app: "db" } },
      template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "postgres" }] } },
      ...spec,
    },
  });

const pvcImmutable: FieldCause = { field: "spec", reason: "FieldValueForbidden", message: `Forbidden: ${PVC_UPDATE_MESSAGE}` };
const podImmutable: FieldCause = { field: "spec", reason: "FieldValueForbidden", message: `Forbidden: ${POD_UPDATE_MESSAGE}` };

describe("update rules", () => {
  it.each<[string, ReturnType<typeof resourceInfo>, KObject, KObject, FieldCause[]]>([
    ["PVC unchanged", PVC, pvc({}), pvc({}), []],
    ["PVC access modes changed", PVC, pvc({}), pvc({ accessModes: ["ReadWriteMany"] }), [pvcImmutable]],
    ["PVC storage class changed", PVC, pvc({}), pvc({ storageClassName: "fast" }), [pvcImmutable]],
    ["bound PVC grown", PVC, pvc({}, "Bound"), pvc({ resources: { requests: { storage: "2Gi" } } }, "Bound"), []],
    ["pending PVC grown", PVC, pvc({}), pvc({ resources: { requests: { storage: "2Gi" } } }), [pvcImmutable]],
    [
      "bound PVC shrunk",
      PVC,
      pvc({ resources: { requests: { storage: "2Gi" } } }, "Bound"),
      pvc({ resources: { requests: { storage: "1500Mi" } } }, "Bound"),
      [{ field: "spec.resources.requests.storage", reason: "FieldValueForbidden", message: "Forbidden: field can not be less than previous value" }],
    ],
    ["PVC volumeName set by the binder", PVC, pvc({}), pvc({ volumeName: "pv-1" }), []],
    ["PVC volumeName changed once set", PVC, pvc({ volumeName: "pv-1" }), pvc({ volumeName: "pv-2" }), [pvcImmutable]],
    ["PVC volumeAttributesClassName changed", PVC, pvc({}, "Bound"), pvc({ volumeAttributesClassName: "gold" }, "Bound"), []],
    ["PVC update that omits the defaulted volumeMode", PVC, pvc({}), (() => { const o = pvc({}); delete (o.spec as Record<string, unknown>).volumeMode; return o; })(), []],
    ["PV claimRef set", PV, pv({}), pv({ claimRef: { name: "data", namespace: "default" } }), []],
    [
      "PV source changed",
      PV,
      pv({}),
      pv({ csi: { driver: "hostpath.csi", volumeHandle: "h2" } }),
      [{ field: "spec.persistentvolumesource", reason: "FieldValueForbidden", message: "Forbidden: spec.persistentvolumesource is immutable after creation" }],
    ],
    ["Pod image changed", POD, pod({}), pod({ containers: [{ name: "app", image: "busybox:2" }] }), []],
    ["Pod toleration added", POD, pod({}), pod({ tolerations: [{ key: "k", operator: "Exists" }] }), []],
    ["Pod toleration removed", POD, pod({ tolerations: [{ key: "k", operator: "Exists" }] }), pod({}), [podImmutable]],
    ["Pod restart policy changed", POD, pod({}), pod({ restartPolicy: "Never" }), [podImmutable]],
    ["Pod node name set directly", POD, pod({}), pod({ nodeName: "node-1" }), [podImmutable]],
    [
      "Pod deadline raised",
      POD,
      pod({ activeDeadlineSeconds: 10 }),
      pod({ activeDeadlineSeconds: 20 }),
      [{ field: "spec.activeDeadlineSeconds", reason: "FieldValueInvalid", message: "Invalid value: 20: must be less than or equal to previous value" }],
    ],
    [
      "Deployment selector changed",
      DEPLOYMENT,
      kobject("apps/v1", "Deployment", "web", { spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", v: "2" } }, spec: { containers: [{ name: "a", image: "b" }] } } } }),
      kobject("apps/v1", "Deployment", "web", { spec: { selector: { matchLabels: { app: "web", v: "2" } }, template: { metadata: { labels: { app: "web", v: "2" } }, spec: { containers: [{ name: "a", image: "b" }] } } } }),
      [{ field: "spec.selector", reason: "FieldValueInvalid", message: 'Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable' }],
    ],
    ["StatefulSet scaled", STATEFULSET, statefulSet({ replicas: 1 }), statefulSet({ replicas: 3 }), []],
    [
      "StatefulSet serviceName changed",
      STATEFULSET,
      statefulSet({}),
      statefulSet({ serviceName: "other" }),
      [expect.objectContaining({ field: "spec", reason: "FieldValueForbidden" }) as FieldCause],
    ],
    [
      "StorageClass parameters changed",
      SC,
      kobject("storage.k8s.io/v1", "StorageClass", "fast", { provisioner: "hostpath.csi", parameters: { a: "1" } }),
      kobject("storage.k8s.io/v1", "StorageClass", "fast", { provisioner: "hostpath.csi", parameters: { a: "2" } }),
      [{ field: "parameters", reason: "FieldValueForbidden", message: "Forbidden: updates to parameters are forbidden." }],
    ],
    [
      "immutable Secret data changed",
      SECRET,
      kobject("v1", "Secret", "s", { immutable: true, data: { a: "YQ==" } }),
      kobject("v1", "Secret", "s", { immutable: true, data: { a: "Yg==" } }),
      [{ field: "data", reason: "FieldValueForbidden", message: "Forbidden: field is immutable when `immutable` is set" }],
    ],
    [
      "mutable ConfigMap data changed",
      CONFIGMAP,
      kobject("v1", "ConfigMap", "c", { data: { a: "1" } }),
      kobject("v1", "ConfigMap", "c", { data: { a: "2" } }),
      [],
    ],
    [
      "immutable ConfigMap made mutable",
      CONFIGMAP,
      kobject("v1", "ConfigMap", "c", { immutable: true, data: { a: "1" } }),
      kobject("v1", "ConfigMap", "c", { immutable: false, data: { a: "1" } }),
      [{ field: "immutable", reason: "FieldValueForbidden", message: "Forbidden: field is immutable when `immutable` is set" }],
    ],
    [
      "RoleBinding roleRef changed",
      ROLEBINDING,
      kobject("rbac.authorization.k8s.io/v1", "RoleBinding", "rb", { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "a" } }),
      kobject("rbac.authorization.k8s.io/v1", "RoleBinding", "rb", { roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "b" } }),
      [expect.objectContaining({ field: "roleRef", message: expect.stringContaining("cannot change roleRef") }) as FieldCause],
    ],
  ])("%s", (_name, info, old, obj, expected) => {
    expect(validateBuiltin(info, obj, old)).toEqual(expected);
  });
});
