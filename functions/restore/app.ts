// functions/restore: io.rafdir.restore.requested (a RestoreRun, checked, then the reconcile loop), the
// ApiServerSource events of rafdir-labelled Pods and PVCs (the loop of the restore they belong to), and the
// janitor tick (re-drive, finish teardowns, trim history; 202). A restore that ends replies
// io.rafdir.restore.succeeded / .failed.
import type { Express } from "express";
import { createFunctionApp } from "../../shared/cloudevents/app.ts";
import { EventTypes } from "../../shared/events.ts";
import type { AppOptions, FunctionDeps } from "../common/index.ts";
import { assertJanitorTick } from "../common/janitor-tick.ts";
import { onRestoreJanitor } from "./janitor.ts";
import { onRestoreRequested } from "./request.ts";
import { onResourceEvent } from "./resources.ts";

export function createRestoreApp(deps: FunctionDeps, opts: AppOptions = {}): Express {
  const scoped = (log: FunctionDeps["log"]): FunctionDeps => ({ ...deps, log });
  return createFunctionApp({
    name: "restore",
    log: deps.log,
    now: deps.now,
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    handlers: {
      [EventTypes.restoreRequested]: (event, ctx) => onRestoreRequested(scoped(ctx.log), event),
      [EventTypes.resourceAdded]: (event, ctx) => onResourceEvent(scoped(ctx.log), event),
      [EventTypes.resourceUpdated]: (event, ctx) => onResourceEvent(scoped(ctx.log), event),
      [EventTypes.resourceDeleted]: (event, ctx) => onResourceEvent(scoped(ctx.log), event),
      [EventTypes.ping]: async (event, ctx) => {
        assertJanitorTick(event);
        await onRestoreJanitor(scoped(ctx.log));
        return undefined;
      },
    },
  });
}
