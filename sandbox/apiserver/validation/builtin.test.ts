import { describe, expect, it } from "vitest";
import type { KObject } from "../types.ts";
import { builtinUnknownFields, validateBuiltin } from "./index.ts";
import { kobject, loadCrd, resourceInfo } from "./testing.ts";

const PVC = resourceInfo("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims");
const POD = resourceInfo("", "v1", "Pod", "pods");
const DEPLOYMENT = resourceInfo("apps", "v1", "Deployment", "deployments");
const STATEFULSET = resourceInfo("apps", "v1", "StatefulSet", "statefulsets");
const JOB = resourceInfo("batch", "v1", "Job", "jobs");
const SC = resourceInfo("storage.k8s.io", "v1", "StorageClass", "storageclasses", false);
const SECRET = resourceInfo("", "v1", "Secret", "secrets");
const SERVICE = resourceInfo("", "v1", "Service", "services");
const ROLEBINDING = resourceInfo("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings");
const CRD = resourceInfo("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false);
const PV = resourceInfo("", "v1", "PersistentVolume", "persistentvolumes", false);
const WIDGET = resourceInfo("example.com", "v1", "Widget", "widgets");

const pvcSpec = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } };
const pvc = (spec: unknown) => kobject("v1", "PersistentVolumeClaim", "data", { spec }, "default");
const pod = (spec: unknown) => kobject("v1", "Pod", "p", { spec }, "default");
const template = (labels: Record<string, string>) => ({
  metadata: { labels },
  spec: { containers: [{ name: "app", image: "busybox" }] },
});
const deployment = (selector: unknown, labels: Record<string, string>) =>
  kobject("apps/v1", "Deployment", "web", { spec: { selector, template: template(labels) } }, "default");

const SELECTOR_MISMATCH = {
  field: "spec.template.metadata.labels",
  reason: "FieldValueInvalid",
  message: 'Invalid value: map[string]string{"app":"db"}: `selector` does not match template `labels`',
};

