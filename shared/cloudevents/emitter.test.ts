import { describe, expect, it, onTestFinished, vi } from "vitest";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CloudEvent, HTTP } from "cloudevents";
import { EventContractError, TransientError } from "../errors.ts";
import { EventTypes, newEvent } from "../events.ts";
import { captureLog } from "../testing/log-capture.ts";
import { createEmitter, SinkRejectedError, type EmitterOptions } from "./emitter.ts";

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real sink on 127.0.0.1:0 answering with the scripted statuses in turn (then 202). */
async function startSink(statuses: Array<number | { status: number; headers?: Record<string, string>; body?: string }> = []) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const next = statuses.shift() ?? 202;
      const answer = typeof next === "number" ? { status: next } : next;
      res.writeHead(answer.status, answer.headers).end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backup/rafdir`;
  const stop = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  onTestFinished(stop);
  return { url, received, stop };
}

const event = () => newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "app-1", profile: "app" }, { id: "ev-1" });
const fast = (sink: string, extra: Partial<EmitterOptions> = {}) =>
  createEmitter({ sink, log: captureLog().log, backoffMs: 1, maxBackoffMs: 5, ...extra });

describe("createEmitter: what goes on the wire", () => {
  it("given an event, returns after POSTing it in binary mode to the sink path", async () => {
    const sink = await startSink();
    const result = await fast(sink.url).emit(event());
    expect(result).toMatchObject({ status: 202, attempts: 1 });
    expect(sink.received).toHaveLength(1);
    const [req] = sink.received;
    expect(req).toMatchObject({ method: "POST", url: "/backup/rafdir" });
    expect(req?.headers).toMatchObject({
      "ce-id": "ev-1",
      "ce-type": "io.rafdir.backup.planned",
      "ce-source": "/rafdir/plan",
      "ce-specversion": "1.0",
      "ce-rafdirrun": "app-1",
      "ce-rafdirprofile": "app",
      "content-type": "application/json",
    });
    expect(JSON.parse(req?.body ?? "")).toEqual({ run: "app-1", profile: "app" });
    const back = HTTP.toEvent({ headers: req?.headers ?? {}, body: req?.body }) as CloudEvent<unknown>;
    expect(back.validate()).toBe(true);
  });

  it.each([
    ["the raw K_CE_OVERRIDES JSON", '{"extensions":{"cluster":"prod","rafdirprofile":"overridden"}}'],
    ["overrides parsed by loadConfig", { extensions: { cluster: "prod", rafdirprofile: "overridden" } }],
  ])("given %s, returns the event sent with the extensions merged (overrides win)", async (_what, overrides) => {
    const sink = await startSink();
    const result = await fast(sink.url, { overrides }).emit(event());
    expect(sink.received[0]?.headers).toMatchObject({ "ce-cluster": "prod", "ce-rafdirprofile": "overridden", "ce-rafdirrun": "app-1" });
    expect(result.event).toMatchObject({ cluster: "prod", rafdirprofile: "overridden" });
  });

  it("given an event, returns after logging one line with its id, type, run, profile and status", async () => {
    const sink = await startSink();
    const captured = captureLog();
    await createEmitter({ sink: sink.url, log: captured.log }).emit(event());
    expect(captured.lines()).toEqual([
      expect.objectContaining({ msg: "event sent", ceId: "ev-1", ceType: EventTypes.backupPlanned, run: "app-1", profile: "app", status: 202, sink: sink.url }),
    ]);
  });
});

describe("createEmitter: retries", () => {
  it.each([404, 408, 409, 429, 500, 502, 503])("given a %d then a 202, returns success after 2 attempts", async (status) => {
    const sink = await startSink([status]);
    const result = await fast(sink.url).emit(event());
    expect(result).toMatchObject({ status: 202, attempts: 2 });
    expect(sink.received.map((r) => r.headers["ce-id"])).toEqual(["ev-1", "ev-1"]);
  });

  it("given a 503 every time, throws a TransientError after retries + 1 attempts", async () => {
    const sink = await startSink([503, 503, 503, 503]);
    const emit = fast(sink.url, { retries: 2 }).emit(event());
    await expect(emit).rejects.toThrow(TransientError);
    await expect(emit).rejects.toThrow(/failed after 3 attempts: 503/);
    expect(sink.received).toHaveLength(3);
  });

  it("given a sink that refuses connections, throws a TransientError naming the cause", async () => {
    const sink = await startSink();
    await sink.stop();
    await expect(fast(sink.url, { retries: 1 }).emit(event())).rejects.toThrow(/failed after 2 attempts: .*ECONNREFUSED/);
  });

  it("given backoff settings, returns after waiting base, 2·base, 4·base (capped)", async () => {
    const sink = await startSink([503, 503, 503, 503]);
    const sleep = vi.fn((_ms: number) => Promise.resolve());
    await fast(sink.url, { backoffMs: 100, maxBackoffMs: 300, sleep }).emit(event());
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([100, 200, 300, 300]);
  });

  it("given a 429 with Retry-After, returns after waiting that long, within the cap", async () => {
    const sink = await startSink([{ status: 429, headers: { "retry-after": "1" } }]);
    const sleep = vi.fn((_ms: number) => Promise.resolve());
    await fast(sink.url, { backoffMs: 10, maxBackoffMs: 5_000, sleep }).emit(event());
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([1_000]);
  });
});

describe("createEmitter: final failures", () => {
  it.each([400, 401, 403, 413, 302])("given a %d, throws SinkRejectedError at once with the status and body", async (status) => {
    const sink = await startSink([{ status, body: "no cloud event detected" }]);
    const emit = fast(sink.url).emit(event());
    await expect(emit).rejects.toThrow(SinkRejectedError);
    await expect(emit).rejects.toMatchObject({ status, body: "no cloud event detected" });
    await expect(emit).rejects.toThrow(`sink rejected io.rafdir.backup.planned ev-1 to ${sink.url}: ${status} no cloud event detected`);
    expect(sink.received).toHaveLength(1);
  });

  it("given an event outside the catalog, throws EventContractError without sending", async () => {
    const sink = await startSink();
    const stray = new CloudEvent({ type: "com.example.x", source: "/x", data: {} });
    await expect(fast(sink.url).emit(stray)).rejects.toThrow(EventContractError);
    expect(sink.received).toHaveLength(0);
  });

  it.each([
    ["not JSON", "{", /K_CE_OVERRIDES: not valid JSON/],
    ["a bad extension name", '{"extensions":{"Cluster":"x"}}', /K_CE_OVERRIDES: extensions\.Cluster/],
  ])("given overrides that are %s, throws at creation", (_what, overrides, message) => {
    expect(() => createEmitter({ sink: "http://127.0.0.1:1/", overrides, log: captureLog().log })).toThrow(message);
  });
});
