// Shared shapes of the sandbox API server: objects, resource descriptions and Kubernetes Status errors.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/** Any Kubernetes object as stored: apiVersion, kind, metadata and whatever else the kind carries. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** One served resource (built-in or from a CRD). */
export interface ResourceInfo {
  group: string; // "" for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served: "status", "scale", "exec", "log", ... */
  subresources: string[];
}

export function apiVersionOf(info: Pick<ResourceInfo, "group" | "version">): string {
  return info.group === "" ? info.version : `${info.group}/${info.version}`;
}

/** A field-level cause in a 422 Invalid Status (metav1.StatusCause). */
export interface FieldCause {
  reason: string; // FieldValueRequired | FieldValueInvalid | FieldValueNotSupported | FieldValueForbidden | FieldValueDuplicate | FieldValueTypeInvalid | FieldValueTooLong
  message: string;
  field: string;
}

/** An error the API server answers with a metav1.Status body. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string; causes?: FieldCause[]; retryAfterSeconds?: number },
  ) {
    super(message);
    this.name = "ApiError";
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

export const errors = {
  badRequest: (message: string) => new ApiError(400, "BadRequest", message),
  forbidden: (message: string) => new ApiError(403, "Forbidden", message),
  notFound: (info: Pick<ResourceInfo, "group" | "plural">, name: string) =>
    new ApiError(404, "NotFound", `${info.plural}${info.group ? "." + info.group : ""} "${name}" not found`, {
      name,
      group: info.group,
      kind: info.plural,
    }),
  notFoundPath: (path: string) => new ApiError(404, "NotFound", `the server could not find the requested resource (${path})`),
  methodNotAllowed: (message: string) => new ApiError(405, "MethodNotAllowed", message),
  alreadyExists: (info: Pick<ResourceInfo, "group" | "plural">, name: string) =>
    new ApiError(409, "AlreadyExists", `${info.plural}${info.group ? "." + info.group : ""} "${name}" already exists`, {
      name,
      group: info.group,
      kind: info.plural,
    }),
  conflict: (info: Pick<ResourceInfo, "group" | "plural">, name: string, why: string) =>
    new ApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${info.plural}${info.group ? "." + info.group : ""} "${name}": ${why}`,
      { name, group: info.group, kind: info.plural },
    ),
  gone: (message: string) => new ApiError(410, "Expired", message),
  invalid: (info: Pick<ResourceInfo, "group" | "kind">, name: string, causes: FieldCause[]) =>
    new ApiError(
      422,
      "Invalid",
      `${info.kind}${info.group ? "." + info.group : ""} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
      { name, group: info.group, kind: info.kind, causes },
    ),
  unsupportedMediaType: (type: string) => new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json (got ${type})`),
  internal: (message: string) => new ApiError(500, "InternalError", message),
};
