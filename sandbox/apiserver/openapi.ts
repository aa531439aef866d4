// Just enough OpenAPI for kubectl: v3 documents that declare, per kind, that PATCH/POST/PUT take the
// `fieldValidation` query parameter (so kubectl leaves schema validation to the server, which does it), and a
// minimal v2 document (kubectl reads v2 only as protobuf; an empty one makes it use its built-in patch metadata).
import type { Registry } from "./registry.ts";
import { apiVersionOf, type ResourceInfo } from "./types.ts";

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

/** An openapi.v2.Document with only `swagger: "2.0"` (field 1, a length-delimited string). */
export function openApiV2Protobuf(): Buffer {
  return Buffer.from([0x0a, 0x03, ...Buffer.from("2.0")]);
}

function gvPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

function hash(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(16).toUpperCase().padStart(8, "0");
}

export function openApiV3Root(registry: Registry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const p = gvPath(group, version);
      const doc = JSON.stringify(openApiV3Doc(registry, group, version));
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash(doc)}` };
    }
  }
  return { paths };
}

function operation(r: ResourceInfo, action: string): Record<string, unknown> {
  return {
    operationId: `${action}${r.kind}`,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: r.group, version: r.version, kind: r.kind },
    parameters: [
      { name: "dryRun", in: "query", schema: { type: "string" } },
      { name: "fieldManager", in: "query", schema: { type: "string" } },
      { name: "fieldValidation", in: "query", schema: { type: "string" } },
    ],
    requestBody: { content: { "application/json": { schema: { type: "object" } }, "application/merge-patch+json": { schema: { type: "object" } }, "application/json-patch+json": { schema: { type: "object" } } } },
    responses: { "200": { description: "OK" } },
  };
}

export function openApiV3Doc(registry: Registry, group: string, version: string): Record<string, unknown> | undefined {
  const served = registry.all().filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const prefix = `/${gvPath(group, version)}`;
  for (const r of served) {
    const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
    paths[collection] = { post: operation(r, "post") };
    paths[`${collection}/{name}`] = { put: operation(r, "put"), patch: operation(r, "patch") };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes (rafdir sandbox)", version: `${apiVersionOf({ group, version })}` },
    paths,
    components: { schemas: {} },
  };
}
