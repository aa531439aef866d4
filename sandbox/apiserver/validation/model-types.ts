// Field types of the built-in kinds, read from the OpenAPI-generated models of @kubernetes/client-node
// (each model class carries an attributeTypeMap: JSON name -> type). Used to find fields a kind does not have
// (fieldValidation=Strict/Warn) and to print schema error paths the Kubernetes way (array index vs map key).

import * as models from "@kubernetes/client-node/dist/gen/models/all.js";
import { isRecord } from "./json.ts";

/** The type of a field: a model (struct), a list or map of some type, a scalar, or free-form JSON. */
export type FieldType =
  | { kind: "model"; name: string }
  | { kind: "array"; of: FieldType }
  | { kind: "map"; of: FieldType }
  | { kind: "scalar" }
  | { kind: "any" };

interface Attribute {
  baseName: string;
  type: string;
}

const SCALARS = new Set(["string", "number", "boolean", "Date", "IntOrString", "object"]);

const REGISTRY: Readonly<Record<string, unknown>> = models;

function attributesOf(modelName: string): Attribute[] | undefined {
  const cls = REGISTRY[modelName];
  if (typeof cls !== "function" || !("getAttributeTypeMap" in cls) || typeof cls.getAttributeTypeMap !== "function") {
    return undefined;
  }
  const raw: unknown = cls.getAttributeTypeMap();
  if (!Array.isArray(raw)) return undefined;
  return raw.filter(
    (a): a is Attribute => isRecord(a) && typeof a.baseName === "string" && typeof a.type === "string",
  );
}

export function parseFieldType(t: string): FieldType {
  const s = t.trim();
  if (s.startsWith("Array<") && s.endsWith(">")) return { kind: "array", of: parseFieldType(s.slice(6, -1)) };
  const map = /^\{ \[key: string\]: (.*); \}$/.exec(s);
  if (map) return { kind: "map", of: parseFieldType(map[1] ?? "any") };
  if (SCALARS.has(s)) return { kind: "scalar" };
  if (s === "any") return { kind: "any" };
  return REGISTRY[s] === undefined ? { kind: "any" } : { kind: "model", name: s };
}

/** Every model's fields by JSON name, computed once when the module loads (a constant table). */
const MODEL_FIELDS: ReadonlyMap<string, ReadonlyMap<string, FieldType>> = new Map(
  Object.keys(REGISTRY).flatMap((name) => {
    const attrs = attributesOf(name);
    return attrs ? [[name, new Map(attrs.map((a) => [a.baseName, parseFieldType(a.type)] as const))] as const] : [];
  }),
);

export const modelTypes = {
  /** The fields of a model by JSON name; undefined for an unknown model. */
  fields(modelName: string): ReadonlyMap<string, FieldType> | undefined {
    return MODEL_FIELDS.get(modelName);
  },

  /** The model name of a kind in an API group version: V1Pod, V1Deployment, CoreV1Event, EventsV1Event, ... */
  modelFor(apiVersion: string, kind: string): string | undefined {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
    const ver = (version ?? "").charAt(0).toUpperCase() + (version ?? "").slice(1);
    const groupWord = group === "" ? "Core" : (group ?? "").split(".")[0] ?? "";
    const prefix = groupWord.charAt(0).toUpperCase() + groupWord.slice(1);
    for (const name of [`${prefix}${ver}${kind}`, `${ver}${kind}`]) {
      const fields = MODEL_FIELDS.get(name);
      if (fields?.has("apiVersion") && fields.has("kind")) return name;
    }
    return undefined;
  },

  /**
   * JSON paths of the fields in `value` that model `modelName` does not have, as the strict decoder names them:
   * `spec.foo`, `spec.containers[0].bar`, `spec.selector.matchLabels.x` for map entries.
   */
  unknownFields(modelName: string, value: unknown): string[] {
    const out: string[] = [];
    walkUnknown({ kind: "model", name: modelName }, value, "", out);
    return out;
  },

  /** A JSON pointer's segments as a Kubernetes field path (`spec.containers[0].name`, `spec.resources.requests[storage]`). */
  fieldPath(modelName: string | undefined, segments: readonly string[]): string {
    let type: FieldType = modelName ? { kind: "model", name: modelName } : { kind: "any" };
    let path = "";
    for (const seg of segments) {
      switch (type.kind) {
        case "array":
          path += `[${seg}]`;
          type = type.of;
          break;
        case "map":
          path += `[${seg}]`;
          type = type.of;
          break;
        case "model":
          path = join(path, seg);
          type = MODEL_FIELDS.get(type.name)?.get(seg) ?? { kind: "any" };
          break;
        default:
          path = /^\d+$/.test(seg) ? `${path}[${seg}]` : join(path, seg);
      }
    }
    return path;
  },
};

function walkUnknown(type: FieldType, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  switch (type.kind) {
    case "array":
      if (Array.isArray(value)) value.forEach((v, i) => walkUnknown(type.of, v, `${path}[${i}]`, out));
      return;
    case "map":
      if (isRecord(value)) for (const [k, v] of Object.entries(value)) walkUnknown(type.of, v, join(path, k), out);
      return;
    case "model": {
      const fields = MODEL_FIELDS.get(type.name);
      if (!fields || !isRecord(value)) return;
      for (const [k, v] of Object.entries(value)) {
        const ft = fields.get(k);
        if (ft === undefined) out.push(join(path, k));
        else walkUnknown(ft, v, join(path, k), out);
      }
      return;
    }
    default:
      return;
  }
}

function join(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}
