// The whole of a function's main.ts: parse the environment, build the dependencies and the app, listen on $PORT,
// stop gracefully on SIGTERM. `node --import tsx functions/<fn>/main.ts` (the image's rafdir-function) runs it.
import type { RequestListener } from "node:http";
import { createLifecycle, type Lifecycle } from "../../shared/cloudevents/lifecycle.ts";
import { serve, type ServerHandle } from "../../shared/cloudevents/server.ts";
import type { Env } from "../../shared/config.ts";
import type { FunctionName } from "../../shared/events.ts";
import { createLogger } from "../../shared/log.ts";
import { createDeps, loadCommonEnv, type FunctionDeps } from "./deps.ts";

export interface AppOptions {
  /** Shared with serve(): readiness fails while draining. */
  lifecycle?: Lifecycle;
}

/** A function's app factory (its app.ts): handlers over deps, never listens. */
export type AppBuilder = (deps: FunctionDeps, opts: AppOptions) => RequestListener;

export async function runFunction(name: FunctionName, buildApp: AppBuilder, env: Env = process.env): Promise<ServerHandle> {
  let parsed;
  try {
    parsed = loadCommonEnv(env);
  } catch (err) {
    // No logger config yet: one JSON line on stderr, like the logger would write it, then exit.
    process.stderr.write(`${JSON.stringify({ level: "fatal", name: `rafdir-${name}`, msg: err instanceof Error ? err.message : String(err) })}\n`);
    process.exit(1);
  }
  const log = createLogger({ level: parsed.LOG_LEVEL, name: `rafdir-${name}` });
  const deps = createDeps({ name, log, env: parsed });
  const lifecycle = createLifecycle();
  const app = buildApp(deps, { lifecycle });
  log.info({ namespace: deps.namespace, sink: parsed.K_SINK ?? null, kubeconfig: parsed.KUBECONFIG ?? "in-cluster" }, "starting");
  return serve(app, { port: parsed.PORT, log, lifecycle, handleSignals: true });
}
