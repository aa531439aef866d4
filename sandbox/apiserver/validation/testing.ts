// Helpers shared by the validation tests: resource descriptions and the bundled snapshot CRDs.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { KObject, ResourceInfo } from "../types.ts";
import { isRecord } from "./json.ts";

export function resourceInfo(group: string, version: string, kind: string, plural: string, namespaced = true): ResourceInfo {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    subresources: [],
  };
}

export function kobject(apiVersion: string, kind: string, name: string, rest: Record<string, unknown> = {}, namespace?: string): KObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) }, ...rest };
}

/** One of the CRDs in sandbox/crds, by file name. */
export function loadCrd(file: string): KObject {
  const text = readFileSync(fileURLToPath(new URL(`../../crds/${file}`, import.meta.url)), "utf8");
  const doc: unknown = parse(text);
  if (!isRecord(doc) || typeof doc.apiVersion !== "string" || typeof doc.kind !== "string" || !isRecord(doc.metadata)) {
    throw new Error(`${file} is not a Kubernetes object`);
  }
  return { ...doc, apiVersion: doc.apiVersion, kind: doc.kind, metadata: doc.metadata };
}
