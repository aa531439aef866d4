// Typed errors and their meaning at the HTTP edge (reference/knative.md §1 "Delivery"): 400 is final (dead-lettered),
// 503 is retried. Kubernetes API failures are classified here so that no handler ever answers with a Kubernetes
// 404/409 — Knative would retry both — and "already exists" can be treated as success by idempotent effects.

/** The incoming event is malformed, unknown or carries data that fails its schema. HTTP 400: final, no retry. */
export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
}

/** Trouble that may pass (API server busy, network, conflict). HTTP 503: Knative retries with backoff. */
export class TransientError extends Error {
  override readonly name = "TransientError";
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** An event *we* built breaks the catalog: a bug in our code, never the sender's fault, so never a 400. */
export class EventContractError extends Error {
  override readonly name = "EventContractError";
}

/** What the function answers for an error a handler threw: only ever 400 or 503. */
export function replyStatusFor(err: unknown): 400 | 503 {
  return err instanceof InvalidEventError ? 400 : 503;
}

export type KubeErrorKind =
  | "not-found" // 404
  | "already-exists" // 409 AlreadyExists: success for an idempotent create
  | "conflict" // 409 Conflict: stale resourceVersion, re-read and retry
  | "invalid" // 400, 422: the object we sent is wrong
  | "forbidden" // 401, 403: RBAC or credentials
  | "gone" // 410: watch/list resourceVersion expired, re-list
  | "transient" // 408, 429, 5xx, network: retry later
  | "unknown"; // not a Kubernetes API or network error

export interface KubeFailure {
  kind: KubeErrorKind;
  status?: number;
  /** The Status `reason` from the API server (e.g. "AlreadyExists"), when it sent one. */
  reason?: string;
  message: string;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * Classifies an error from @kubernetes/client-node (ApiException: numeric `code`, `body` = the Status, usually as a
 * JSON string) or from the network underneath it (node-fetch FetchError, undici, Node system errors).
 */
export function classifyKubeError(err: unknown): KubeFailure {
  const message = err instanceof Error ? err.message.split("\n")[0] ?? err.message : String(err);
  const status = statusCodeOf(err);
  if (status === undefined) return { kind: isNetworkError(err) ? "transient" : "unknown", message };
  const body = statusBodyOf(err);
  const reason = body.reason;
  return { kind: kindForStatus(status, reason), status, message: body.message ?? message, ...(reason ? { reason } : {}) };
}

function kindForStatus(status: number, reason: string | undefined): KubeErrorKind {
  if (status === 404) return "not-found";
  if (status === 409) return reason === "AlreadyExists" ? "already-exists" : "conflict";
  if (status === 410) return "gone";
  if (status === 401 || status === 403) return "forbidden";
  if (status === 408 || status === 429 || status >= 500) return "transient";
  if (status >= 400) return "invalid";
  return "unknown";
}

export const isNotFound = (err: unknown): boolean => classifyKubeError(err).kind === "not-found";
export const isAlreadyExists = (err: unknown): boolean => classifyKubeError(err).kind === "already-exists";
export const isConflict = (err: unknown): boolean => classifyKubeError(err).kind === "conflict";
/** True for errors worth retrying later: TransientError, Kubernetes 408/429/5xx, network failures. */
export const isTransient = (err: unknown): boolean =>
  err instanceof TransientError || classifyKubeError(err).kind === "transient";

/** Rewraps a Kubernetes or network error a handler cannot resolve as a TransientError (→ 503), keeping the cause. */
export function asTransient(err: unknown, doing: string): TransientError {
  if (err instanceof TransientError) return err;
  const f = classifyKubeError(err);
  const what = f.status === undefined ? f.kind : `${f.status} ${f.reason ?? f.kind}`;
  return new TransientError(`${doing}: ${what}: ${f.message}`, { cause: err });
}

function statusCodeOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code: unknown = (err as { code?: unknown }).code;
  return typeof code === "number" && Number.isInteger(code) && code >= 100 && code < 600 ? code : undefined;
}

function statusBodyOf(err: unknown): { reason?: string; message?: string } {
  let body: unknown = (err as { body?: unknown }).body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      return {};
    }
  }
  if (typeof body !== "object" || body === null) return {};
  const { reason, message } = body as { reason?: unknown; message?: unknown };
  return {
    ...(typeof reason === "string" && reason ? { reason } : {}),
    ...(typeof message === "string" && message ? { message } : {}),
  };
}

function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; typeof e === "object" && e !== null && depth < 4; depth++) {
    const { code, name, type } = e as { code?: unknown; name?: unknown; type?: unknown };
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    if (name === "AbortError" || name === "TimeoutError") return true;
    if (name === "FetchError" && (type === "system" || type === "request-timeout" || type === "body-timeout")) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
