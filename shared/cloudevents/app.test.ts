import { describe, expect, it, vi } from "vitest";
import request from "supertest";
import { CloudEvent, HTTP } from "cloudevents";
import { ApiException } from "@kubernetes/client-node";
import { InvalidEventError, TransientError } from "../errors.ts";
import { EventTypes, Extensions, newEvent, type EventType } from "../events.ts";
import { captureLog } from "../testing/log-capture.ts";
import { createFunctionApp, type Handlers } from "./app.ts";
import { createLifecycle } from "./lifecycle.ts";

const planned = () => newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "app-1", profile: "app" }, { id: "ev-1" });
const snapshotReady = newEvent(EventTypes.snapshotReady, "/rafdir/snapshot", {
  run: "app-1",
  profile: "app",
  snapshots: [{ pvc: "data", volumeSnapshot: "app-1-data", namespace: "app" }],
});

/** A snapshot function whose planned handler replies with snapshot.ready, plus a spy to prove it ran. */
function setup(handlers?: Handlers) {
  const captured = captureLog();
  const lifecycle = createLifecycle();
  const spy = vi.fn<(type: string, data: unknown) => void>();
  const defaults: Handlers = {
    [EventTypes.backupPlanned]: (ev, ctx) => {
      spy(ev.type, ev.data);
      expect(ctx.source).toBe("/rafdir/snapshot");
      return snapshotReady;
    },
    [EventTypes.ping]: (ev) => void spy(ev.type, ev.data),
  };
  const app = createFunctionApp({ name: "snapshot", handlers: handlers ?? defaults, log: captured.log, lifecycle });
  return { app, spy, lifecycle, lines: captured.lines };
}

const binary = (ev: CloudEvent<unknown>) => HTTP.binary(ev) as { headers: Record<string, string>; body: string };
const ceHeaders = (type: string, extra: Record<string, string> = {}) => ({
  "ce-id": "1",
  "ce-specversion": "1.0",
  "ce-source": "/test",
  "ce-type": type,
  "content-type": "application/json",
  ...extra,
});

describe("createFunctionApp: accepted events", () => {
  it.each([
    ["binary mode", binary(planned())],
    ["structured mode", HTTP.structured(planned()) as { headers: Record<string, string>; body: string }],
    ["structured mode without the space before charset", { headers: { "content-type": "application/cloudevents+json;charset=utf-8" }, body: planned().toString() }],
  ])("given %s, returns 200 with the reply as a binary-mode CloudEvent", async (_mode, message) => {
    const { app, spy } = setup();
    const res = await request(app).post("/").set(message.headers).send(message.body);
    expect(res.status).toBe(200);
    expect(spy).toHaveBeenCalledWith(EventTypes.backupPlanned, { run: "app-1", profile: "app" });
    expect(res.headers).toMatchObject({
      "ce-id": snapshotReady.id,
      "ce-type": "io.rafdir.snapshot.ready",
      "ce-source": "/rafdir/snapshot",
      "ce-specversion": "1.0",
      "ce-rafdirrun": "app-1",
      "ce-rafdirprofile": "app",
    });
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual(snapshotReady.data);
    expect(HTTP.toEvent({ headers: res.headers, body: res.text })).toMatchObject({ type: EventTypes.snapshotReady });
  });

  it("given a handler that returns nothing, returns 202 with an empty body", async () => {
    const { app, spy } = setup();
    const ping = new CloudEvent({ type: EventTypes.ping, source: "/apis/v1/namespaces/backup/pingsources/rafdir-janitor", data: { janitor: true } });
    const res = await request(app).post("/").set(binary(ping).headers).send(binary(ping).body);
    expect(res.status).toBe(202);
    expect(res.text).toBe("");
    expect(spy).toHaveBeenCalledWith(EventTypes.ping, { janitor: true });
  });

  it.each([
    ["no content type (PingSource without contentType)", { "content-type": "" }, '{"schedule":"nightly"}', { schedule: "nightly" }],
    ["application/json without the space before charset", { "content-type": "application/json;charset=utf-8" }, '{"schedule":"x"}', { schedule: "x" }],
    ["no body at all", { "content-type": "" }, undefined, {}],
  ])("given JSON data with %s, returns 202 and hands the handler parsed data", async (_what, extra, body, data) => {
    const { app, spy } = setup();
    const headers = Object.fromEntries(Object.entries(ceHeaders(EventTypes.ping, extra)).filter(([, v]) => v !== ""));
    // Without a content type superagent labels a string form-urlencoded (and JSON-encodes a Buffer with one).
    const payload = body === undefined || headers["content-type"] ? body : Buffer.from(body);
    const res = await request(app).post("/").set(headers).send(payload);
    expect(res.status).toBe(202);
    expect(spy).toHaveBeenCalledWith(EventTypes.ping, data);
  });
});

