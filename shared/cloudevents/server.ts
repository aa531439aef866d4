// Listening on $PORT with a graceful stop (Knative runtime contract, reference/knative.md §5): on SIGTERM readiness
// fails, no new connections are accepted, in-flight requests finish (bounded), then the server closes.
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.ts";
import { createLifecycle, type Lifecycle } from "./lifecycle.ts";

export interface ServeOptions {
  port: number;
  /** Default: all interfaces. */
  host?: string;
  log: Logger;
  /** How long in-flight requests may take to finish before their connections are cut (default 25 s). */
  shutdownTimeoutMs?: number;
  /** The same lifecycle the app got, so readiness fails while draining. */
  lifecycle?: Lifecycle;
  /** Install SIGTERM/SIGINT handlers that close and then exit the process (main.ts only). */
  handleSignals?: boolean;
  /** Called after a signal-triggered close (default process.exit). */
  exit?: (code: number) => void;
}

export interface ServerHandle {
  readonly port: number;
  readonly url: string;
  /** Drains and closes; idempotent. */
  close(): Promise<void>;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

export async function serve(app: RequestListener, opts: ServeOptions): Promise<ServerHandle> {
  const { log } = opts;
  const lifecycle = opts.lifecycle ?? createLifecycle();
  const timeoutMs = opts.shutdownTimeoutMs ?? 25_000;
  const server = createServer(app);
  const inFlight = trackRequests(server);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host && !opts.host.includes(":") ? opts.host : "127.0.0.1"}:${port}`;
  log.info({ port }, "listening");

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= shutdown();
    return closing;
  };

  async function shutdown(): Promise<void> {
    for (const signal of SIGNALS) process.off(signal, onSignal);
    lifecycle.drain();
    log.info({ inFlight: inFlight.count() }, "draining");
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const finished = await inFlight.idle(timeoutMs);
    server.closeAllConnections();
    await closed;
    log.info({ forced: !finished }, "server closed");
  }

  function onSignal(signal: NodeJS.Signals): void {
    log.info({ signal }, "signal received, shutting down");
    const exit = opts.exit ?? ((code: number) => process.exit(code));
    close().then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        exit(1);
      },
    );
  }

  if (opts.handleSignals) for (const signal of SIGNALS) process.on(signal, onSignal);
  return { port, url, close };
}

/** Counts requests whose response has not finished; `idle` waits until none is left or the timeout passes. */
function trackRequests(server: Server): { count(): number; idle(timeoutMs: number): Promise<boolean> } {
  let active = 0;
  const waiters = new Set<() => void>();
  server.on("request", (_req, res) => {
    active++;
    res.once("close", () => {
      active--;
      if (active === 0) for (const wake of waiters) wake();
    });
  });
  return {
    count: () => active,
    idle: (timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (active === 0) return resolve(true);
        const done = (result: boolean): void => {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(result);
        };
        const wake = (): void => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        waiters.add(wake);
      }),
  };
}
