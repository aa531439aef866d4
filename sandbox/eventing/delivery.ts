// Delivery to one trigger's subscriber, from its own async queue: attempts with the trigger's backoff policy,
// replies re-published through the ingress (TTL-1), final failures to the dead-letter sink with the knativeerror*
// extensions. Every attempt and outcome goes to the event log.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../controllers/framework.ts";
import {
  backoffMs,
  classifyResponse,
  deadLetterAttributes,
  replyTtl,
  TTL_ATTRIBUTE,
  type EffectiveDelivery,
  type RetryPolicy,
} from "./delivery-policy.ts";
import { withAttrs, type Envelope } from "./envelope.ts";
import type { EventLog } from "./eventlog.ts";
import { sendEvent, type SendResult } from "./http-send.ts";
import type { Destination } from "./manifest-schemas.ts";
import { AsyncQueue } from "./queue.ts";
import type { Resolved } from "./subscribers.ts";

export interface TriggerRuntime {
  /** "namespace/name" */
  key: string;
  namespace: string;
  subscriber: Destination;
  delivery: EffectiveDelivery;
}

export interface DeliveryDeps {
  resolve(dest: Destination, namespace: string): Resolved;
  /** Hands a reply to the trigger's broker ingress (in process). */
  republish(reply: Envelope, trigger: TriggerRuntime): void;
  eventLog: EventLog;
  log: Logger;
  /** Multiplies every backoff wait (tests use a small factor). */
  timeScale: number;
  /** Aborted when the sandbox stops. */
  signal: AbortSignal;
}

export interface QueuedDelivery {
  event: Envelope;
  ttl: number;
  seq: string;
}

interface Attempted {
  url: string;
  res: SendResult;
  status: number;
}

export class TriggerDelivery {
  private readonly queue: AsyncQueue<QueuedDelivery>;

  constructor(
    readonly trigger: TriggerRuntime,
    private readonly deps: DeliveryDeps,
    concurrency = 8,
  ) {
    this.queue = new AsyncQueue((d) => this.deliver(d), concurrency, (err, d) =>
      deps.log.error({ trigger: trigger.key, id: d.event.attrs["id"], err: String(err) }, "delivery crashed"),
    );
  }