describe("validateBuiltin on create", () => {
  it.each<[string, ReturnType<typeof resourceInfo>, KObject, Array<Record<string, string>>]>([
    ["a valid PVC", PVC, pvc(pvcSpec), []],
    [
      "a PVC without a storage request",
      PVC,
      pvc({ accessModes: ["ReadWriteOnce"], resources: {} }),
      [{ field: "spec.resources[storage]", reason: "FieldValueRequired", message: "Required value" }],
    ],
    [
      "a PVC without access modes",
      PVC,
      pvc({ resources: { requests: { storage: "1Gi" } } }),
      [{ field: "spec.accessModes", reason: "FieldValueRequired", message: "Required value: at least 1 access mode is required" }],
    ],
    [
      "a PVC with an unknown access mode",
      PVC,
      pvc({ ...pvcSpec, accessModes: ["ReadWriteSometimes"] }),
      [
        {
          field: "spec.accessModes",
          reason: "FieldValueNotSupported",
          message: 'Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        },
      ],
    ],
    [
      "a PVC whose accessModes is not a list (schema)",
      PVC,
      pvc({ ...pvcSpec, accessModes: "ReadWriteOnce" }),
      [
        { field: "spec.accessModes", reason: "FieldValueTypeInvalid", message: 'Invalid value: "ReadWriteOnce": must be of type array' },
        { field: "spec.accessModes", reason: "FieldValueRequired", message: "Required value: at least 1 access mode is required" },
      ],
    ],
    [
      "a PVC with a malformed quantity (schema)",
      PVC,
      pvc({ ...pvcSpec, resources: { requests: { storage: "1Gxx" } } }),
      [
        {
          field: "spec.resources.requests[storage]",
          reason: "FieldValueInvalid",
          message: "Invalid value: \"1Gxx\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        },
      ],
    ],
    [
      "a PVC restored from a VolumeSnapshot",
      PVC,
      pvc({ ...pvcSpec, dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap" } }),
      [],
    ],
    [
      "a Pod mounting a volume it does not define",
      POD,
      pod({ containers: [{ name: "app", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }] }),
      [{ field: "spec.containers[0].volumeMounts[0].name", reason: "FieldValueNotFound", message: 'Not found: "data"' }],
    ],
    [
      "a Pod mounting its PVC volume",
      POD,
      pod({
        containers: [{ name: "app", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }],
        volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
      }),
      [],
    ],
    [
      "a Pod without containers",
      POD,
      pod({ containers: [] }),
      [{ field: "spec.containers", reason: "FieldValueRequired", message: "Required value" }],
    ],
    [
      "a Pod with two containers of one name and one without image",
      POD,
      pod({ containers: [{ name: "app", image: "a" }, { name: "app" }] }),
      [
        { field: "spec.containers[1].name", reason: "FieldValueDuplicate", message: 'Duplicate value: "app"' },
        { field: "spec.containers[1].image", reason: "FieldValueRequired", message: "Required value" },
      ],
    ],
    [
      "a Pod container without a name (schema)",
      POD,
      pod({ containers: [{ image: "busybox" }] }),
      [
        { field: "spec.containers[0].name", reason: "FieldValueRequired", message: "Required value" },
      ],
    ],
    ["a Deployment whose selector selects its template", DEPLOYMENT, deployment({ matchLabels: { app: "web" } }, { app: "web" }), []],
    ["a Deployment whose selector misses its template", DEPLOYMENT, deployment({ matchLabels: { app: "web" } }, { app: "db" }), [SELECTOR_MISMATCH]],
    [
      "a Deployment whose expression selector misses its template",
      DEPLOYMENT,
      deployment({ matchExpressions: [{ key: "app", operator: "In", values: ["web"] }] }, { app: "db" }),
      [SELECTOR_MISMATCH],
    ],
    [
      "a Deployment without a selector (schema)",
      DEPLOYMENT,
      kobject("apps/v1", "Deployment", "web", { spec: { template: template({ app: "web" }) } }, "default"),
      [{ field: "spec.selector", reason: "FieldValueRequired", message: "Required value" }],
    ],
    [
      "a StatefulSet with a claim template lacking storage",
      STATEFULSET,
      kobject("apps/v1", "StatefulSet", "db", {
        spec: {
          selector: { matchLabels: { app: "db" } },
          template: template({ app: "db" }),
          volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } }],
        },
      }),
      [{ field: "spec.volumeClaimTemplates[0].spec.resources[storage]", reason: "FieldValueRequired", message: "Required value" }],
    ],
    [
      "a Job whose pods restart always",
      JOB,
      kobject("batch/v1", "Job", "j", { spec: { template: { spec: { restartPolicy: "Always", containers: [{ name: "a", image: "b" }] } } } }),
      [
        {
          field: "spec.template.spec.restartPolicy",
          reason: "FieldValueNotSupported",
          message: 'Unsupported value: "Always": supported values: "OnFailure", "Never"',
        },
      ],
    ],
    [
      "a StorageClass without provisioner (schema)",
      SC,
      kobject("storage.k8s.io/v1", "StorageClass", "fast", { reclaimPolicy: "Recycle" }),
      [
        { field: "provisioner", reason: "FieldValueRequired", message: "Required value" },
        { field: "reclaimPolicy", reason: "FieldValueNotSupported", message: 'Unsupported value: "Recycle": supported values: "Delete", "Retain"' },
      ],
    ],
    [
      "a TLS Secret without its keys",
      SECRET,
      kobject("v1", "Secret", "tls", { type: "kubernetes.io/tls", data: { "tls.crt": "YQ==" } }),
      [{ field: "data[tls.key]", reason: "FieldValueRequired", message: "Required value" }],
    ],
    [
      "a Secret with a bad key",
      SECRET,
      kobject("v1", "Secret", "s", { data: { "bad key": "YQ==" } }),
      [expect.objectContaining({ field: "data[bad key]", reason: "FieldValueInvalid" })],
    ],
    [
      "a Service without ports",
      SERVICE,
      kobject("v1", "Service", "svc", { spec: { selector: { app: "web" } } }),
      [{ field: "spec.ports", reason: "FieldValueRequired", message: "Required value" }],
    ],
    [
      "a RoleBinding to a Pod",
      ROLEBINDING,
      kobject("rbac.authorization.k8s.io/v1", "RoleBinding", "rb", {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Pod", name: "x" },
        subjects: [{ kind: "ServiceAccount", name: "default", namespace: "default" }],
      }),
      [{ field: "roleRef.kind", reason: "FieldValueNotSupported", message: 'Unsupported value: "Pod": supported values: "Role", "ClusterRole"' }],
    ],
    [
      "a PV with two volume sources",
      PV,
      kobject("v1", "PersistentVolume", "pv", {
        spec: {
          accessModes: ["ReadWriteOnce"],
          capacity: { storage: "1Gi" },
          hostPath: { path: "/tmp/x" },
          csi: { driver: "d", volumeHandle: "h" },
        },
      }),
      [{ field: "spec.csi", reason: "FieldValueForbidden", message: "Forbidden: may not specify more than 1 volume type" }],
    ],
    ["an object of a kind it does not know", WIDGET, kobject("example.com/v1", "Widget", "w", { spec: { anything: 1 } }), []],
    [
      "bad labels on any kind",
      WIDGET,
      { ...kobject("example.com/v1", "Widget", "w"), metadata: { name: "w", labels: { "bad key": "v" } } },
      [expect.objectContaining({ field: "metadata.labels", reason: "FieldValueInvalid" })],
    ],
  ])("%s", (_name, info, obj, expected) => {
    expect(validateBuiltin(info, obj)).toEqual(expected);
  });
});

describe("CustomResourceDefinition objects", () => {
  const crdFiles = [
    "snapshot.storage.k8s.io_volumesnapshots.yaml",
    "snapshot.storage.k8s.io_volumesnapshotcontents.yaml",
    "snapshot.storage.k8s.io_volumesnapshotclasses.yaml",
  ];
  it.each(crdFiles)("the bundled %s is valid", (file) => {
    expect(validateBuiltin(CRD, loadCrd(file))).toEqual([]);
  });

  const base = loadCrd("snapshot.storage.k8s.io_volumesnapshotclasses.yaml");
  const spec = base.spec as Record<string, unknown>;
  const versions = spec.versions as Array<Record<string, unknown>>;
  it.each<[string, KObject, string]>([
    ["without approval annotation", { ...base, metadata: { name: base.metadata.name ?? "" } }, "metadata.annotations[api-approved.kubernetes.io]"],
    ["with a name that is not plural.group", { ...base, metadata: { ...base.metadata, name: "classes.snapshot.storage.k8s.io" } }, "metadata.name"],
    ["with a bad scope", { ...base, spec: { ...spec, scope: "Global" } }, "spec.scope"],
    ["with two storage versions", { ...base, spec: { ...spec, versions: [...versions, { ...versions[0], name: "v2" }] } }, "spec.versions"],
    ["with a version that is not served", { ...base, spec: { ...spec, versions: [{ ...versions[0], served: false }] } }, "spec.versions"],
    ["without a group", { ...base, spec: { ...spec, group: "" } }, "spec.group"],
    [
      "with a CEL rule that does not compile",
      {
        ...base,
        spec: {
          ...spec,
          versions: [{ ...versions[0], schema: { openAPIV3Schema: { type: "object", "x-kubernetes-validations": [{ rule: "self.a ==" }] } } }],
        },
      },
      "spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations[0].rule",
    ],
  ])("reports a CRD %s", (_name, crd, field) => {
    expect(validateBuiltin(CRD, crd).map((c) => c.field)).toContain(field);
  });
});

describe("builtinUnknownFields", () => {
  it.each<[string, ReturnType<typeof resourceInfo>, KObject, string[]]>([
    ["a clean PVC", PVC, pvc(pvcSpec), []],
    [
      "a Pod with stray fields at several depths",
      POD,
      {
        ...pod({ containers: [{ name: "a", image: "b", imagePullPolice: "Always" }], nodeSelector: { "x/y": "z" }, extra: 1 }),
        metadata: { name: "p", labels: { a: "b" }, colour: "red" },
        status: { phase: "Running" },
      },
      ["metadata.colour", "spec.containers[0].imagePullPolice", "spec.extra"],
    ],
    [
      "a Deployment with a typo inside its template",
      DEPLOYMENT,
      {
        ...deployment({ matchLabels: { app: "web" } }, { app: "web" }),
        spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "a", image: "b", port: 80 }] } } },
      },
      ["spec.template.spec.containers[0].port"],
    ],
    ["an object of a kind it does not know", WIDGET, kobject("example.com/v1", "Widget", "w", { spec: { x: 1 } }), []],
  ])("%s", (_name, info, obj, expected) => {
    expect(builtinUnknownFields(info, obj).sort()).toEqual(expected);
  });
});

describe("a StatefulSet whose containers mount a volumeClaimTemplate", () => {
  it("given no pod volume of that name, accepts it (the template provides it)", () => {
    const info = { group: "apps", version: "v1", kind: "StatefulSet", listKind: "StatefulSetList", plural: "statefulsets", singular: "statefulset", namespaced: true, shortNames: [], categories: [], verbs: [], subresources: [] };
    const sts = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db", namespace: "app" },
      spec: {
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      },
    };
    expect(validateBuiltin(info, sts)).toEqual([]);
    const noTemplate = { ...sts, spec: { ...sts.spec, volumeClaimTemplates: [] } };
    expect(validateBuiltin(info, noTemplate).map((c) => c.field)).toContain("spec.template.spec.containers[0].volumeMounts[0].name");
  });
});
