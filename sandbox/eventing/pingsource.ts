// PingSource: cron schedule (5 fields or a descriptor, IANA timezone via croner), the event exactly as the Knative
// mtping adapter builds it, a random 0–500 ms delay before sending, and a way to fire a tick now.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Cron } from "croner";
import { CRON_DESCRIPTORS } from "../../shared/profiles/cron.ts";
import type { Envelope } from "./envelope.ts";
import type { Destination, PingSourceObject } from "./manifest-schemas.ts";
import { sendFromSource, type SourceDeps } from "./source-send.ts";

export const PING_TYPE = "dev.knative.sources.ping";
export const PING_MAX_DELAY_MS = 500;


export interface Schedule {
  pattern: string;
  timezone: string | undefined;
}

/** Validates a PingSource schedule the way its webhook does; returns the 5-field pattern and timezone. */
export function parseSchedule(schedule: string, timezone: string | undefined): Schedule | { error: string } {
  let text = schedule.trim();
  let tz = timezone;
  const prefix = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(text);
  if (prefix) {
    if (tz !== undefined && tz !== prefix[1]) return { error: `schedule sets ${prefix[0].trim()} but spec.timezone is ${tz}` };
    tz = prefix[1];
    text = text.slice(prefix[0].length);
  }
  if (tz !== undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
    } catch {
      return { error: `unknown timezone ${JSON.stringify(tz)} (use an IANA name such as Europe/Berlin)` };
    }
  }
  if (text.startsWith("@every")) return { error: `${JSON.stringify(schedule)}: @every is not allowed in a PingSource schedule` };
  let pattern = text;
  if (text.startsWith("@")) {
    const d = CRON_DESCRIPTORS[text];
    if (!d) return { error: `${JSON.stringify(schedule)}: unknown descriptor` };
    pattern = d;
  } else if (text.split(/\s+/).length !== 5) {
    return { error: `${JSON.stringify(schedule)}: a cron schedule has 5 fields (minute hour day-of-month month day-of-week)` };
  }
  try {
    new Cron(pattern, { paused: true, timezone: tz }).stop();
  } catch (e) {
    return { error: `${JSON.stringify(schedule)}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { pattern, timezone: tz };
}

export interface PingRuntime extends Schedule {
  namespace: string;
  name: string;
  data: Buffer | undefined;
  contentType: string | undefined;
  extensions: Record<string, string>;
  sink: Destination;
}

export function pingRuntime(obj: PingSourceObject, namespace: string, schedule: Schedule): PingRuntime {
  const s = obj.spec;
  const data = s.dataBase64 !== undefined ? Buffer.from(s.dataBase64, "base64") : s.data !== undefined ? Buffer.from(s.data, "utf8") : undefined;
  return {
    ...schedule,
    namespace,
    name: obj.metadata.name,
    data,
    contentType: s.contentType || undefined,
    extensions: { ...(s.ceOverrides?.extensions ?? {}) },
    sink: s.sink,
  };
}

export function pingSourceUri(namespace: string, name: string): string {
  return `/apis/v1/namespaces/${namespace}/pingsources/${name}`;
}

/** The event of one tick: new UUID, the real type and source, raw data bytes, contentType, ceOverrides. */
export function pingEvent(p: PingRuntime, id: string, now: Date): Envelope {
  const attrs: Record<string, string> = {
    ...p.extensions,
    specversion: "1.0",
    id,
    type: PING_TYPE,
    source: pingSourceUri(p.namespace, p.name),
    time: now.toISOString(),
  };
  if (p.contentType !== undefined) attrs["datacontenttype"] = p.contentType;
  return { attrs, data: p.data };
}

export interface PingDeps extends SourceDeps {
  random: () => number;
  now: () => Date;
}

export class PingSources {
  private readonly crons: Cron[] = [];

  constructor(
    private readonly sources: readonly PingRuntime[],
    private readonly deps: PingDeps,
  ) {}

  /** Schedules every source's cron. */
  start(): void {
    for (const p of this.sources) {
      this.crons.push(new Cron(p.pattern, { timezone: p.timezone, unref: true, catch: true }, () => void this.fire(p, true)));
    }
  }

  stop(): void {
    for (const c of this.crons.splice(0)) c.stop();
  }

  get names(): string[] {
    return this.sources.map((p) => `${p.namespace}/${p.name}`);
  }

  /** Fires one tick now (no random delay); resolves with the event id once the sink answered (or gave up). */
  async tick(namespace: string, name: string): Promise<string | undefined> {
    const p = this.sources.find((s) => s.namespace === namespace && s.name === name);
    return p ? this.fire(p, false) : undefined;
  }

  private async fire(p: PingRuntime, delay: boolean): Promise<string> {
    const id = randomUUID();
    if (delay) {
      try {
        await sleep(this.deps.random() * PING_MAX_DELAY_MS * this.deps.timeScale, undefined, { signal: this.deps.signal });
      } catch {
        return id;
      }
    }
    await sendFromSource(pingEvent(p, id, this.deps.now()), p.sink, p.namespace, `PingSource ${p.namespace}/${p.name}`, this.deps);
    return id;
  }
}
