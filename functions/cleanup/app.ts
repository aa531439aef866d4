// functions/cleanup: io.rafdir.pod.finished and io.rafdir.backup.aborted (tear the run down, record the outcome,
// reply io.rafdir.backup.succeeded / .failed once), the janitor tick (PingSource rafdir-janitor: end overdue and
// orphaned runs, sweep leftovers; 202), and POST /dead-letters, the Broker's dead-letter sink.
import { randomUUID } from "node:crypto";
import express, { type Express } from "express";
import { createFunctionApp } from "../../shared/cloudevents/app.ts";
import { EventTypes } from "../../shared/events.ts";
import type { AppOptions, FunctionDeps } from "../common/index.ts";
import { assertJanitorTick } from "../common/janitor-tick.ts";
import { deadLetterHandler } from "./dead-letters.ts";
import { finishedCause } from "./decide.ts";
import { finishRun } from "./finish.ts";
import { onJanitor } from "./janitor.ts";
import type { TeardownOptions } from "./teardown.ts";

export interface CleanupAppOptions extends AppOptions {
  /** A unique token per delivery, for the run's claims (default: a random UUID). */
  newToken?: () => string;
  /** How long a teardown stage is waited for within one request (tests shorten it). */
  teardown?: TeardownOptions;
}

export function createCleanupApp(deps: FunctionDeps, opts: CleanupAppOptions = {}): Express {
  const newToken = opts.newToken ?? randomUUID;
  const finish = () => ({ token: newToken(), ...(opts.teardown ? { teardown: opts.teardown } : {}) });
  const scoped = (log: FunctionDeps["log"]): FunctionDeps => ({ ...deps, log });
  const events = createFunctionApp({
    name: "cleanup",
    log: deps.log,
    now: deps.now,
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    handlers: {
      [EventTypes.podFinished]: (event, ctx) => finishRun(scoped(ctx.log), event.data.run, finishedCause(event.data), finish()),
      [EventTypes.backupAborted]: (event, ctx) => {
        const { run, step, reason, message } = event.data;
        return finishRun(scoped(ctx.log), run, { kind: "aborted", error: { step, reason, message } }, finish());
      },
      [EventTypes.ping]: async (event, ctx) => {
        assertJanitorTick(event);
        await onJanitor(scoped(ctx.log), newToken);
        return undefined;
      },
    },
  });
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.post("/dead-letters", express.text({ type: () => true, limit: "1mb" }), deadLetterHandler(deps, newToken));
  app.use(events);
  return app;
}
