// Server side of Kubernetes' websocket remote-command protocol (pods/exec, pods/attach).
//
// Frames carry one channel byte then data: 0 stdin, 1 stdout, 2 stderr, 3 error (the final Status), 4 resize
// ({"Width":…,"Height":…}); v5 adds 255 = "close stream N" (the client closing stdin: [255, 0]). The base64
// variants send text frames: the channel as an ASCII digit, then base64. v4+ report the end as a metav1.Status
// JSON on channel 3; older protocols write only a failure's message there.

import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { finished } from "node:stream/promises";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { ApiError, errors } from "../apiserver/types.ts";
import type { ExecProcess, ExecResult } from "./runtime-exec.ts";

/** Supported subprotocols, most preferred first. */
export const EXEC_SUBPROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v4.base64.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
  "base64.channel.k8s.io",
] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

/** Pauses the process' output while this much is queued on the socket. */
const HIGH_WATER = 4 * 1024 * 1024;

export function selectExecSubprotocol(offered: string[]): string | undefined {
  const set = new Set(offered.map((p) => p.trim()));
  return EXEC_SUBPROTOCOLS.find((p) => set.has(p));
}

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The Status kubelet writes on the error channel when the command has ended (v4+ protocols). */
export function execStatus(command: string[], result: ExecResult): Record<string, unknown> {
  if (result.error !== undefined) {
    const message = `error executing command in container: ${result.error}`;
    return {
      metadata: {},
      status: "Failure",
      message: `Internal error occurred: ${message}`,
      reason: "InternalError",
      details: { causes: [{ message }] },
      code: 500,
    };
  }
  if (result.exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${result.exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(result.exitCode) }] },
  };
}

/**
 * Connects an ExecProcess to an open websocket speaking `protocol`, writes the final Status on channel 3 and
 * closes the socket. A socket closed by the client kills the process. `command` only feeds the Status message.
 */
export function handleExecWebSocket(
  ws: WebSocket,
  protocol: string,
  proc: ExecProcess,
  opts: StreamOptions,
  command: string[] = [],
): Promise<void> {
  const base64 = protocol.includes("base64");
  const v4 = protocol.startsWith("v4.") || protocol.startsWith("v5.");
  const v5 = protocol.startsWith("v5.");
  let queued = 0;
  const paused = new Set<NodeJS.ReadableStream>();

  const send = (channel: number, data: Buffer, source?: NodeJS.ReadableStream): void => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const frame = base64
      ? String.fromCharCode(48 + channel) + data.toString("base64")
      : Buffer.concat([Buffer.from([channel]), data]);
    queued += frame.length;
    ws.send(frame, () => {
      queued -= frame.length;
      if (queued < HIGH_WATER / 4) {
        for (const s of paused) s.resume();
        paused.clear();
      }
    });
    if (source && queued > HIGH_WATER) {
      source.pause();
      paused.add(source);
    }
  };

  // Tell the client the streams are ready: an empty frame on the lowest writable channel.
  send(opts.stdout ? STDOUT : opts.stderr ? STDERR : ERROR, Buffer.alloc(0));

  const forward = (stream: NodeJS.ReadableStream, channel: number, wanted: boolean) => {
    stream.on("data", (chunk: Buffer | string) => {
      if (wanted) send(channel, typeof chunk === "string" ? Buffer.from(chunk) : chunk, stream);
    });
    return finished(stream).catch(() => {});
  };
  const outputs = Promise.all([forward(proc.stdout, STDOUT, opts.stdout), forward(proc.stderr, STDERR, opts.stderr && !opts.tty)]);

  let stdinOpen = opts.stdin;
  let stdinEnded = false;
  const endStdin = () => {
    stdinOpen = false;
    if (!stdinEnded) proc.stdin.end();
    stdinEnded = true;
  };
  proc.stdin.on("error", () => {}); // the process may stop reading at any time
  if (!opts.stdin) endStdin();

  ws.on("message", (raw: RawData) => {
    const buf = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (buf.length === 0) return;
    const channel = base64 ? (buf[0] ?? 0) - 48 : (buf[0] ?? 0);
    const payload = base64 ? Buffer.from(buf.subarray(1).toString(), "base64") : buf.subarray(1);
    switch (channel) {
      case STDIN:
        if (stdinOpen && payload.length > 0 && !proc.stdin.write(payload)) {
          ws.pause();
          proc.stdin.once("drain", () => ws.resume());
        }
        break;
      case RESIZE:
        try {
          const size = JSON.parse(payload.toString()) as { Width?: unknown; Height?: unknown };
          if (typeof size.Width === "number" && typeof size.Height === "number") proc.resize?.(size.Width, size.Height);
        } catch {
          // ignore a malformed resize
        }
        break;
      case CLOSE:
        if (v5 && payload[0] === STDIN) endStdin();
        break;
      default:
        break;
    }
  });

  let done = false;
  ws.on("close", () => {
    if (!done) {
      endStdin();
      proc.kill();
    }
  });
  ws.on("error", () => {});

  return (async () => {
    const result = await proc.exited;
    await outputs;
    done = true;
    ws.resume(); // if stdin backpressure paused it: the closing handshake needs reads
    if (ws.readyState !== WebSocket.OPEN) return;
    const status = execStatus(command, result);
    if (v4) send(ERROR, Buffer.from(JSON.stringify(status)));
    else if (status.status !== "Success") send(ERROR, Buffer.from(String(status.message)));
    ws.close(1000);
  })();
}

