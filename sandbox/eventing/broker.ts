// The broker's HTTP face on 127.0.0.1: POST /<namespace>/<broker> with the MT broker ingress's status codes, plus
// sandbox admin routes under /_sandbox/ (faults, PingSource ticks, status).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../controllers/framework.ts";
import { parseMessage } from "./envelope.ts";
import type { Faults } from "./faults.ts";
import type { Ingress } from "./ingress.ts";

export type Route =
  | { kind: "options" }
  | { kind: "status"; status: number; reason: string }
  | { kind: "ingress"; broker: string }
  | { kind: "admin"; path: string[] };

/** Where a request goes, from method and path alone (the MT broker ingress's checks, in its order). */
export function routeRequest(method: string, pathname: string): Route {
  if (pathname.startsWith("/_sandbox/")) return { kind: "admin", path: pathname.slice("/_sandbox/".length).split("/").filter(Boolean) };
  if (method === "OPTIONS") return { kind: "options" };
  if (method !== "POST") return { kind: "status", status: 405, reason: `method ${method} not allowed; POST a CloudEvent` };
  if (pathname === "/") return { kind: "status", status: 404, reason: "POST to /<namespace>/<broker>" };
  const parts = (pathname.endsWith("/") ? pathname.slice(0, -1) : pathname).split("/");
  if (parts.length !== 3 || !parts[1] || !parts[2]) return { kind: "status", status: 400, reason: `malformed path ${pathname}; expected /<namespace>/<broker>` };
  return { kind: "ingress", broker: `${decodeURIComponent(parts[1])}/${decodeURIComponent(parts[2])}` };
}

export interface AdminHandlers {
  getFaults(): Faults;
  /** Throws with a message when the body is not a valid Faults object. */
  setFaults(body: unknown): Faults;
  /** Fires a PingSource now; undefined when it does not exist. */
  tick(namespace: string, name: string): Promise<string | undefined>;
  status(): unknown;
}

const MAX_BODY = 64 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = typeof body === "string" ? `${body}\n` : `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json" }).end(text);
}

export function createBrokerServer(ingress: Ingress, admin: AdminHandlers, log: Logger): Server {
  return createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      log.error({ err: String(err), url: req.url }, "broker request failed");
      if (!res.headersSent) send(res, 500, "internal error");
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://broker");
    const route = routeRequest(req.method ?? "GET", url.pathname);
    if (route.kind === "options") {
      res.writeHead(200, { allow: "POST, OPTIONS", "webhook-allowed-origin": "*", "webhook-allowed-rate": "*" }).end();
      return;
    }
    if (route.kind === "status") {
      req.resume();
      return send(res, route.status, route.reason);
    }
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, "request body too large");
    if (route.kind === "admin") return handleAdmin(req.method ?? "GET", route.path, body, res);
    const parsed = parseMessage(req.headers, body);
    if (!parsed.ok) {
      const r = ingress.reject(route.broker, "http", 400, parsed.reason);
      return send(res, r.status, r.reason);
    }
    const result = ingress.publish(parsed.event, route.broker, "http");
    if (result.status === 202) return send(res, 202);
    return send(res, result.status, result.reason);
  }

  async function handleAdmin(method: string, path: string[], body: Buffer, res: ServerResponse): Promise<void> {
    const [what, ns, name, action] = path;
    if (what === "faults" && path.length === 1) {
      if (method === "GET") return send(res, 200, admin.getFaults());
      if (method === "DELETE") return send(res, 200, admin.setFaults({}));
      if (method === "POST" || method === "PUT") {
        try {
          return send(res, 200, admin.setFaults(body.length > 0 ? (JSON.parse(body.toString("utf8")) as unknown) : {}));
        } catch (e) {
          return send(res, 400, `invalid faults: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      return send(res, 405, "GET, POST, PUT or DELETE");
    }
    if (what === "pingsources" && ns && name && action === "tick" && path.length === 4) {
      if (method !== "POST") return send(res, 405, "POST to fire the PingSource now");
      const id = await admin.tick(ns, name);
      return id === undefined ? send(res, 404, `PingSource ${ns}/${name} not found`) : send(res, 200, { id });
    }
    if (what === "status" && path.length === 1) return send(res, 200, admin.status());
    if (what === "health" && path.length === 1) return send(res, 200, "ok");
    return send(res, 404, "unknown sandbox admin route");
  }
}

export async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  return (server.address() as AddressInfo).port;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
}
