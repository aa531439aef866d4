// The event log as `rafdir events` prints it: the formatter (table-driven) and the command on a real log.
import { appendFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventsCommand } from "../../cli/events-cmd.ts";
import { formatRecord, summarize } from "./eventlog-format.ts";
import type { LogRecord } from "./eventlog.ts";
import { binaryHeaders, post, testEventing, type TestEventing } from "./recorder.test-util.ts";

const T = "2026-06-01T10:00:00.000Z";
const ev = (seq: string, type: string, extra: Partial<LogRecord> = {}): LogRecord =>
  ({ kind: "event", time: T, seq, broker: "backup/rafdir", origin: "http", id: `id-${seq}`, type, source: "/rafdir/plan", rafdirrun: "r1", rafdirprofile: "db", ...extra }) as LogRecord;
const del = (seq: string, trigger: string, attempt: number, status: number, result: "done" | "reply" | "retry" | "failed"): LogRecord => ({
  kind: "delivery",
  time: T,
  seq,
  id: `id-${seq}`,
  type: "t",
  trigger: `backup/${trigger}`,
  subscriber: "http://127.0.0.1:1",
  attempt,
  status,
  result,
});

describe("summarize", () => {
  it.each<[string, LogRecord[], string]>([
    ["delivered", [ev("1", "io.rafdir.backup.planned"), del("1", "snap", 1, 202, "done")], "2026-06-01 10:00:00.000  io.rafdir.backup.planned  /rafdir/plan  run=r1 profile=db  id=id-1  => snap 202"],
    ["reply", [ev("1", "a"), del("1", "x", 1, 200, "reply")], "=> x 200 reply"],
    ["no trigger", [ev("1", "a")], "=> no trigger matched"],
    ["retried then dead-lettered", [ev("1", "a"), del("1", "x", 1, 500, "retry"), del("1", "x", 2, 500, "failed"), { kind: "deadletter", time: T, seq: "1", id: "id-1", type: "a", trigger: "backup/x", sink: "http://dls", code: 500, status: 200, delivered: true }], "=> x FAILED 500 after 2 attempts -> dead letter"],
    ["still retrying", [ev("1", "a"), del("1", "x", 1, 0, "retry")], "=> x retrying (1 attempt, last 0)"],
    ["dropped", [ev("1", "a"), { kind: "fault", time: T, seq: "1", id: "id-1", type: "a", trigger: "backup/x", fault: "drop" }], "=> x dropped (fault)"],
    ["duplicated", [ev("1", "a"), { kind: "fault", time: T, seq: "1", id: "id-1", type: "a", trigger: "backup/x", fault: "duplicate" }, del("1", "x", 1, 202, "done"), del("1", "x", 1, 202, "done")], "=> x 202 x 202 (duplicated by fault)"],
    ["lost without DLS", [ev("1", "a"), del("1", "x", 1, 0, "failed"), { kind: "lost", time: T, seq: "1", id: "id-1", type: "a", by: "trigger backup/x", reason: "no DLS" }], "=> x FAILED network LOST"],
    ["ttl", [ev("1", "a"), del("1", "x", 1, 200, "reply"), { kind: "ttl", time: T, seq: "1", id: "id-1", type: "a", trigger: "backup/x", replyType: "a" }], "=> x 200 reply reply dropped: TTL exhausted"],
    ["two triggers", [ev("1", "a"), del("1", "x", 1, 202, "done"), del("1", "y", 1, 200, "reply")], "=> x 202; y 200 reply"],
    ["rejected", [{ kind: "rejected", time: T, path: "/backup/rafdir", status: 400, reason: "batch" }], "REJECTED 400 at /backup/rafdir: batch"],
    ["source lost", [{ kind: "lost", time: T, id: "p1", type: "dev.knative.sources.ping", by: "PingSource backup/j", reason: "HTTP 404" }], "LOST dev.knative.sources.ping id=p1 (PingSource backup/j): HTTP 404"],
  ])("%s", (_n, recs, want) => {
    const lines = summarize(recs);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(want);
  });

  it("formatRecord covers every kind", () => {
    expect(formatRecord(ev("1", "a"))).toMatch(/EVENT +a +\/rafdir\/plan +run=r1 profile=db +id=id-1/);
    expect(formatRecord(del("1", "x", 2, 500, "retry"))).toMatch(/retry +x -> http:\/\/127\.0\.0\.1:1 +500 +attempt 2/);
  });
});

describe("rafdir events", () => {
  let t: TestEventing;
  beforeEach(async () => {
    t = await testEventing(["rafdir-plan", "failing", "dead-letters"]);
  });
  afterEach(async () => {
    await t.close();
  });

  it("prints one line per event, and --follow tails new records", async () => {
    t.subscribers["failing"]?.answer(() => ({ status: 503 }));
    await post(t.eventing.brokerUrl, binaryHeaders("io.rafdir.backup.requested", { "ce-rafdirrun": "run-7", "ce-rafdirprofile": "db" }));
    await post(t.eventing.brokerUrl, binaryHeaders("test.fail"));
    await post(t.eventing.brokerUrl, { "content-type": "application/cloudevents-batch+json" }, "[]");
    await t.eventing.idle();
    let out = "";
    expect(await eventsCommand(t.dir, false, { out: (s) => (out += s) })).toBe(0);
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/io\.rafdir\.backup\.requested +\/test +run=run-7 profile=db +id=\S+ +=> rafdir-plan-requested 202$/);
    expect(lines[1]).toMatch(/test\.fail .*=> failing FAILED 503 after 4 attempts -> dead letter$/);
    expect(lines[2]).toMatch(/REJECTED 400 at \/backup\/rafdir: batched CloudEvents are not supported/);

    let followed = "";
    const ac = new AbortController();
    const done = eventsCommand(t.dir, true, { out: (s) => (followed += s), signal: ac.signal, pollMs: 10 });
    await new Promise((r) => setTimeout(r, 50));
    await post(t.eventing.brokerUrl, binaryHeaders("io.rafdir.backup.requested", { "ce-id": "late" }));
    await t.eventing.idle();
    appendFileSync(t.eventing.eventLogPath, '{"torn":');
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    expect(await done).toBe(0);
    expect(followed).toMatch(/EVENT +io\.rafdir\.backup\.requested .*id=late/);
    expect(followed).toMatch(/deliver +rafdir-plan-requested -> http:\/\/127\.0\.0\.1:\d+ +202 +attempt 1/);
    expect(followed.split("\n").filter((l) => l.includes("EVENT"))).toHaveLength(3); // the rejected batch is no event
  });

  it("says so when there is no log", async () => {
    let out = "";
    await eventsCommand("/nonexistent-dir", false, { out: (s) => (out += s) });
    expect(out).toMatch(/no events yet/);
  });
});
