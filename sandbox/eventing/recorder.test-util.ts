// Test helpers: local subscriber servers on 127.0.0.1:0 that record what they receive and answer as told, and an
// eventing instance over the testdata manifests with those servers mapped by service name.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Api } from "../apiserver/api.ts";
import { Store } from "../apiserver/store.ts";
import { createLogger } from "../../shared/log.ts";
import { parseMessage, toBinary, type Envelope } from "./envelope.ts";
import { startEventing, type Eventing, type EventingOptions } from "./eventing.ts";

export const TESTDATA = fileURLToPath(new URL("./testdata/", import.meta.url));

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Attributes when the request was a CloudEvent. */
  attrs: Record<string, string>;
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Answer only after this long (a slow subscriber). */
  delayMs?: number;
}

export interface Recorder {
  url: string;
  received: Received[];
  /** Changes the answer for later requests. */
  answer(fn: (r: Received) => Answer): void;
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A 200 answer carrying `ev` in binary mode (a reply). */
export function replyWith(ev: Envelope): Answer {
  const m = toBinary(ev);
  return { status: 200, headers: m.headers, body: m.body ?? "" };
}

export async function startRecorder(answer: (r: Received) => Answer = () => ({ status: 202 })): Promise<Recorder> {
  const received: Received[] = [];
  let respond = answer;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const parsed = parseMessage(req.headers, body);
      const r: Received = { path: req.url ?? "", headers: req.headers, body, attrs: parsed.ok ? { ...parsed.event.attrs } : {}, at: Date.now() };
      received.push(r);
      const a = respond(r);
      setTimeout(() => res.writeHead(a.status, a.headers).end(a.body), a.delayMs ?? 0);
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (fn) => {
      respond = fn;
    },
    async waitFor(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} requests, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

export interface TestEventing {
  eventing: Eventing;
  api: Api;
  dir: string;
  subscribers: Record<string, Recorder>;
  close(): Promise<void>;
}

/** Eventing over testdata/knative with one recorder per service name. */
export async function testEventing(names: string[], opts: Partial<EventingOptions> = {}): Promise<TestEventing> {
  const dir = mkdtempSync(join(tmpdir(), "rafdir-eventing-"));
  const subscribers: Record<string, Recorder> = {};
  for (const n of names) subscribers[n] = await startRecorder();
  const api = opts.api ?? new Api(new Store());
  const eventing = await startEventing({
    dir,
    manifestsDir: join(TESTDATA, "knative"),
    api,
    apiServerUrl: "https://127.0.0.1:6443",
    kubeconfig: join(dir, "kubeconfig"),
    projectRoot: join(TESTDATA, "project"),
    log: createLogger({ level: process.env["RAFDIR_TEST_LOG"] ?? "silent" }),
    timeScale: 0.01,
    startFunctions: false,
    schedulePings: false,
    services: Object.fromEntries(Object.entries(subscribers).map(([n, r]) => [n, r.url])),
    ...opts,
  });
  return {
    eventing,
    api,
    dir,
    subscribers,
    async close() {
      await eventing.stop();
      await Promise.all(Object.values(subscribers).map((s) => s.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** POSTs raw to the ingress. */
export async function post(url: string, headers: Record<string, string>, body: string | Buffer = ""): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: "POST", headers, body: typeof body === "string" ? body : new Uint8Array(body) });
  return { status: res.status, body: await res.text() };
}

export function binaryHeaders(type: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "ce-specversion": "1.0", "ce-id": `id-${Math.random().toString(36).slice(2)}`, "ce-type": type, "ce-source": "/test", "content-type": "application/json", ...extra };
}
