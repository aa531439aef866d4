import { describe, expect, it } from "vitest";
import type { FieldCause, KObject } from "../types.ts";
import { crdValidator } from "./index.ts";
import { kobject, loadCrd } from "./testing.ts";

const snapshots = crdValidator(loadCrd("snapshot.storage.k8s.io_volumesnapshots.yaml"), "v1");
const contents = crdValidator(loadCrd("snapshot.storage.k8s.io_volumesnapshotcontents.yaml"), "v1");
const classes = crdValidator(loadCrd("snapshot.storage.k8s.io_volumesnapshotclasses.yaml"), "v1");

const snapshot = (spec: unknown, rest: Record<string, unknown> = {}) =>
  kobject("snapshot.storage.k8s.io/v1", "VolumeSnapshot", "snap", { spec, ...rest }, "default");
const content = (spec: Record<string, unknown>) =>
  kobject("snapshot.storage.k8s.io/v1", "VolumeSnapshotContent", "snapcontent-1", {
    spec: {
      deletionPolicy: "Delete",
      driver: "hostpath.csi.k8s.io",
      source: { volumeHandle: "vol-1" },
      volumeSnapshotRef: { name: "snap", namespace: "default" },
      ...spec,
    },
  });
const snapshotClass = (rest: Record<string, unknown>) => kobject("snapshot.storage.k8s.io/v1", "VolumeSnapshotClass", "csi-hostpath", rest);

const EXACTLY_ONE_SOURCE: FieldCause = {
  field: "spec.source",
  reason: "FieldValueInvalid",
  message: 'Invalid value: "object": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set',
};

