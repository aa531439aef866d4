// functions/restore: io.rafdir.restore.requested (a RestoreRun, checked, then the reconcile loop), the
// ApiServerSource events of rafdir-labelled Pods and PVCs (the loop of the restore they belong to), and the
// janitor tick (re-drive, finish teardowns, trim history; 202). A restore that ends replies
// io.rafdir.restore.succeeded / .failed.
import type { Express } from "express";
import { createFunctionApp } from "../../shared/cloudevents/app.ts";
import { InvalidEventError } from "../../shared/errors.ts";
import { EventTypes } from "../../shared/events.ts";
import type { AppOptions, FunctionDeps } from "../common/index.ts";
import { onRestoreJanitor } from "./janitor.ts";
import { onRestoreRequested } from "./request.ts";
import { onResourceEvent } from "./resources.ts";

export const JANITOR_PINGSOURCE = "rafdir-janitor";

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
        const janitor = event.data.janitor === true || event.source.endsWith(`/pingsources/${JANITOR_PINGSOURCE}`);
        if (!janitor) throw new InvalidEventError(`ping from ${event.source} is not the janitor tick (PingSource ${JANITOR_PINGSOURCE}); schedule ticks go to rafdir-plan`);
        await onRestoreJanitor(scoped(ctx.log));
        return undefined;
      },
    },
  });
}
