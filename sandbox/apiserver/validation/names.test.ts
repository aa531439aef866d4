import { describe, expect, it } from "vitest";
import type { ResourceInfo } from "../types.ts";
import { FieldPath } from "./field-errors.ts";
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isPathSegmentName,
  isQualifiedName,
  validateAnnotations,
  validateLabels,
  validateName,
  validateObjectMeta,
} from "./names.ts";

const resource = (group: string, plural: string): Pick<ResourceInfo, "group" | "plural"> => ({ group, plural });

describe("name rules", () => {
  it.each([
    ["subdomain", isDNS1123Subdomain, "example.com", true],
    ["subdomain", isDNS1123Subdomain, "my-pvc-1", true],
    ["subdomain", isDNS1123Subdomain, "a".repeat(253), true],
    ["subdomain", isDNS1123Subdomain, "a".repeat(254), false],
    ["subdomain", isDNS1123Subdomain, "Bad_Name", false],
    ["subdomain", isDNS1123Subdomain, "-start", false],
    ["subdomain", isDNS1123Subdomain, "end.", false],
    ["label", isDNS1123Label, "default", true],
    ["label", isDNS1123Label, "123-abc", true],
    ["label", isDNS1123Label, "a".repeat(64), false],
    ["label", isDNS1123Label, "with.dot", false],
    ["dns1035", isDNS1035Label, "my-svc", true],
    ["dns1035", isDNS1035Label, "1svc", false],
    ["path segment", isPathSegmentName, "system:controller:x", true],
    ["path segment", isPathSegmentName, "..", false],
    ["path segment", isPathSegmentName, "a/b", false],
    ["qualified", isQualifiedName, "app.kubernetes.io/name", true],
    ["qualified", isQualifiedName, "MyName", true],
    ["qualified", isQualifiedName, "a/b/c", false],
    ["qualified", isQualifiedName, "/name", false],
    ["qualified", isQualifiedName, "Example.com/x", false],
    ["label value", isLabelValue, "", true],
    ["label value", isLabelValue, "my_value", true],
    ["label value", isLabelValue, "bad value", false],
    ["label value", isLabelValue, "x".repeat(64), false],
  ])("%s %j valid=%s", (_kind, check, value, valid) => {
    expect(check(value).length === 0).toBe(valid);
  });
});

describe("validateName", () => {
  it("words a bad subdomain like the real server", () => {
    expect(validateName(resource("", "persistentvolumeclaims"), "Bad_Name")).toEqual([
      {
        field: "metadata.name",
        reason: "FieldValueInvalid",
        message:
          "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
          "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ]);
  });

  it.each([
    ["namespaces take DNS labels", resource("", "namespaces"), "a.b", 1],
    ["pvcs take subdomains", resource("", "persistentvolumeclaims"), "a.b", 0],
    ["services take DNS-1035 labels", resource("", "services"), "1abc", 1],
    ["roles take path segments", resource("rbac.authorization.k8s.io", "roles"), "system:x", 0],
    ["custom resources take subdomains", resource("snapshot.storage.k8s.io", "volumesnapshots"), "snap-1", 0],
    ["too long", resource("", "configmaps"), "a".repeat(254), 1],
  ])("%s", (_name, info, name, count) => {
    expect(validateName(info, name)).toHaveLength(count);
  });

  it("requires a name", () => {
    expect(validateName(resource("", "pods"), "")).toEqual([
      { field: "metadata.name", reason: "FieldValueRequired", message: "Required value: name or generateName is required" },
    ]);
  });

  it("words a bad label like the real server", () => {
    const [cause] = validateName(resource("", "namespaces"), "My-NS");
    expect(cause?.message).toContain("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'");
    expect(cause?.message).toContain("(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  });
});

describe("labels, annotations and metadata", () => {
  const path = FieldPath.root("metadata", "labels");
  it.each([
    [{ app: "web", "app.kubernetes.io/part-of": "rafdir" }, 0],
    [{ "bad key": "x" }, 1],
    [{ app: "bad value" }, 1],
    [{ "a/b/c": "x" }, 1],
  ])("labels %j -> %i causes", (labels, count) => {
    const causes = validateLabels(labels, path);
    expect(causes).toHaveLength(count);
    for (const c of causes) expect(c).toMatchObject({ field: "metadata.labels", reason: "FieldValueInvalid" });
  });

  it.each([
    [{ "Example.COM/Key": "x" }, 0],
    [{ "bad key": "x" }, 1],
    [{ big: "x".repeat(256 * 1024) }, 1],
  ])("annotations %#", (annotations, count) => {
    expect(validateAnnotations(annotations, FieldPath.root("metadata", "annotations"))).toHaveLength(count);
  });

  it("reports oversize annotations as too long", () => {
    expect(validateAnnotations({ big: "x".repeat(256 * 1024) }, FieldPath.root("metadata", "annotations"))).toEqual([
      { field: "metadata.annotations", reason: "FieldValueTooLong", message: "Too long: may not be more than 262144 bytes" },
    ]);
  });

  it("checks finalizers and owner references", () => {
    const causes = validateObjectMeta({
      name: "x",
      finalizers: ["example.com/protect", "a/b/c", "example.com/protect"],
      ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "", uid: "u" }],
    });
    expect(causes.map((c) => c.field)).toEqual([
      "metadata.finalizers[1]",
      "metadata.finalizers[2]",
      "metadata.ownerReferences[0].name",
    ]);
  });
});
