// PATCH bodies applied to a stored object: JSON merge patch (RFC 7386), JSON patch (RFC 6902),
// Kubernetes strategic merge patch, and a simplified server-side apply. Inputs are never mutated.

import jsonpatch, { type Operation } from "fast-json-patch";
import YAML from "yaml";
import { ApiError, errors, type KObject } from "./types.ts";

export const MERGE_PATCH = "application/merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const APPLY_PATCH = "application/apply-patch+yaml";

export interface PatchOptions {
  /**
   * The target is a custom resource. The real server refuses strategic merge patch for those (415) and
   * server-side apply falls back to plain merge semantics (no list merge keys).
   */
  customResource?: boolean;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The media type of a Content-Type header, lower-cased and without parameters. */
export function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * Applies a PATCH body to `target` according to its Content-Type and returns the patched object.
 * `patch` is the decoded body, or its raw text (string/bytes), which is parsed here (YAML for apply).
 */
export function applyPatch(contentType: string, target: KObject, patch: unknown, opts: PatchOptions = {}): KObject {
  const type = mediaType(contentType);
  const original: Obj = structuredClone(target);
  let result: unknown;
  switch (type) {
    case MERGE_PATCH:
      result = mergePatch(original, requireObject(decodeBody(patch, false), "Invalid JSON Patch"));
      break;
    case JSON_PATCH:
      result = jsonPatch(original, decodeBody(patch, false));
      break;
    case STRATEGIC_MERGE_PATCH:
      if (opts.customResource) {
        throw new ApiError(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: ${JSON_PATCH}, ${MERGE_PATCH}, ${APPLY_PATCH}`,
        );
      }
      result = strategicMergePatch(original, requireObject(decodeBody(patch, false), "Invalid JSON Patch"), target.kind);
      break;
    case APPLY_PATCH:
      result = serverSideApply(original, decodeBody(patch, true), target.kind, opts.customResource === true);
      break;
    default:
      throw errors.unsupportedMediaType(contentType);
  }
  return asKObject(result, target);
}

// ---------------------------------------------------------------------------------------------
// Body decoding and result checks
// ---------------------------------------------------------------------------------------------

function decodeBody(body: unknown, yaml: boolean): unknown {
  let text: string;
  if (typeof body === "string") text = body;
  else if (body instanceof Uint8Array) text = new TextDecoder().decode(body);
  else return structuredClone(body);
  try {
    return yaml ? YAML.parse(text) : JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw errors.badRequest(yaml ? `error decoding YAML: ${why}` : `error decoding patch body: ${why}`);
  }
}

function requireObject(v: unknown, message: string): Obj {
  if (!isObj(v)) throw errors.badRequest(message);
  return v;
}

/** The patched document must still be an object; apiVersion/kind fall back to the target's, metadata to {}. */
function asKObject(result: unknown, target: KObject): KObject {
  if (!isObj(result)) throw errors.badRequest("the patched object is not a JSON object");
  const metadata = result["metadata"] ?? {};
  if (!isObj(metadata)) {
    throw new ApiError(422, "Invalid", `metadata: Invalid value: ${JSON.stringify(metadata)}: must be an object`);
  }
  const apiVersion = result["apiVersion"];
  const kind = result["kind"];
  return {
    ...result,
    apiVersion: typeof apiVersion === "string" && apiVersion !== "" ? apiVersion : target.apiVersion,
    kind: typeof kind === "string" && kind !== "" ? kind : target.kind,
    metadata,
  };
}

// ---------------------------------------------------------------------------------------------
// RFC 7386 JSON merge patch
// ---------------------------------------------------------------------------------------------

/** RFC 7386 MergePatch(target, patch); works on copies. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const result: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// RFC 6902 JSON patch
// ---------------------------------------------------------------------------------------------

const MAX_JSON_PATCH_OPERATIONS = 10000;

function jsonPatch(doc: Obj, body: unknown): unknown {
  if (!Array.isArray(body)) {
    throw errors.badRequest(`json: cannot unmarshal ${body === null ? "null" : typeof body} into Go value of type jsonpatch.Patch`);
  }
  const ops: unknown[] = body;
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(
      413,
      "RequestEntityTooLarge",
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
    );
  }
  ops.forEach((op, i) => {
    if (!isObj(op)) throw errors.badRequest(`json: cannot unmarshal operation ${i} into Go value of type jsonpatch.Operation`);
  });
  try {
    // Each element is an object; fast-json-patch validates the rest of every operation as it applies it.
    return jsonpatch.applyPatch(doc, ops as Operation[], true, true).newDocument;
  } catch (e) {
    if (e instanceof jsonpatch.JsonPatchError || e instanceof TypeError) {
      throw new ApiError(422, "Invalid", jsonPatchMessage(e));
    }
    throw e;
  }
}

/** Error text in the wording of the json-patch library the real API server uses. */
function jsonPatchMessage(e: Error): string {
  if (!(e instanceof jsonpatch.JsonPatchError)) return e.message;
  const op: unknown = e.operation;
  const kind = isObj(op) && typeof op["op"] === "string" ? op["op"] : "";
  const path = isObj(op) && typeof op["path"] === "string" ? op["path"] : "";
  const from = isObj(op) && typeof op["from"] === "string" ? op["from"] : "";
  switch (e.name) {
    case "TEST_OPERATION_FAILED":
      return `testing value ${path} failed: test failed`;
    case "OPERATION_OP_INVALID":
      return `Unexpected kind: ${kind}`;
    case "OPERATION_FROM_UNRESOLVABLE":
      return `${kind} operation does not apply: doc is missing from path: ${from}: missing value`;
    case "OPERATION_PATH_UNRESOLVABLE":
    case "OPERATION_PATH_CANNOT_ADD":
    case "OPERATION_VALUE_OUT_OF_BOUNDS":
    case "OPERATION_PATH_ILLEGAL_ARRAY_INDEX":
      return `${kind} operation does not apply: doc is missing path: "${path}": missing value`;
    default:
      return `${kind || "patch"} operation is invalid: ${e.message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Strategic merge patch
// ---------------------------------------------------------------------------------------------

const PATCH_DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER = "$setElementOrder/";

/** How a list field merges: atomically replaced, merged as a set of scalars, or merged by a key. */
type ListStrategy = { merge: false } | { merge: true; key?: string };

const REPLACE: ListStrategy = { merge: false };
const byKey = (key: string): ListStrategy => ({ merge: true, key });
const CONTAINER_LISTS: ReadonlySet<string> = new Set(["containers", "initContainers", "ephemeralContainers"]);

/**
 * patchStrategy/patchMergeKey of the built-in fields (k8s.io/api struct tags), looked up by the field
 * path from the object root (list elements add no segment) and the object's kind.
 */
function listStrategy(path: readonly string[], kind: string): ListStrategy {
  const field = path[path.length - 1];
  const parent = path[path.length - 2];
  switch (field) {
    case "containers":
    case "initContainers":
    case "ephemeralContainers":
    case "volumes":
    case "imagePullSecrets":
    case "schedulingGates":
    case "resourceClaims":
    case "resourceClaimStatuses":
    case "env":
      return byKey("name");
    case "volumeMounts":
      return byKey("mountPath");
    case "volumeDevices":
      return byKey("devicePath");
    case "ports":
      if (parent !== undefined && CONTAINER_LISTS.has(parent)) return byKey("containerPort");
      return kind === "Service" && path.join(".") === "spec.ports" ? byKey("port") : REPLACE;
    case "ownerReferences":
      return parent === "metadata" ? byKey("uid") : REPLACE;
    case "finalizers":
      return parent === "metadata" ? { merge: true } : REPLACE;
    case "conditions":
      return byKey("type");
    case "hostAliases":
    case "podIPs":
    case "hostIPs":
      return byKey("ip");
    case "topologySpreadConstraints":
      return byKey("topologyKey");
    case "addresses":
      return kind === "Node" ? byKey("type") : REPLACE;
    case "podCIDRs":
      return kind === "Node" ? { merge: true } : REPLACE;
    case "secrets":
      return kind === "ServiceAccount" ? byKey("name") : REPLACE;
    default:
      return REPLACE;
  }
}

/** Kubernetes strategic merge patch of `patch` onto `original` (an object of the given kind). */
export function strategicMergePatch(original: Obj, patch: Obj, kind: string): Obj {
  return mergeMap(structuredClone(original), structuredClone(patch), [], kind);
}

function mergeMap(original: Obj, patch: Obj, path: readonly string[], kind: string): Obj {
  const { [PATCH_DIRECTIVE]: directive, ...rest } = patch;
  if (directive === "replace") return mergeMap({}, rest, path, kind);
  if (directive === "delete") return {};
  if (directive !== undefined && directive !== "merge") {
    throw errors.badRequest(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  }
  const result: Obj = { ...original };
  const orders = new Map<string, unknown[]>();
  for (const [k, v] of Object.entries(rest)) {
    if (k === RETAIN_KEYS) {
      retainKeys(result, rest, v);
    } else if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
      deleteFromPrimitiveList(result, k.slice(DELETE_FROM_PRIMITIVE_LIST.length), v);
    } else if (k.startsWith(SET_ELEMENT_ORDER)) {
      if (!Array.isArray(v)) throw errors.badRequest("invalid patch format of setElementOrder list");
      orders.set(k.slice(SET_ELEMENT_ORDER.length), v);
    }
  }
  for (const [k, v] of Object.entries(rest)) {
    if (k === RETAIN_KEYS || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (v === null) delete result[k];
    else result[k] = mergeValue(result[k], v, [...path, k], kind, orders.get(k));
  }
  // A $setElementOrder without a patch list for the field only reorders the live list.
  for (const [k, order] of orders) {
    const live = result[k];
    if (Object.hasOwn(rest, k) || !Array.isArray(live)) continue;
    const strategy = listStrategy([...path, k], kind);
    if (strategy.merge) result[k] = normalizeOrder(live, order, live, strategy.key);
  }
  return result;
}

function mergeValue(original: unknown, patch: unknown, path: readonly string[], kind: string, order?: unknown[]): unknown {
  if (isObj(patch)) return mergeMap(isObj(original) ? original : {}, patch, path, kind);
  if (Array.isArray(patch)) return mergeList(Array.isArray(original) ? original : [], patch, path, kind, order);
  return patch;
}

function retainKeys(result: Obj, patch: Obj, keys: unknown): void {
  if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === "string")) {
    throw errors.badRequest("invalid patch format of retainKeys");
  }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k === RETAIN_KEYS || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!keys.includes(k)) throw errors.badRequest("invalid patch format of retainKeys");
  }
  for (const k of Object.keys(result)) if (!keys.includes(k)) delete result[k];
}

function deleteFromPrimitiveList(result: Obj, field: string, values: unknown): void {
  if (!Array.isArray(values)) throw errors.badRequest("invalid patch format of primitive list");
  const live = result[field];
  if (!Array.isArray(live)) return;
  const kept = live.filter((x) => !values.includes(x));
  if (kept.length > 0) result[field] = kept;
  else delete result[field];
}

function mergeList(original: unknown[], patch: unknown[], path: readonly string[], kind: string, order?: unknown[]): unknown[] {
  const strategy = listStrategy(path, kind);
  if (!strategy.merge) {
    return patch.filter((e) => !(isObj(e) && PATCH_DIRECTIVE in e)).map((e) => mergeValue(undefined, e, path, kind));
  }
  if (strategy.key === undefined) {
    if (patch.some((e) => isObj(e) || Array.isArray(e))) {
      throw errors.badRequest(`list element types are not identical: ${JSON.stringify([original, patch])}`);
    }
    const merged = [...original];
    for (const e of patch) if (!merged.includes(e)) merged.push(e);
    return normalizeOrder(merged, order ?? patch, original, undefined);
  }
  return mergeListByKey(original, patch, path, kind, strategy.key, order);
}

function mergeListByKey(
  original: unknown[],
  patch: unknown[],
  path: readonly string[],
  kind: string,
  key: string,
  order?: unknown[],
): unknown[] {
  let live = [...original];
  let replace = false;
  const items: Obj[] = [];
  for (const e of patch) {
    if (!isObj(e)) throw errors.badRequest(`value for key ${path.join(".")} is not a map: ${JSON.stringify(e)}`);
    const { [PATCH_DIRECTIVE]: directive, ...rest } = e;
    if (directive === undefined) {
      items.push(e);
    } else if (directive === "delete") {
      if (!Object.hasOwn(e, key)) throw noMergeKey(e, key);
      live = live.filter((x) => !(isObj(x) && x[key] === e[key]));
    } else if (directive === "replace") {
      replace = true;
    } else if (directive === "merge") {
      if (Object.hasOwn(rest, key)) items.push(rest);
    } else {
      throw errors.badRequest(`unknown patch type: ${String(directive)} in map: ${JSON.stringify(e)}`);
    }
  }
  if (replace) return items.map((e) => mergeMap({}, e, path, kind));
  const merged = [...live];
  for (const e of items) {
    if (!Object.hasOwn(e, key)) throw noMergeKey(e, key);
    const i = merged.findIndex((x) => isObj(x) && x[key] === e[key]);
    const existing = merged[i];
    if (i >= 0 && isObj(existing)) merged[i] = mergeMap(existing, e, path, kind);
    else merged.push(mergeMap({}, e, path, kind));
  }
  return normalizeOrder(merged, order ?? items, live, key);
}

function noMergeKey(e: Obj, key: string): ApiError {
  return errors.badRequest(`map: ${JSON.stringify(e)} does not contain declared merge key: ${key}`);
}

/**
 * Orders a merged list like the real implementation: items named by the patch (or $setElementOrder)
 * in that order, server-only items in their live order, interleaved by their live positions.
 */
function normalizeOrder(merged: unknown[], patchOrder: unknown[], serverOrder: unknown[], key: string | undefined): unknown[] {
  const id = (x: unknown): unknown => (key === undefined ? x : isObj(x) ? x[key] : undefined);
  const indexIn = (list: unknown[], x: unknown): number => list.findIndex((e) => id(e) === id(x));
  const byIndexIn = (list: unknown[]) => (a: unknown, b: unknown): number => {
    const ia = indexIn(list, a);
    const ib = indexIn(list, b);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || 0;
  };
  const fromPatch = merged.filter((x) => indexIn(patchOrder, x) >= 0).sort(byIndexIn(patchOrder));
  const serverOnly = merged.filter((x) => indexIn(patchOrder, x) < 0).sort(byIndexIn(serverOrder));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    const left = serverOnly[i];
    const right = fromPatch[j];
    if (j >= fromPatch.length) {
      out.push(left);
      i++;
    } else if (i >= serverOnly.length) {
      out.push(right);
      j++;
    } else {
      const li = indexIn(serverOrder, left);
      const ri = indexIn(serverOrder, right);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push(left);
        i++;
      } else {
        out.push(right);
        j++;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Server-side apply (simplified)
// ---------------------------------------------------------------------------------------------

/**
 * The applied configuration is a full object; it is merged onto the live object as a strategic merge
 * patch (plain merge for custom resources). Field ownership is not tracked, so fields dropped from the
 * configuration are not removed.
 */
function serverSideApply(original: Obj, body: unknown, kind: string, customResource: boolean): unknown {
  if (!isObj(body)) throw errors.badRequest("error decoding YAML: the applied configuration is not an object");
  const metadata = body["metadata"];
  const applied: Obj = isObj(metadata) ? { ...body, metadata: { ...metadata } } : body;
  if (isObj(applied["metadata"])) delete applied["metadata"]["managedFields"];
  return customResource ? mergePatch(original, applied) : strategicMergePatch(original, applied, kind);
}