describe("createFunctionApp: rejected events (400, handler never called)", () => {
  const json = '{"run":"r","profile":"p"}';
  const structured = (attrs: Record<string, unknown>) => JSON.stringify({ id: "1", specversion: "1.0", source: "/t", ...attrs });
  it.each([
    ["no ce-id (not a CloudEvent)", ceHeaders(EventTypes.backupPlanned, { "ce-id": "" }), json, /^invalid CloudEvent: no cloud event detected$/],
    ["a bad specversion", ceHeaders(EventTypes.backupPlanned, { "ce-specversion": "9.9" }), json, /unsupported specversion 9\.9/],
    ["no specversion in binary mode", ceHeaders(EventTypes.backupPlanned, { "ce-specversion": "" }), json, /missing specversion/],
    ["no source", ceHeaders(EventTypes.backupPlanned, { "ce-source": "" }), json, /source/],
    ["non-JSON structured body", { "content-type": "application/cloudevents+json" }, "not json", /^invalid CloudEvent: body is not valid JSON$/],
    ["structured without type", { "content-type": "application/cloudevents+json" }, structured({ data: {} }), /type/],
    ["binary data that is not JSON", ceHeaders(EventTypes.backupPlanned), "{run", /not valid JSON/],
    ["a batch", { "content-type": "application/cloudevents-batch+json" }, "[]", /^batched CloudEvents are not supported$/],
    ["an unknown type", ceHeaders("com.example.thing.happened"), json, /^unknown event type com\.example\.thing\.happened$/],
    ["a catalog type this function does not handle", ceHeaders(EventTypes.restoreRequested), json, /^event type io\.rafdir\.restore\.requested is not handled by snapshot$/],
    ["data failing the schema", ceHeaders(EventTypes.backupPlanned), '{"profile":"p"}', /^invalid io\.rafdir\.backup\.planned: data\.run: /],
    ["structured data_base64", { "content-type": "application/cloudevents+json" }, structured({ type: EventTypes.backupPlanned, data_base64: "e30=" }), /binary data/],
    ["a body over 1 MB", ceHeaders(EventTypes.backupPlanned), `{"x":"${"a".repeat(1_100_000)}"}`, /larger than 1mb/],
  ])("given %s, returns 400 with a short plain-text reason", async (_what, rawHeaders, body, reason) => {
    const { app, spy } = setup();
    const headers = Object.fromEntries(Object.entries(rawHeaders).filter(([, v]) => v !== ""));
    const res = await request(app).post("/").set(headers).send(body);
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.text).toMatch(reason);
    expect(res.text.length).toBeLessThanOrEqual(200);
    expect(res.text).not.toMatch(/[{}\n]/);
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("createFunctionApp: handler outcomes", () => {
  const only = (handle: () => unknown): Handlers => ({ [EventTypes.backupPlanned]: async () => handle() as undefined });
  const kube404 = new ApiException(404, "x", '{"kind":"Status","reason":"NotFound","code":404}', {});
  const kube409 = new ApiException(409, "x", '{"kind":"Status","reason":"AlreadyExists","code":409}', {});
  it.each([
    ["an InvalidEventError", 400, "profile app is not configured", () => { throw new InvalidEventError("profile app is not configured"); }],
    ["a TransientError", 503, "transient failure, retry later: api server busy", () => { throw new TransientError("api server busy"); }],
    ["an unexpected error", 503, "internal error", () => { throw new Error("secret detail"); }],
    ["a leaked Kubernetes 404", 503, "internal error", () => { throw kube404; }],
    ["a leaked Kubernetes 409", 503, "internal error", () => { throw kube409; }],
    ["a reply outside the catalog", 503, "internal error", () => new CloudEvent({ type: "com.example.x", source: "/x", data: {} })],
    ["a reply with bad data", 503, "internal error", () => new CloudEvent({ type: EventTypes.pvcBound, source: "/x", data: { run: "r" } })],
  ])("given %s, returns %d with a plain-text body", async (_what, status, text, handle) => {
    const { app } = setup(only(handle));
    const res = await request(app).post("/").set(binary(planned()).headers).send(binary(planned()).body);
    expect(res.status).toBe(status);
    expect(res.text).toBe(text);
    expect(res.headers["ce-id"]).toBeUndefined();
  });

  it("given a TransientError with retryAfterSeconds, returns 503 with Retry-After", async () => {
    const { app } = setup(only(() => { throw new TransientError("later", { retryAfterSeconds: 2.5 }); }));
    const res = await request(app).post("/").set(binary(planned()).headers).send(binary(planned()).body);
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("3");
  });
});

describe("createFunctionApp: logging", () => {
  it("given an event, returns one line received and one line replied, with id, type, run, profile and status", async () => {
    const { app, lines } = setup();
    await request(app).post("/").set(binary(planned()).headers).send(binary(planned()).body);
    const [received, replied, ...rest] = lines();
    expect(rest).toEqual([]);
    const ids = { ceId: "ev-1", ceType: EventTypes.backupPlanned, ceSource: "/rafdir/plan", run: "app-1", profile: "app" };
    expect(received).toMatchObject({ ...ids, msg: "event received" });
    expect(replied).toMatchObject({ ...ids, msg: "reply sent", status: 200, reply: { ceType: EventTypes.snapshotReady } });
  });

  it("given an unparseable event, returns one warning line with what the headers said and the reason", async () => {
    const { app, lines } = setup();
    await request(app).post("/").set(ceHeaders(EventTypes.backupPlanned, { "ce-specversion": "0.1" })).send("{}");
    expect(lines()).toEqual([expect.objectContaining({ level: 40, ceId: "1", ceType: EventTypes.backupPlanned, status: 400 })]);
  });
});

describe("createFunctionApp: health and other routes", () => {
  it.each([
    ["liveness", 200, "/health/liveness", () => undefined],
    ["readiness", 200, "/health/readiness", () => undefined],
    ["readiness while draining", 503, "/health/readiness", (l: { drain(): void }) => l.drain()],
    ["liveness while draining", 200, "/health/liveness", (l: { drain(): void }) => l.drain()],
  ])("given %s, returns %d", async (_what, status, path, act) => {
    const { app, lifecycle } = setup();
    act(lifecycle);
    expect((await request(app).get(path)).status).toBe(status);
  });

  it("given an extra readiness check that fails, returns 503", async () => {
    const app = createFunctionApp({ name: "plan", handlers: {}, log: captureLog().log, ready: () => false });
    expect((await request(app).get("/health/readiness")).status).toBe(503);
  });

  it.each([
    ["GET /", 405, "get", "/"],
    ["POST /other", 404, "post", "/other"],
  ] as const)("given %s, returns %d", async (_what, status, method, path) => {
    const { app } = setup();
    expect((await request(app)[method](path)).status).toBe(status);
  });
});

// The typed handler map: each handler sees its own data type (a compile-time check as much as a test).
describe("Handlers typing", () => {
  it("given a handler for snapshot.ready, returns data typed as SnapshotReady", async () => {
    const seen: string[] = [];
    const type: EventType = EventTypes.snapshotReady;
    const app = createFunctionApp({
      name: "run-restic",
      log: captureLog().log,
      handlers: { [EventTypes.snapshotReady]: (ev) => void seen.push(...ev.data.snapshots.map((s) => s.pvc)) },
    });
    const msg = binary(snapshotReady);
    expect((await request(app).post("/").set(msg.headers).send(msg.body)).status).toBe(202);
    expect(seen).toEqual(["data"]);
    expect(snapshotReady[Extensions.run]).toBe("app-1");
    expect(type).toBe("io.rafdir.snapshot.ready");
  });
});
