// The broker core, in process: accept an event for "<namespace>/<broker>" (TTL check, knativearrivaltime, event
// log), then fan it out to the matching triggers' queues — with injected drops and duplicates — and return at
// once (asynchronous acknowledgement, like a durable broker). HTTP posts and re-published replies both land here.
import type { Logger } from "../controllers/framework.ts";
import { ingressTtl, TTL_ATTRIBUTE } from "./delivery-policy.ts";
import { withAttrs, type Envelope } from "./envelope.ts";
import { eventRecord, type EventLog } from "./eventlog.ts";
import type { FaultInjector } from "./faults.ts";
import type { Predicate } from "./filters.ts";
import type { TriggerDelivery } from "./delivery.ts";

export interface RoutedTrigger {
  match: Predicate;
  delivery: TriggerDelivery;
}

export type PublishResult = { status: 202; seq: string } | { status: 400 | 404; reason: string };

export interface IngressOptions {
  /** Triggers by broker ("namespace/name"); every known broker has an entry, maybe empty. */
  routes: ReadonlyMap<string, readonly RoutedTrigger[]>;
  faults: FaultInjector;
  eventLog: EventLog;
  log: Logger;
  now?: () => Date;
}

export class Ingress {
  private seq = 0;
  private readonly prefix = Date.now().toString(36);

  constructor(private readonly opts: IngressOptions) {}

  hasBroker(key: string): boolean {
    return this.opts.routes.has(key);
  }

  get brokers(): string[] {
    return [...this.opts.routes.keys()];
  }

  /** Accepts an already parsed and validated event. `origin` says where it came from, for the log. */
  publish(ev: Envelope, broker: string, origin: string): PublishResult {
    const routes = this.opts.routes.get(broker);
    if (!routes) return this.reject(broker, origin, 404, `broker ${broker} not found`);
    const ttl = ingressTtl(ev.attrs);
    if ("reject" in ttl) return this.reject(broker, origin, 400, ttl.reject);
    const now = (this.opts.now ?? (() => new Date()))();
    const accepted = withAttrs(ev, { knativearrivaltime: now.toISOString(), [TTL_ATTRIBUTE]: String(ttl.ttl) });
    const seq = `${this.prefix}-${++this.seq}`;
    this.opts.eventLog.append(eventRecord(accepted, broker, origin, seq));
    const type = accepted.attrs["type"] ?? "";
    const id = accepted.attrs["id"] ?? "";
    for (const route of routes) {
      if (!route.match(accepted.attrs)) continue;
      const trigger = route.delivery.trigger.key;
      const fault = this.opts.faults.decide({ type, trigger });
      if (fault.drop) {
        this.opts.eventLog.append({ kind: "fault", seq, id, type, trigger, fault: "drop" });
        this.opts.log.info({ id, type, trigger }, "fault injection: dropped delivery");
        continue;
      }
      route.delivery.enqueue({ event: accepted, ttl: ttl.ttl, seq });
      if (fault.duplicate) {
        this.opts.eventLog.append({ kind: "fault", seq, id, type, trigger, fault: "duplicate" });
        this.opts.log.info({ id, type, trigger }, "fault injection: duplicated delivery");
        route.delivery.enqueue({ event: accepted, ttl: ttl.ttl, seq });
      }
    }
    this.opts.log.debug({ broker, id, type, source: accepted.attrs["source"], origin }, "event accepted");
    return { status: 202, seq };
  }

  /** Records an event the broker refused (bad request, unknown broker) in the event log. */
  reject(broker: string, origin: string, status: 400 | 404, reason: string): { status: 400 | 404; reason: string } {
    this.opts.eventLog.append({ kind: "rejected", path: `/${broker}`, status, reason: `${reason} (from ${origin})` });
    this.opts.log.info({ broker, status, reason, origin }, "event rejected");
    return { status, reason };
  }
}