/** Something exec can run in: a Container from runtime.ts. */
export interface ExecTarget {
  exec(argv: string[], opts: { stdin?: NodeJS.ReadableStream | null; tty?: boolean }): ExecProcess;
  attach?(): ExecProcess;
}

export interface ExecDeps {
  /** The running container; throws ApiError (404 pod missing, 400 container not valid / not running) otherwise. */
  resolve(namespace: string, pod: string, container: string | undefined): Promise<ExecTarget>;
}

/** Status errors for ExecDeps.resolve, worded like the API server's. */
export const execErrors = {
  podNotFound: (pod: string) => errors.notFound({ group: "", plural: "pods" }, pod),
  containerNotValid: (container: string, pod: string) => errors.badRequest(`container ${container} is not valid for pod ${pod}`),
  containerNameRequired: (pod: string, names: string[]) =>
    errors.badRequest(`a container name must be specified for pod ${pod}, choose one of: [${names.join(" ")}]`),
  podNotRunning: (pod: string, phase?: string) =>
    errors.badRequest(phase ? `pod ${pod} is not running (phase ${phase})` : "pod is not running"),
  containerNotRunning: (container: string, pod: string) =>
    errors.badRequest(`container ${container} is not running in pod ${pod}`),
};

const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)\/?$/;

/** True when the API server should hand this request to upgradeExec. */
export function isExecPath(url: string | undefined): boolean {
  return EXEC_PATH.test(new URL(url ?? "/", "http://sandbox").pathname);
}

/**
 * Handles an 'upgrade' request for pods/{exec,attach}: validates the query, resolves the container (answering a
 * Status before upgrading on failure), negotiates the subprotocol and runs the session. Non-websocket upgrades
 * (kubectl's SPDY fallback) get the same errors, or a 400 explaining that only websockets are spoken.
 */
export async function upgradeExec(req: IncomingMessage, socket: Duplex, head: Buffer, deps: ExecDeps): Promise<void> {
  socket.on("error", () => {});
  let session: Session;
  try {
    session = await prepareSession(req, deps);
  } catch (e) {
    rejectUpgrade(socket, e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e)));
    return;
  }
  const { target, kind, protocol, offered, opts, command } = session;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: () => (offered.length === 0 ? false : protocol),
  });
  const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, socket, head, resolve));
  const proc = kind === "attach" && target.attach ? target.attach() : target.exec(command, { tty: opts.tty });
  await handleExecWebSocket(ws, protocol, proc, opts, command);
}

interface Session {
  target: ExecTarget;
  kind: "exec" | "attach";
  protocol: string;
  offered: string[];
  opts: StreamOptions;
  command: string[];
}

async function prepareSession(req: IncomingMessage, deps: ExecDeps): Promise<Session> {
  const url = new URL(req.url ?? "/", "http://sandbox");
  const m = EXEC_PATH.exec(url.pathname);
  if (!m) throw errors.notFoundPath(url.pathname);
  const [, ns = "", pod = "", kind] = m;
  const q = url.searchParams;
  const flag = (name: string) => ["true", "1"].includes((q.get(name) ?? "").toLowerCase());
  const tty = flag("tty");
  const opts: StreamOptions = { stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr") && !tty, tty };
  const command = q.getAll("command");
  if (!opts.stdin && !opts.stdout && !flag("stderr")) throw errors.badRequest("you must specify at least 1 of stdin, stdout, stderr");
  if (kind === "exec" && command.length === 0) throw errors.badRequest("you must specify at least one command for the container");

  const target = await deps.resolve(decodeURIComponent(ns), decodeURIComponent(pod), q.get("container") || undefined);
  if (kind === "attach" && !target.attach) throw errors.badRequest("attach is not supported by this container");

  if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket")
    throw errors.badRequest(
      `the sandbox serves pods/${kind} only over websockets (${EXEC_SUBPROTOCOLS.slice(0, 2).join(", ")}); upgrade "${req.headers.upgrade ?? ""}" is not supported`,
    );
  const offered = (req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  const protocol = offered.length === 0 ? "channel.k8s.io" : selectExecSubprotocol(offered);
  if (protocol === undefined)
    throw errors.badRequest(`requested protocol(s) are not supported: [${offered.join(" ")}]; supports [${EXEC_SUBPROTOCOLS.join(" ")}]`);

  return { target, kind: kind === "attach" ? "attach" : "exec", protocol, offered, opts, command };
}

/** Answers an upgrade request with an HTTP error carrying a Status body, then closes the connection. */
export function rejectUpgrade(socket: Duplex, err: ApiError): void {
  if (!socket.writable) return;
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${STATUS_CODES[err.code] ?? "Error"}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}
