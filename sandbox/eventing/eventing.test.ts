// The broker end to end over real HTTP: testdata/knative manifests, local subscriber servers mapped by service name.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRecords } from "./eventlog.ts";
import { binaryHeaders, post, replyWith, testEventing, type TestEventing } from "./recorder.test-util.ts";

const SERVICES = ["rafdir-plan", "rafdir-snapshot", "rafdir-cleanup", "rafdir-run-restic", "failing", "chain-a", "chain-b", "chain-c", "looper", "run-watcher", "dead-letters"];

let t: TestEventing;
let broker: string;
const sub = (name: string) => {
  const s = t.subscribers[name];
  if (!s) throw new Error(`no subscriber ${name}`);
  return s;
};
const records = () => parseRecords(readFileSync(t.eventing.eventLogPath, "utf8")).records;

beforeEach(async () => {
  t = await testEventing(SERVICES);
  broker = t.eventing.brokerUrl;
});
afterEach(async () => {
  await t.close();
});

describe("ingress", () => {
  it("binary POST reaches only the subscriber its trigger names", async () => {
    const res = await post(broker, binaryHeaders("io.rafdir.backup.requested", { "ce-rafdirrun": "run1" }), '{"profiles":["db"]}');
    expect(res.status).toBe(202);
    await t.eventing.idle();
    const [got] = sub("rafdir-plan").received;
    expect(sub("rafdir-plan").received).toHaveLength(1);
    expect(got?.attrs).toMatchObject({ type: "io.rafdir.backup.requested", source: "/test", rafdirrun: "run1", datacontenttype: "application/json" });
    expect(got?.attrs["knativearrivaltime"]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(got?.attrs).not.toHaveProperty("knativebrokerttl");
    expect(got?.headers["prefer"]).toBe("reply");
    expect(got?.body.toString()).toBe('{"profiles":["db"]}');
    for (const other of SERVICES.filter((s) => s !== "rafdir-plan")) expect(sub(other).received).toHaveLength(0);
  });

  it("structured POST is delivered in binary mode", async () => {
    const ev = { specversion: "1.0", id: "s1", type: "io.rafdir.backup.planned", source: "/rafdir/plan", rafdirprofile: "db", data: { run: "r" } };
    const res = await post(broker, { "content-type": "application/cloudevents+json" }, JSON.stringify(ev));
    expect(res.status).toBe(202);
    await t.eventing.idle();
    const [got] = sub("rafdir-snapshot").received;
    expect(got?.headers["ce-id"]).toBe("s1");
    expect(got?.attrs).toMatchObject({ rafdirprofile: "db", datacontenttype: "application/json" });
    expect(JSON.parse(got?.body.toString() ?? "")).toEqual({ run: "r" });
    expect(sub("rafdir-plan").received).toHaveLength(0);
  });

  it.each([
    ["batch", { "content-type": "application/cloudevents-batch+json" }, "[]", 400],
    ["plain JSON", { "content-type": "application/json" }, '{"type":"x"}', 400],
    ["invalid (no source)", { "ce-specversion": "1.0", "ce-id": "1", "ce-type": "t" }, "", 400],
    ["TTL used up", binaryHeaders("t", { "ce-knativebrokerttl": "0" }), "", 400],
  ])("%s → %d", async (_n, headers: Record<string, string>, body, status) => {
    expect((await post(broker, headers, body)).status).toBe(status);
  });

  it("answers the MT broker's codes for paths and methods", async () => {
    const base = t.eventing.ingressUrl;
    expect((await post(`${base}/backup/nope`, binaryHeaders("t"))).status).toBe(404);
    expect((await post(`${base}/`, binaryHeaders("t"))).status).toBe(404);
    expect((await post(`${base}/backup`, binaryHeaders("t"))).status).toBe(400);
    expect((await fetch(broker)).status).toBe(405);
    expect((await fetch(broker, { method: "OPTIONS" })).status).toBe(200);
    expect(records().filter((r) => r.kind === "rejected").map((r) => r.kind === "rejected" && r.status)).toEqual([404]);
  });

  it("legacy \"\" and nested filters route to a subscriber with a uri path", async () => {
    await post(broker, binaryHeaders("x.important", { "ce-source": "/test/watch" }));
    await post(broker, binaryHeaders("x.other", { "ce-source": "/test/watch", "ce-rafdirprofile": "special" }));
    await post(broker, binaryHeaders("io.rafdir.x.important", { "ce-source": "/test/watch" }));
    await post(broker, binaryHeaders("x.other", { "ce-source": "/test/watch" }));
    await t.eventing.idle();
    expect(sub("run-watcher").received.map((r) => [r.path, r.attrs["type"]])).toEqual([
      ["/hook", "x.important"],
      ["/hook", "x.other"],
    ]);
  });
});

describe("delivery", () => {
  it("acknowledges at once, retries a 500 per the trigger's policy, then dead-letters", async () => {
    sub("failing").answer(() => ({ status: 500, body: "boom", delayMs: 100 }));
    const res = await post(broker, binaryHeaders("test.fail", { "ce-id": "f1" }), '{"n":1}');
    expect(res.status).toBe(202);
    expect(sub("failing").received.length).toBeLessThanOrEqual(1); // the broker answered before the subscriber did
    expect(sub("dead-letters").received).toHaveLength(0);
    await t.eventing.idle();
    expect(sub("failing").received).toHaveLength(4); // retry: 3 (linear) → 4 attempts
    const [dead] = sub("dead-letters").received;
    expect(sub("dead-letters").received).toHaveLength(1);
    expect(dead?.attrs).toMatchObject({ id: "f1", type: "test.fail", knativeerrordest: `${sub("failing").url}`, knativeerrorcode: "500" });
    expect(Buffer.from(dead?.attrs["knativeerrordata"] ?? "", "base64").toString()).toBe("boom");
    expect(dead?.body.toString()).toBe('{"n":1}');
    const log = records();
    expect(log.filter((r) => r.kind === "delivery").map((r) => r.kind === "delivery" && r.result)).toEqual(["retry", "retry", "retry", "failed"]);
    expect(log.find((r) => r.kind === "deadletter")).toMatchObject({ code: 500, delivered: true, trigger: "backup/failing" });
  });

  it("sends a 400 straight to the dead-letter sink", async () => {
    sub("failing").answer(() => ({ status: 400, body: "bad event" }));
    await post(broker, binaryHeaders("test.fail"));
    await t.eventing.idle();
    expect(sub("failing").received).toHaveLength(1);
    expect(sub("dead-letters").received[0]?.attrs).toMatchObject({ knativeerrorcode: "400", knativeerrordata: Buffer.from("bad event").toString("base64") });
  });

  it("treats a 2xx with a non-event body as a 502: retried, then dead-lettered", async () => {
    sub("failing").answer(() => ({ status: 200, headers: { "content-type": "application/json" }, body: '{"ok":true}' }));
    await post(broker, binaryHeaders("test.fail"));
    await t.eventing.idle();
    expect(sub("failing").received).toHaveLength(4);
    expect(sub("dead-letters").received[0]?.attrs).toMatchObject({ knativeerrorcode: "502", knativeerrordata: Buffer.from('{"ok":true}').toString("base64") });
  });

  it("retries an unreachable subscriber and dead-letters with code 0", async () => {
    await sub("failing").close();
    await post(broker, binaryHeaders("test.fail"));
    await t.eventing.idle();
    expect(sub("dead-letters").received[0]?.attrs).toMatchObject({ knativeerrorcode: "0" });
    expect(records().filter((r) => r.kind === "delivery")).toHaveLength(4);
  });

  it("re-publishes replies: a chain of three hops", async () => {
    const next = (type: string) => (r: { attrs: Record<string, string> }) =>
      replyWith({ attrs: { specversion: "1.0", id: `${r.attrs["id"] ?? ""}-${type}`, type, source: "/chain", rafdirrun: r.attrs["rafdirrun"] ?? "" }, data: Buffer.from(`"${type}"`) });
    sub("chain-a").answer(next("test.chain.b"));
    sub("chain-b").answer(next("test.chain.c"));
    sub("chain-c").answer(() => ({ status: 204 }));
    await post(broker, binaryHeaders("test.chain.a", { "ce-id": "c1", "ce-rafdirrun": "r9" }));
    await t.eventing.idle();
    const [c] = sub("chain-c").received;
    expect(c?.attrs).toMatchObject({ id: "c1-test.chain.b-test.chain.c", type: "test.chain.c", rafdirrun: "r9" });
    expect(c?.attrs).not.toHaveProperty("knativebrokerttl");
    const events = records().filter((r) => r.kind === "event");
    expect(events.map((e) => e.kind === "event" && [e.type, e.origin, e.extensions?.["knativebrokerttl"]])).toEqual([
      ["test.chain.a", "http", "255"],
      ["test.chain.b", "reply from backup/chain-a", "254"],
      ["test.chain.c", "reply from backup/chain-b", "253"],
    ]);
  });

  it("stops a reply loop when the TTL runs out", async () => {
    let n = 0;
    sub("looper").answer(() => replyWith({ attrs: { specversion: "1.0", id: `loop-${++n}`, type: "test.loop", source: "/loop" }, data: undefined }));
    await post(broker, binaryHeaders("test.loop", { "ce-knativebrokerttl": "3" }));
    await t.eventing.idle();
    expect(sub("looper").received).toHaveLength(3);
    expect(records().filter((r) => r.kind === "ttl")).toHaveLength(1);
  });
});

describe("PingSource", () => {
  it("a tick reaches its subscriber with the real type, source, data and content type", async () => {
    const id = await t.eventing.tick("backup", "rafdir-schedule-nightly");
    await t.eventing.idle();
    const [got] = sub("rafdir-plan").received;
    expect(got?.attrs).toMatchObject({ id, type: "dev.knative.sources.ping", source: "/apis/v1/namespaces/backup/pingsources/rafdir-schedule-nightly", datacontenttype: "application/json" });
    expect(got?.body.toString()).toBe('{"schedule":"nightly"}');
    expect(sub("rafdir-cleanup").received).toHaveLength(0);
  });

  it("fires over HTTP too, with dataBase64 decoded and ceOverrides", async () => {
    const res = await fetch(`${t.eventing.ingressUrl}/_sandbox/pingsources/backup/rafdir-janitor/tick`, { method: "POST" });
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    await t.eventing.idle();
    const [got] = sub("rafdir-cleanup").received;
    expect(got?.attrs).toMatchObject({ id, source: "/apis/v1/namespaces/backup/pingsources/rafdir-janitor", datacontenttype: "text/plain", rafdirjob: "janitor" });
    expect(got?.body.toString()).toBe("hello janitor");
    expect((await fetch(`${t.eventing.ingressUrl}/_sandbox/pingsources/backup/nope/tick`, { method: "POST" })).status).toBe(404);
    expect(await t.eventing.tick("backup", "nope")).toBeUndefined();
  });
});

describe("fault injection", () => {
  it("duplicates deliveries (HTTP admin endpoint)", async () => {
    const res = await fetch(`${t.eventing.ingressUrl}/_sandbox/faults`, { method: "POST", body: JSON.stringify({ duplicate: { every: 1, type: "io.rafdir.backup.requested" } }) });
    expect(res.status).toBe(200);
    await post(broker, binaryHeaders("io.rafdir.backup.requested", { "ce-id": "d1" }));
    await post(broker, binaryHeaders("io.rafdir.backup.planned", { "ce-id": "d2" }));
    await t.eventing.idle();
    expect(sub("rafdir-plan").received.map((r) => r.attrs["id"])).toEqual(["d1", "d1"]);
    expect(sub("rafdir-snapshot").received).toHaveLength(1);
    expect(records().filter((r) => r.kind === "fault")).toMatchObject([{ fault: "duplicate", id: "d1" }]);
  });

  it("drops deliveries (setFaults), and rejects invalid rules", async () => {
    t.eventing.setFaults({ drop: { probability: 1 } });
    expect((await post(broker, binaryHeaders("io.rafdir.backup.requested"))).status).toBe(202);
    await t.eventing.idle();
    expect(sub("rafdir-plan").received).toHaveLength(0);
    expect(records().filter((r) => r.kind === "fault")).toMatchObject([{ fault: "drop" }]);
    const bad = await fetch(`${t.eventing.ingressUrl}/_sandbox/faults`, { method: "POST", body: '{"drop":{"probability":3}}' });
    expect(bad.status).toBe(400);
    const cleared = await fetch(`${t.eventing.ingressUrl}/_sandbox/faults`, { method: "DELETE" });
    expect(await cleared.json()).toEqual({});
  });
});

describe("status", () => {
  it("lists brokers, triggers with their resolved subscribers, sources", async () => {
    const s = (await (await fetch(`${t.eventing.ingressUrl}/_sandbox/status`)).json()) as { brokers: string[]; triggers: Array<{ trigger: string; subscriber: { ok: boolean } }>; pingSources: string[] };
    expect(s.brokers).toEqual(["backup/rafdir"]);
    expect(s.triggers.length).toBe(11);
    expect(s.triggers.every((x) => x.subscriber.ok)).toBe(true);
    expect(s.pingSources.sort()).toEqual(["backup/rafdir-janitor", "backup/rafdir-schedule-nightly"]);
  });
});