describe("VolumeSnapshot (the bundled upstream CRD)", () => {
  it.each<[string, KObject, KObject | undefined, FieldCause[]]>([
    ["from a PVC", snapshot({ source: { persistentVolumeClaimName: "data" }, volumeSnapshotClassName: "csi-hostpath" }), undefined, []],
    ["from existing content", snapshot({ source: { volumeSnapshotContentName: "snapcontent-1" } }), undefined, []],
    ["with both sources", snapshot({ source: { persistentVolumeClaimName: "data", volumeSnapshotContentName: "c" } }), undefined, [EXACTLY_ONE_SOURCE]],
    ["with no source", snapshot({ source: {} }), undefined, [EXACTLY_ONE_SOURCE]],
    [
      "without spec.source",
      snapshot({}),
      undefined,
      [{ field: "spec.source", reason: "FieldValueRequired", message: "Required value" }],
    ],
    ["without spec", kobject("snapshot.storage.k8s.io/v1", "VolumeSnapshot", "s", {}, "default"), undefined, [{ field: "spec", reason: "FieldValueRequired", message: "Required value" }]],
    [
      "with an empty class name",
      snapshot({ source: { persistentVolumeClaimName: "data" }, volumeSnapshotClassName: "" }),
      undefined,
      [{ field: "spec.volumeSnapshotClassName", reason: "FieldValueInvalid", message: 'Invalid value: "string": volumeSnapshotClassName must not be the empty string when set' }],
    ],
    [
      "whose source PVC changes on update",
      snapshot({ source: { persistentVolumeClaimName: "other" } }),
      snapshot({ source: { persistentVolumeClaimName: "data" } }),
      [{ field: "spec.source.persistentVolumeClaimName", reason: "FieldValueInvalid", message: 'Invalid value: "string": persistentVolumeClaimName is immutable' }],
    ],
    [
      "whose source switches from PVC to content on update",
      snapshot({ source: { volumeSnapshotContentName: "c" } }),
      snapshot({ source: { persistentVolumeClaimName: "data" } }),
      [{ field: "spec.source", reason: "FieldValueInvalid", message: 'Invalid value: "object": persistentVolumeClaimName is required once set' }],
    ],
    [
      "updated with an unchanged source",
      snapshot({ source: { persistentVolumeClaimName: "data" } }, { status: { readyToUse: true, restoreSize: "1Gi" } }),
      snapshot({ source: { persistentVolumeClaimName: "data" } }),
      [],
    ],
    [
      "with a status restoreSize that is no quantity",
      snapshot({ source: { persistentVolumeClaimName: "data" } }, { status: { restoreSize: "lots" } }),
      undefined,
      [expect.objectContaining({ field: "status.restoreSize", reason: "FieldValueInvalid", message: expect.stringContaining("status.restoreSize in body should match") }) as FieldCause],
    ],
    [
      "with a boolean restoreSize",
      snapshot({ source: { persistentVolumeClaimName: "data" } }, { status: { restoreSize: true } }),
      undefined,
      [{ field: "status.restoreSize", reason: "FieldValueInvalid", message: 'Invalid value: "boolean": status.restoreSize in body must validate at least one schema (anyOf)' }],
    ],
    [
      "with a status creationTime that is no date-time",
      snapshot({ source: { persistentVolumeClaimName: "data" } }, { status: { creationTime: "yesterday" } }),
      undefined,
      [{ field: "status.creationTime", reason: "FieldValueInvalid", message: 'Invalid value: "yesterday": status.creationTime in body must be of type date-time: "yesterday"' }],
    ],
    [
      "with a readyToUse string",
      snapshot({ source: { persistentVolumeClaimName: "data" } }, { status: { readyToUse: "yes" } }),
      undefined,
      [{ field: "status.readyToUse", reason: "FieldValueTypeInvalid", message: 'Invalid value: "string": status.readyToUse in body must be of type boolean: "string"' }],
    ],
  ])("%s", (_name, obj, old, expected) => {
    expect(snapshots.validate(obj, old)).toEqual(expected);
  });

  it("prunes unknown fields but keeps apiVersion, kind and metadata", () => {
    const obj = snapshot({ source: { persistentVolumeClaimName: "data", colour: "red" }, extra: 1 }, { top: true });
    obj.metadata.labels = { a: "b" };
    expect(snapshots.unknownFields(obj)).toEqual(["spec.source.colour", "spec.extra", "top"]);
    expect(snapshots.prune(obj)).toEqual({
      apiVersion: "snapshot.storage.k8s.io/v1",
      kind: "VolumeSnapshot",
      metadata: { name: "snap", namespace: "default", labels: { a: "b" } },
      spec: { source: { persistentVolumeClaimName: "data" } },
    });
    expect(obj.spec).toEqual({ source: { persistentVolumeClaimName: "data", colour: "red" }, extra: 1 });
  });

  it("reports unknown metadata fields", () => {
    const obj = snapshot({ source: { persistentVolumeClaimName: "data" } });
    obj.metadata.colour = "red";
    expect(snapshots.unknownFields(obj)).toEqual(["metadata.colour"]);
  });
});

