// Delivery decisions, pure: the effective delivery spec of a trigger, ISO-8601 durations, the retry schedule
// (go-retryablehttp's 0-based attempt number), which responses are retried, what a reply is, the dead-letter
// extensions and the broker TTL.
import { parseMessage, type Envelope, type HeaderMap } from "./envelope.ts";
import type { DeliverySpec, Destination } from "./manifest-schemas.ts";

export type BackoffPolicy = "linear" | "exponential";

export interface RetryPolicy {
  /** Retries after the first attempt (attempts = retry + 1). */
  retry: number;
  policy: BackoffPolicy;
  delayMs: number;
  /** Per-request timeout; none when undefined (as in Knative without `timeout`). */
  timeoutMs: number | undefined;
}

export interface EffectiveDelivery extends RetryPolicy {
  deadLetterSink: Destination | undefined;
}

/** Knative's cluster default for brokers created without `delivery` (config-br-defaults). */
export const DEFAULT_BROKER_DELIVERY: DeliverySpec = { retry: 10, backoffPolicy: "exponential", backoffDelay: "PT0.2S" };

export const TTL_ATTRIBUTE = "knativebrokerttl";
export const DEFAULT_TTL = 255;

const DURATION = /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = [365 * 86_400_000, 30 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/** ISO-8601 duration (PT0.2S, PT1M30S, P1D) in milliseconds, or an error message. */
export function parseIsoDuration(text: string): number | { error: string } {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === "P" || text.trim().endsWith("T")) return { error: `invalid ISO-8601 duration ${JSON.stringify(text)} (e.g. PT0.2S)` };
  let ms = 0;
  UNIT_MS.forEach((unit, i) => {
    const v = m[i + 1];
    if (v !== undefined) ms += Number(v) * unit;
  });
  return Math.round(ms);
}

/**
 * A trigger's `delivery` replaces the broker's entirely; only the dead-letter sink falls back to the broker's.
 * Without `backoffDelay` retries are immediate; without `backoffPolicy` the policy is exponential.
 */
export function effectiveDelivery(trigger: DeliverySpec | undefined, broker: DeliverySpec | undefined): EffectiveDelivery | { errors: string[] } {
  const spec = trigger ?? broker ?? {};
  const errors: string[] = [];
  let delayMs = 0;
  if (spec.backoffDelay !== undefined) {
    const d = parseIsoDuration(spec.backoffDelay);
    if (typeof d === "number") delayMs = d;
    else errors.push(`delivery.backoffDelay: ${d.error}`);
  }
  let timeoutMs: number | undefined;
  if (spec.timeout !== undefined) {
    const t = parseIsoDuration(spec.timeout);
    if (typeof t === "number") timeoutMs = t;
    else errors.push(`delivery.timeout: ${t.error}`);
  }
  if (errors.length > 0) return { errors };
  return {
    retry: spec.retry ?? 0,
    policy: spec.backoffPolicy ?? "exponential",
    delayMs,
    timeoutMs,
    deadLetterSink: trigger?.deadLetterSink ?? broker?.deadLetterSink,
  };
}

/** Wait before retry number k (0-based): exponential delay·2^k, linear delay·k. */
export function backoffMs(policy: BackoffPolicy, delayMs: number, k: number): number {
  return policy === "exponential" ? delayMs * 2 ** k : delayMs * k;
}

/** The waits before each retry of a policy. */
export function retrySchedule(p: Pick<RetryPolicy, "retry" | "policy" | "delayMs">): number[] {
  return Array.from({ length: p.retry }, (_, k) => backoffMs(p.policy, p.delayMs, k));
}

/** Network errors (status 0), 404, 408, 409, 429 and 5xx are retried; 3xx, 400 and other 4xx go to the DLS. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 404 || status === 408 || status === 409 || status === 429 || (status >= 500 && status <= 599);
}

export type Outcome =
  | { kind: "done"; status: number }
  | { kind: "reply"; status: number; event: Envelope }
  | { kind: "failed"; status: number; retryable: boolean; reason: string };

/** Classifies a subscriber's answer (status 0 = network error). */
export function classifyResponse(status: number, headers: HeaderMap, body: Buffer, networkError?: string): Outcome {
  if (status === 0) return { kind: "failed", status: 0, retryable: true, reason: networkError ?? "network error" };
  if (status >= 200 && status <= 299) {
    const hasCe = headers["ce-id"] !== undefined || String(headers["content-type"] ?? "").toLowerCase().startsWith("application/cloudevents");
    if (body.length === 0 && !hasCe) return { kind: "done", status };
    const parsed = parseMessage(headers, body);
    if (parsed.ok) return { kind: "reply", status, event: parsed.event };
    return { kind: "failed", status: 502, retryable: true, reason: `${status} with a body that is not a valid CloudEvent (${parsed.reason})` };
  }
  return { kind: "failed", status, retryable: isRetryable(status), reason: `HTTP ${status}` };
}

export const MAX_ERROR_DATA = 1024;

/** The extensions a dead letter carries: failed URL, final status, response body as base64 cut to 1024 chars. */
export function deadLetterAttributes(dest: string, status: number, body: Buffer): Record<string, string | undefined> {
  return {
    knativeerrordest: dest,
    knativeerrorcode: String(status),
    knativeerrordata: body.length > 0 ? body.toString("base64").slice(0, MAX_ERROR_DATA) : undefined,
  };
}

/** The TTL an incoming event carries: a number, absent, or invalid. */
export function readTtl(attrs: Readonly<Record<string, string>>): number | undefined | "invalid" {
  const raw = attrs[TTL_ATTRIBUTE];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isInteger(n) ? n : "invalid";
}

/** Ingress: an absent TTL starts at 255; a TTL at or below 0 (or unreadable) is rejected with 400. */
export function ingressTtl(attrs: Readonly<Record<string, string>>, initial = DEFAULT_TTL): { ttl: number } | { reject: string } {
  const t = readTtl(attrs);
  if (t === undefined) return { ttl: initial };
  if (t === "invalid") return { reject: `${TTL_ATTRIBUTE} must be an integer` };
  if (t <= 0) return { reject: `${TTL_ATTRIBUTE} exhausted (${t}): the event looped through the broker too often` };
  return { ttl: t };
}

/** A reply continues with TTL-1, or is dropped when that reaches 0. */
export function replyTtl(ttl: number): number | "drop" {
  return ttl - 1 <= 0 ? "drop" : ttl - 1;
}
