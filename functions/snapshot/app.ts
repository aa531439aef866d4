// functions/snapshot: io.rafdir.backup.planned (quiesce, snapshot), the ApiServerSource events of rafdir-labelled
// VolumeSnapshots and PVCs (un-quiesce, snapshot.ready, pvc.bound), and its own io.rafdir.snapshot.ready (copy into
// the backup namespace). Each handler replies with the next event (200) or nothing (202).
import type { Express } from "express";
import { createFunctionApp } from "../../shared/cloudevents/app.ts";
import { EventTypes } from "../../shared/events.ts";
import type { AppOptions, FunctionDeps } from "../common/index.ts";
import { onSnapshotReady } from "./copy.ts";
import { onPlanned } from "./planned.ts";
import { onResource } from "./progress.ts";

export function createSnapshotApp(deps: FunctionDeps, opts: AppOptions = {}): Express {
  const scoped = (log: FunctionDeps["log"]): FunctionDeps => ({ ...deps, log });
  return createFunctionApp({
    name: "snapshot",
    log: deps.log,
    now: deps.now,
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    handlers: {
      [EventTypes.backupPlanned]: (event, ctx) => onPlanned(scoped(ctx.log), event.data.run, event.id),
      [EventTypes.snapshotReady]: (event, ctx) => onSnapshotReady(scoped(ctx.log), event.data.run, event.id),
      [EventTypes.resourceAdded]: (event, ctx) => onResource(scoped(ctx.log), event),
      [EventTypes.resourceUpdated]: (event, ctx) => onResource(scoped(ctx.log), event),
      // Deletions are cleanup's business; acknowledged so they never reach the dead-letter sink.
      [EventTypes.resourceDeleted]: (event, ctx) => void ctx.log.debug({ ceSubject: event.subject }, "deletion noted"),
    },
  });
}