  enqueue(d: QueuedDelivery): void {
    this.queue.push(d);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Deliveries queued or running. */
  get size(): number {
    return this.queue.size;
  }

  /** Stops; what never started is logged as lost (the in-memory queue is not durable across restarts). */
  stop(): void {
    for (const d of this.queue.stop()) this.lost(d.event, d.seq, "sandbox stopped before delivery");
  }

  private async deliver(d: QueuedDelivery): Promise<void> {
    const ev = withAttrs(d.event, { [TTL_ATTRIBUTE]: undefined });
    const { delivery } = this.trigger;
    const outcome = await this.attempts(ev, d.seq, this.trigger.subscriber, delivery, "delivery");
    if (outcome === "aborted") return this.lost(ev, d.seq, "sandbox stopped during delivery");
    if (outcome.kind === "done") return;
    if (outcome.kind === "reply") return this.reply(ev, outcome.event, d);
    await this.deadLetter(ev, d.seq, outcome.last);
  }

  /** Runs attempts until success or the policy gives up. */
  private async attempts(
    ev: Envelope,
    seq: string,
    dest: Destination,
    policy: RetryPolicy,
    what: "delivery" | "deadletter",
  ): Promise<"aborted" | { kind: "done" } | { kind: "reply"; event: Envelope } | { kind: "failed"; last: Attempted }> {
    const target = this.deps.resolve(dest, this.trigger.namespace);
    const url = target.ok ? target.url : describe(dest, this.trigger.namespace);
    let last: Attempted | undefined;
    for (let attempt = 1; ; attempt++) {
      const res: SendResult = target.ok
        ? await sendEvent(target.url, ev, { timeoutMs: policy.timeoutMs, signal: this.deps.signal, headers: { prefer: "reply" } })
        : { status: 0, headers: {}, body: Buffer.alloc(0), error: target.error };
      if (this.deps.signal.aborted) return "aborted";
      const out = classifyResponse(res.status, res.headers, res.body, res.error);
      const final = out.kind !== "failed" || !out.retryable || attempt > policy.retry;
      if (what === "delivery") this.record(ev, seq, url, attempt, out.status, out.kind === "failed" ? (final ? "failed" : "retry") : out.kind, out.kind === "failed" ? out.reason : undefined);
      if (out.kind === "done") return { kind: "done" };
      if (out.kind === "reply") return { kind: "reply", event: out.event };
      last = { url, res, status: out.status };
      if (final) return { kind: "failed", last };
      this.deps.log.debug({ trigger: this.trigger.key, id: ev.attrs["id"], url, attempt, status: out.status, reason: out.reason }, "delivery failed, will retry");
      try {
        await sleep(backoffMs(policy.policy, policy.delayMs, attempt - 1) * this.deps.timeScale, undefined, { signal: this.deps.signal });
      } catch {
        return "aborted";
      }
    }
  }

  private reply(ev: Envelope, reply: Envelope, d: QueuedDelivery): void {
    const ttl = replyTtl(d.ttl);
    if (ttl === "drop") {
      this.deps.log.warn({ trigger: this.trigger.key, id: ev.attrs["id"], reply: reply.attrs["type"] }, "dropping reply: broker TTL exhausted (event loop?)");
      this.deps.eventLog.append({ kind: "ttl", seq: d.seq, id: ev.attrs["id"] ?? "", type: ev.attrs["type"] ?? "", trigger: this.trigger.key, replyType: reply.attrs["type"] ?? "" });
      return;
    }
    this.deps.republish(withAttrs(reply, { [TTL_ATTRIBUTE]: String(ttl) }), this.trigger);
  }

  private async deadLetter(ev: Envelope, seq: string, last: Attempted): Promise<void> {
    const dls = this.trigger.delivery.deadLetterSink;
    const base = { seq, id: ev.attrs["id"] ?? "", type: ev.attrs["type"] ?? "", trigger: this.trigger.key };
    if (!dls) {
      this.deps.log.warn({ ...base, status: last.status, url: last.url }, "delivery failed and there is no dead-letter sink: event lost");
      return this.lost(ev, seq, `delivery failed (${last.status}) and no dead-letter sink`);
    }
    const letter = withAttrs(ev, deadLetterAttributes(last.url, last.status, last.res.body));
    const out = await this.attempts(letter, seq, dls, this.trigger.delivery, "deadletter");
    if (out === "aborted") return this.lost(ev, seq, "sandbox stopped during dead-lettering");
    const sink = this.deps.resolve(dls, this.trigger.namespace);
    const delivered = out.kind !== "failed";
    this.deps.eventLog.append({
      kind: "deadletter",
      ...base,
      sink: sink.ok ? sink.url : describe(dls, this.trigger.namespace),
      code: last.status,
      status: out.kind === "failed" ? out.last.status : 200,
      delivered,
    });
    this.deps.log[delivered ? "info" : "warn"]({ ...base, code: last.status, delivered }, delivered ? "event dead-lettered" : "dead-letter sink failed too: event lost");
  }

  private record(ev: Envelope, seq: string, subscriber: string, attempt: number, status: number, result: "done" | "reply" | "retry" | "failed", reason?: string): void {
    this.deps.eventLog.append({
      kind: "delivery",
      seq,
      id: ev.attrs["id"] ?? "",
      type: ev.attrs["type"] ?? "",
      trigger: this.trigger.key,
      subscriber,
      attempt,
      status,
      result,
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  private lost(ev: Envelope, seq: string, reason: string): void {
    this.deps.eventLog.append({ kind: "lost", seq, id: ev.attrs["id"] ?? "", type: ev.attrs["type"] ?? "", by: `trigger ${this.trigger.key}`, reason });
  }
}

function describe(dest: Destination, ns: string): string {
  if (dest.ref) return `${dest.ref.kind}/${dest.ref.namespace ?? ns}/${dest.ref.name}${dest.uri ?? ""}`;
  return dest.uri ?? "";
}