describe("VolumeSnapshotContent (the bundled upstream CRD)", () => {
  const withoutDriver = content({});
  delete (withoutDriver.spec as Record<string, unknown>).driver;
  it.each<[string, KObject, KObject | undefined, FieldCause[]]>([
    ["dynamically provisioned", content({}), undefined, []],
    ["pre-provisioned", content({ source: { snapshotHandle: "snap-1" } }), undefined, []],
    ["without driver", withoutDriver, undefined, [{ field: "spec.driver", reason: "FieldValueRequired", message: "Required value" }]],
    [
      "with both handles",
      content({ source: { volumeHandle: "v", snapshotHandle: "s" } }),
      undefined,
      [{ field: "spec.source", reason: "FieldValueInvalid", message: 'Invalid value: "object": exactly one of volumeHandle and snapshotHandle must be set' }],
    ],
    [
      "with a snapshot reference lacking its namespace",
      content({ volumeSnapshotRef: { name: "snap" } }),
      undefined,
      [{ field: "spec.volumeSnapshotRef", reason: "FieldValueInvalid", message: 'Invalid value: "object": both spec.volumeSnapshotRef.name and spec.volumeSnapshotRef.namespace must be set' }],
    ],
    [
      "with an unknown deletion policy",
      content({ deletionPolicy: "Keep" }),
      undefined,
      [{ field: "spec.deletionPolicy", reason: "FieldValueNotSupported", message: 'Unsupported value: "Keep": supported values: "Delete", "Retain"' }],
    ],
    [
      "whose sourceVolumeMode changes",
      content({ sourceVolumeMode: "Block" }),
      content({ sourceVolumeMode: "Filesystem" }),
      [{ field: "spec.sourceVolumeMode", reason: "FieldValueInvalid", message: 'Invalid value: "string": sourceVolumeMode is immutable' }],
    ],
    [
      "whose sourceVolumeMode is dropped",
      content({}),
      content({ sourceVolumeMode: "Filesystem" }),
      [{ field: "spec", reason: "FieldValueInvalid", message: 'Invalid value: "object": sourceVolumeMode is required once set' }],
    ],
  ])("%s", (_name, obj, old, expected) => {
    expect(contents.validate(obj, old)).toEqual(expected);
  });

  it("checks int64 status fields as integers with their minimum", () => {
    const obj = { ...content({}), status: { restoreSize: -1, creationTime: 1.5 } };
    expect(contents.validate(obj)).toEqual([
      { field: "status.creationTime", reason: "FieldValueTypeInvalid", message: 'Invalid value: "number": status.creationTime in body must be of type integer: "number"' },
      { field: "status.restoreSize", reason: "FieldValueInvalid", message: "Invalid value: -1: status.restoreSize in body should be greater than or equal to 0" },
    ]);
  });
});

describe("VolumeSnapshotClass (the bundled upstream CRD)", () => {
  it.each<[string, KObject, FieldCause[]]>([
    ["valid", snapshotClass({ driver: "hostpath.csi.k8s.io", deletionPolicy: "Delete", parameters: { a: "b" } }), []],
    [
      "without driver and deletionPolicy",
      snapshotClass({}),
      [
        { field: "deletionPolicy", reason: "FieldValueRequired", message: "Required value" },
        { field: "driver", reason: "FieldValueRequired", message: "Required value" },
      ],
    ],
    [
      "with a non-string parameter",
      snapshotClass({ driver: "d", deletionPolicy: "Retain", parameters: { n: 1 } }),
      [{ field: "parameters.n", reason: "FieldValueTypeInvalid", message: 'Invalid value: "integer": parameters.n in body must be of type string: "integer"' }],
    ],
  ])("%s", (_name, obj, expected) => {
    expect(classes.validate(obj)).toEqual(expected);
  });
});

