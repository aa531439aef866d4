// Sending events ourselves, for a function that emits more than the one reply (reference/knative.md §4, §8):
// POST in binary mode to K_SINK with fetch — the SDK's httpTransport ignores the status — merge K_CE_OVERRIDES,
// treat any 2xx as accepted, retry network errors / 404 / 408 / 409 / 429 / 5xx with bounded exponential backoff.
import { HTTP, type CloudEvent } from "cloudevents";
import type { Logger } from "../log.ts";
import { EventContractError, TransientError } from "../errors.ts";
import { toCatalogEvent } from "../events.ts";
import { applyOverrides, parseCeOverrides, type CeOverrides } from "./overrides.ts";
import { eventLogFields, short } from "./message.ts";
import { backoffDelay, isRetryableStatus, isSuccessStatus, retryAfterMs } from "./retry.ts";

export interface EmitterOptions {
  /** K_SINK, or the broker's status.address.url. */
  sink: string | URL;
  /** K_CE_OVERRIDES: the raw JSON, or as parsed by loadConfig. */
  overrides?: string | CeOverrides;
  fetch?: typeof fetch;
  log: Logger;
  /** Retries after the first attempt (default 4: five attempts, ~1.5 s of backoff at the defaults). */
  retries?: number;
  /** First backoff (default 100 ms), doubled per retry, capped at maxBackoffMs (default 2 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /**
   * Per-attempt timeout (default 30 s). An IMC broker answers only after every trigger delivery finished (§1), so
   * keep it generous; a timed-out attempt is retried and the receiver sees a duplicate (handlers are idempotent).
   */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface EmitResult {
  /** The event as sent, overrides applied. */
  event: CloudEvent<unknown>;
  status: number;
  attempts: number;
}

export interface Emitter {
  emit(event: CloudEvent<unknown>): Promise<EmitResult>;
}

/** The sink answered with a final status (3xx, or 4xx other than 404/408/409/429): resending will not help. */
export class SinkRejectedError extends Error {
  override readonly name = "SinkRejectedError";
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createEmitter(opts: EmitterOptions): Emitter {
  const sink = new URL(opts.sink).toString();
  const overrides = resolveOverrides(opts.overrides);
  const doFetch = opts.fetch ?? fetch;
  const retries = opts.retries ?? 4;
  const backoffMs = opts.backoffMs ?? 100;
  const maxBackoffMs = opts.maxBackoffMs ?? 2_000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const sleep = opts.sleep ?? defaultSleep;

  async function emit(original: CloudEvent<unknown>): Promise<EmitResult> {
    const checked = toCatalogEvent(original);
    if (!checked.ok) throw new EventContractError(`emit: ${checked.reason}`);
    const event = applyOverrides<unknown>(checked.event, overrides);
    const message = HTTP.binary(event);
    const headers = Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, String(v)]));
    const log = opts.log.child(eventLogFields(event));
    const what = `${event.type} ${event.id} to ${sink}`;

    for (let attempt = 1; ; attempt++) {
      let outcome: { status: number; body: string; retryAfter: number | undefined } | { error: unknown };
      try {
        const res = await doFetch(sink, {
          method: "POST",
          headers,
          body: typeof message.body === "string" ? message.body : JSON.stringify(message.body),
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = await res.text().catch(() => "");
        outcome = { status: res.status, body, retryAfter: retryAfterMs(res.headers.get("retry-after")) };
      } catch (error) {
        outcome = { error };
      }

      if ("status" in outcome && isSuccessStatus(outcome.status)) {
        log.info({ sink, status: outcome.status, attempts: attempt }, "event sent");
        return { event, status: outcome.status, attempts: attempt };
      }
      if ("status" in outcome && !isRetryableStatus(outcome.status)) {
        throw new SinkRejectedError(`sink rejected ${what}: ${outcome.status} ${short(outcome.body)}`.trim(), outcome.status, outcome.body);
      }
      const failure = "status" in outcome ? `${outcome.status} ${short(outcome.body)}`.trim() : errorText(outcome.error);
      if (attempt > retries) {
        throw new TransientError(`sending ${what} failed after ${attempt} attempts: ${failure}`, {
          cause: "error" in outcome ? outcome.error : undefined,
        });
      }
      const backoff = backoffDelay(attempt - 1, backoffMs, maxBackoffMs);
      const delay = "status" in outcome && outcome.retryAfter !== undefined ? Math.min(maxBackoffMs, Math.max(backoff, outcome.retryAfter)) : backoff;
      log.warn({ sink, attempt, delayMs: delay, failure }, "event send failed, retrying");
      await sleep(delay);
    }
  }

  return { emit };
}

function resolveOverrides(raw: string | CeOverrides | undefined): CeOverrides | undefined {
  if (raw === undefined || typeof raw !== "string") return raw;
  if (raw.trim() === "") return undefined;
  const parsed = parseCeOverrides(raw);
  if (!parsed.ok) throw new Error(`K_CE_OVERRIDES: ${parsed.reason}`);
  return parsed.overrides;
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return short(`${err.name}: ${err.message}${cause}`);
}
