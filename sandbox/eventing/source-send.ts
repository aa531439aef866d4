// How the sources (PingSource, ApiServerSource) post to their sink: binary mode, 5 retries starting at 50 ms
// (doubling), then the event is dropped and logged as lost — as the Knative adapters do.
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../controllers/framework.ts";
import { isRetryable } from "./delivery-policy.ts";
import type { Envelope } from "./envelope.ts";
import type { EventLog } from "./eventlog.ts";
import { sendEvent } from "./http-send.ts";
import type { Destination } from "./manifest-schemas.ts";
import type { Resolved } from "./subscribers.ts";

export interface SourceDeps {
  resolve(dest: Destination, namespace: string): Resolved;
  eventLog: EventLog;
  log: Logger;
  timeScale: number;
  signal: AbortSignal;
}

export const SOURCE_RETRIES = 5;
export const SOURCE_RETRY_START_MS = 50;

/** True when the sink accepted the event (2xx). */
export async function sendFromSource(ev: Envelope, sink: Destination, namespace: string, by: string, deps: SourceDeps): Promise<boolean> {
  const target = deps.resolve(sink, namespace);
  let why = target.ok ? "" : target.error;
  if (target.ok) {
    for (let attempt = 0; attempt <= SOURCE_RETRIES; attempt++) {
      const res = await sendEvent(target.url, ev, { signal: deps.signal });
      if (deps.signal.aborted) {
        why = "sandbox stopped";
        break;
      }
      if (res.status >= 200 && res.status <= 299) return true;
      why = res.status === 0 ? (res.error ?? "network error") : `HTTP ${res.status} ${res.body.toString("utf8").trim()}`;
      if (res.status !== 0 && !isRetryable(res.status)) break;
      if (attempt === SOURCE_RETRIES) break;
      try {
        await sleep(SOURCE_RETRY_START_MS * 2 ** attempt * deps.timeScale, undefined, { signal: deps.signal });
      } catch {
        why = "sandbox stopped";
        break;
      }
    }
  }
  deps.log.warn({ by, id: ev.attrs["id"], type: ev.attrs["type"], reason: why }, "Event is lost");
  deps.eventLog.append({ kind: "lost", id: ev.attrs["id"] ?? "", type: ev.attrs["type"] ?? "", by, reason: why });
  return false;
}