describe("Kubernetes schema extensions", () => {
  const crd = kobject("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", {
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { plural: "widgets", kind: "Widget" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  "x-kubernetes-validations": [
                    { rule: "self.replicas <= self.maxReplicas", messageExpression: "'replicas ' + string(self.replicas) + ' above ' + string(self.maxReplicas)" },
                    { rule: "!has(self.labels) || !has(self.labels.forbidden)", message: "no forbidden label", reason: "FieldValueForbidden", fieldPath: ".labels" },
                    { rule: "self.replicas >= oldSelf.replicas", message: "may not scale down" },
                  ],
                  properties: {
                    replicas: { type: "integer", format: "int32", default: 1 },
                    maxReplicas: { type: "integer", default: 10 },
                    port: { "x-kubernetes-int-or-string": true },
                    ratio: { type: "number", nullable: true, minimum: 0, exclusiveMinimum: true },
                    labels: { type: "object", additionalProperties: { type: "string" } },
                    free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                    template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
                    ports: {
                      type: "array",
                      "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["name"],
                      items: {
                        type: "object",
                        required: ["name"],
                        properties: { name: { type: "string" }, number: { type: "integer", "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "port numbers are immutable" }] } },
                      },
                    },
                    tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
                    namespace: { type: "string", "x-kubernetes-validations": [{ rule: "self.startsWith('ns-')" }] },
                  },
                },
              },
            },
          },
        },
      ],
    },
  });
  const widgets = crdValidator(crd, "v1");
  const widget = (spec: Record<string, unknown>) => kobject("example.com/v1", "Widget", "w", { spec: { replicas: 1, maxReplicas: 3, ...spec } }, "default");

  it.each<[string, KObject, KObject | undefined, Array<Partial<FieldCause>>]>([
    ["a valid widget", widget({ port: "http", ratio: null, labels: { a: "b" }, free: { x: [1] }, tags: ["a", "b"] }), undefined, []],
    ["messageExpression", widget({ replicas: 5 }), undefined, [{ field: "spec", message: 'Invalid value: "object": replicas 5 above 3' }]],
    ["reason and fieldPath, with has() on a map", widget({ labels: { forbidden: "x" } }), undefined, [{ field: "spec.labels", reason: "FieldValueForbidden", message: "Forbidden: no forbidden label" }]],
    ["a transition rule on update", widget({ replicas: 1 }), widget({ replicas: 2 }), [{ field: "spec", message: 'Invalid value: "object": may not scale down' }]],
    ["int-or-string given a bool", widget({ port: true }), undefined, [{ field: "spec.port", reason: "FieldValueTypeInvalid" }]],
    ["exclusive minimum", widget({ ratio: 0 }), undefined, [{ field: "spec.ratio", message: "Invalid value: 0: spec.ratio in body should be greater than 0" }]],
    ["an embedded resource without kind", widget({ template: { apiVersion: "v1", metadata: {} } }), undefined, [{ field: "spec.template.kind", reason: "FieldValueRequired" }]],
    ["a duplicate set entry", widget({ tags: ["a", "a"] }), undefined, [{ field: "spec.tags[1]", reason: "FieldValueDuplicate" }]],
    ["a duplicate map-list key", widget({ ports: [{ name: "a" }, { name: "a" }] }), undefined, [{ field: "spec.ports[1]", reason: "FieldValueDuplicate" }]],
    [
      "map-list items correlated by key on update",
      widget({ ports: [{ name: "b", number: 2 }, { name: "a", number: 9 }] }),
      widget({ ports: [{ name: "a", number: 1 }, { name: "b", number: 2 }] }),
      [{ field: "spec.ports[1].number", message: 'Invalid value: "integer": port numbers are immutable' }],
    ],
    ["a reserved property name", widget({ namespace: "default" }), undefined, [{ field: "spec.namespace", message: "Invalid value: \"string\": failed rule: self.startsWith('ns-')" }]],
  ])("%s", (_name, obj, old, expected) => {
    const causes = widgets.validate(obj, old);
    expect(causes).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(causes[i]).toMatchObject(e));
  });

  it("prunes inside typed maps and lists, keeps preserved and embedded fields, drops nulls of non-nullable fields", () => {
    const obj = widget({
      ratio: null,
      maxReplicas: null,
      ports: [{ name: "a", extra: 1 }],
      free: { anything: { goes: true } },
      template: { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: {} },
    });
    expect(widgets.unknownFields(obj)).toEqual(["spec.ports[0].extra"]);
    expect(widgets.prune(obj).spec).toEqual({
      replicas: 1,
      ratio: null,
      ports: [{ name: "a" }],
      free: { anything: { goes: true } },
      template: { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: {} },
    });
  });

  it("applies defaults", () => {
    const obj = kobject("example.com/v1", "Widget", "w", { spec: { port: 80 } });
    expect(widgets.applyDefaults(obj).spec).toEqual({ port: 80, replicas: 1, maxReplicas: 10 });
  });
});
