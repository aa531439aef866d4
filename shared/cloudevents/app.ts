// The HTTP edge every function shares: an express app (never listens by itself) that reads one CloudEvent, checks it
// against the catalog and this function's handlers, and answers by Knative's rules (reference/knative.md §1):
// 200 + a CloudEvent to continue the chain, 202 with no body when there is nothing to say, 400 + a short plain-text
// reason for an invalid or unknown event (final), 503 for anything else (retried). Nothing else, ever.
import express, { type ErrorRequestHandler, type Express, type Response } from "express";
import { CloudEvent, HTTP } from "cloudevents";
import type { Logger } from "../log.ts";
import { classifyKubeError, replyStatusFor, TransientError } from "../errors.ts";
import { functionSource, isKnownType, toCatalogEvent, type EventType, type FunctionName, type TypedEvent } from "../events.ts";
import { createLifecycle, type Lifecycle } from "./lifecycle.ts";
import { eventLogFields, readEvent, short } from "./message.ts";

export interface HandlerContext {
  /** Child logger carrying ceId, ceType, ceSource, run and profile. */
  log: Logger;
  now: () => Date;
  /** This function's CloudEvent source, `/rafdir/<function>`, for the events it builds. */
  source: string;
}

/** Return a CloudEvent to reply with it (200), or nothing (202). Throw InvalidEventError for 400, anything else 503. */
export type Handler<T extends EventType> = (
  event: TypedEvent<T>,
  ctx: HandlerContext,
) => CloudEvent<unknown> | undefined | Promise<CloudEvent<unknown> | undefined>;

export type Handlers = { readonly [T in EventType]?: Handler<T> };

export interface FunctionAppOptions {
  name: FunctionName;
  handlers: Handlers;
  log: Logger;
  now?: () => Date;
  /** Share it with serve() so readiness fails while draining. */
  lifecycle?: Lifecycle;
  /** Extra readiness check (e.g. caches synced); liveness never depends on it. */
  ready?: () => boolean;
}

const BODY_LIMIT = "1mb";

export function createFunctionApp(opts: FunctionAppOptions): Express {
  const { name, handlers, log } = opts;
  const now = opts.now ?? (() => new Date());
  const lifecycle = opts.lifecycle ?? createLifecycle();
  const source = functionSource(name);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.get("/health/liveness", (_req, res) => void res.status(200).type("text/plain").send("ok"));
  app.get("/health/readiness", (_req, res) => {
    const ready = !lifecycle.isDraining() && (opts.ready?.() ?? true);
    res.status(ready ? 200 : 503).type("text/plain").send(ready ? "ready" : lifecycle.isDraining() ? "draining" : "not ready");
  });

  app.post("/", express.text({ type: () => true, limit: BODY_LIMIT }), async (req, res) => {
    const read = readEvent(req.headers, req.body);
    if (!read.ok) return reject(res, log.child(headerHints(req.headers)), read.reason);
    const elog = log.child(eventLogFields(read.event));
    elog.info("event received");
    const type = read.event.type;
    if (isKnownType(type) && !handlers[type]) return reject(res, elog, `event type ${type} is not handled by ${name}`);
    const checked = toCatalogEvent(read.event);
    if (!checked.ok) return reject(res, elog, checked.reason);
    const event = checked.event;

    let reply: CloudEvent<unknown> | undefined;
    try {
      reply = await dispatch(handlers, event.type, event, { log: elog, now, source });
    } catch (err) {
      return fail(res, elog, err);
    }
    if (reply === undefined) {
      elog.info({ status: 202 }, "reply sent");
      return void res.status(202).end();
    }
    const valid = reply instanceof CloudEvent ? toCatalogEvent(reply) : { ok: false as const, reason: "not a CloudEvent" };
    if (!valid.ok) return fail(res, elog, new Error(`handler returned an invalid reply: ${valid.reason}`));
    const message = HTTP.binary(valid.event);
    elog.info({ status: 200, reply: eventLogFields(valid.event) }, "reply sent");
    res.status(200).set(stringHeaders(message.headers)).send(message.body);
  });

  app.all("/", (_req, res) => void res.status(405).set("allow", "POST").type("text/plain").send("method not allowed"));
  app.use((_req, res) => void res.status(404).type("text/plain").send("not found"));
  app.use(bodyErrors(log));
  return app;
}

/** Calls the handler for one type; generic so the handler and the event agree on T. */
function dispatch<T extends EventType>(handlers: Handlers, type: T, event: TypedEvent<T>, ctx: HandlerContext) {
  const handler = handlers[type];
  return handler ? handler(event, ctx) : undefined;
}

function reject(res: Response, log: Logger, reason: string): void {
  log.warn({ status: 400, reason }, "event rejected");
  res.status(400).type("text/plain").send(short(reason));
}

function fail(res: Response, log: Logger, err: unknown): void {
  const status = replyStatusFor(err);
  if (status === 400) return reject(res, log, err instanceof Error ? err.message : String(err));
  const kube = classifyKubeError(err);
  log.error({ status, err, ...(kube.kind !== "unknown" ? { kube } : {}) }, "event failed");
  const retryAfter = err instanceof TransientError ? err.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) res.set("retry-after", String(Math.ceil(retryAfter)));
  // A TransientError's message is ours (what the step waits for, never a secret): it reaches the run as knativeerrordata if
  // the retries run out, so the operator reads why instead of a bare 503.
  res.status(503).type("text/plain").send(err instanceof TransientError ? short(`transient failure, retry later: ${err.message}`) : "internal error");
}

/** Identify an event we could not parse, from whatever headers it had. */
function headerHints(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const hints: Record<string, string> = {};
  for (const [header, field] of [["ce-id", "ceId"], ["ce-type", "ceType"], ["ce-source", "ceSource"]] as const) {
    const value = headers[header];
    if (typeof value === "string") hints[field] = short(value, 100);
  }
  return hints;
}

function stringHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = String(v);
  return out;
}

/** Body-parser failures (too large, bad charset, aborted): still a 400 with a plain reason. */
function bodyErrors(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const type = typeof err === "object" && err !== null ? (err as { type?: unknown }).type : undefined;
    const reason = type === "entity.too.large" ? `event larger than ${BODY_LIMIT}` : `unreadable request body${typeof type === "string" ? ` (${type})` : ""}`;
    if (res.headersSent) return;
    reject(res, log, reason);
  };
}
