// Runs the Knative Services of the manifests as local processes: a free port (PORT), K_SINK = the broker, the
// sandbox kubeconfig; waits for /health/readiness; logs to <dir>/functions/<name>.log; restarts a crashed one;
// stops them all on shutdown. A service whose entry point does not exist yet is skipped with a warning.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Api } from "../apiserver/api.ts";
import type { Logger } from "../controllers/framework.ts";
import { functionEnv, resolveEntrypoint } from "./function-spec.ts";
import type { KnativeServiceObject } from "./manifest-schemas.ts";
import type { Sourced } from "./manifests.ts";

export interface FunctionsOptions {
  projectRoot: string;
  /** Logs go to <dir>/functions/<name>.log. */
  dir: string;
  /** K_SINK for every function: the broker URL. */
  sink: string;
  kubeconfig: string;
  log: Logger;
  api?: Api;
  readinessTimeoutMs?: number;
  /** Wait before restarting a crashed function. */
  restartDelayMs?: number;
}

interface Running {
  key: string;
  url: string;
  port: number;
  child: ChildProcess;
  logFile: string;
}

export function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok, fail) => {
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => ok());
  });
  const addr = srv.address();
  await new Promise<void>((ok) => srv.close(() => ok()));
  if (!addr || typeof addr === "string") throw new Error("no free port");
  return addr.port;
}

export class Functions {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(
    private readonly services: readonly Sourced<KnativeServiceObject>[],
    private readonly opts: FunctionsOptions,
  ) {}

  /** Starts every runnable service; returns "namespace/name" → base URL of the ready ones. */
  async start(): Promise<Map<string, string>> {
    mkdirSync(join(this.opts.dir, "functions"), { recursive: true });
    await Promise.all(this.services.map((s) => this.startOne(s)));
    return new Map([...this.running.values()].map((r) => [r.key, r.url]));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.running.values()].map((r) => terminate(r.child)));
    this.running.clear();
  }

  private async startOne(s: Sourced<KnativeServiceObject>, port?: number): Promise<void> {
    if (this.stopping) return;
    const key = `${s.namespace}/${s.name}`;
    const container = s.object.spec.template.spec.containers[0];
    if (!container) return;
    const entry = resolveEntrypoint(container, s.name, this.opts.projectRoot, existsSync, process.execPath, tsxLoaderUrl());
    if ("skip" in entry) {
      this.opts.log.warn({ service: key, origin: s.origin, reason: entry.skip }, "function not started; its triggers will fail delivery (retries, then dead letter)");
      return;
    }
    const p = port ?? (await freePort());
    const { env, problems } = functionEnv(container.env ?? [], {
      namespace: s.namespace,
      service: s.name,
      port: p,
      sink: this.opts.sink,
      kubeconfig: this.opts.kubeconfig,
      inherited: process.env,
      lookup: (kind, ns, name, k) => this.lookup(kind, ns, name, k),
    });
    for (const problem of problems) this.opts.log.warn({ service: key, problem }, "function env variable not set");
    const logFile = join(this.opts.dir, "functions", `${s.name}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(entry.command, entry.args, { cwd: this.opts.projectRoot, env, stdio: ["ignore", fd, fd] });
    closeSync(fd);
    const url = `http://127.0.0.1:${p}`;
    const ready = this.stopping ? "sandbox stopping" : await waitReady(url, child, this.opts.readinessTimeoutMs ?? 30_000);
    if (ready !== true || this.stopping) {
      this.opts.log.warn({ service: key, reason: ready, log: logFile }, "function did not become ready; not routing to it");
      await terminate(child);
      return;
    }
    this.running.set(key, { key, url, port: p, child, logFile });
    this.opts.log.info({ service: key, url, pid: child.pid, log: logFile }, "function running");
    child.once("exit", (code, signal) => {
      if (this.stopping) return;
      this.opts.log.warn({ service: key, code, signal, log: logFile }, "function exited; restarting");
      const t = setTimeout(() => void this.startOne(s, p), this.opts.restartDelayMs ?? 1000);
      t.unref();
    });
  }

  private lookup(kind: "secret" | "configmap", ns: string, name: string, key: string): string | undefined {
    const api = this.opts.api;
    if (!api) return undefined;
    const obj = api.tryGet(api.resource("", "v1", kind === "secret" ? "secrets" : "configmaps"), ns, name);
    const v = ((obj?.["data"] ?? {}) as Record<string, string>)[key];
    if (v === undefined) return undefined;
    return kind === "secret" ? Buffer.from(v, "base64").toString("utf8") : v;
  }
}

/** true when GET /health/readiness answers 2xx (or 404: no health route, TCP readiness as Knative's default). */
async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<true | string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return `exited (${child.exitCode ?? child.signalCode ?? ""}) before it was ready`;
    try {
      const res = await fetch(`${url}/health/readiness`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if ((res.status >= 200 && res.status < 300) || res.status === 404) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return `not ready after ${timeoutMs} ms`;
}

/** SIGTERM, then SIGKILL after 5 s. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
}
