// functions/run-restic: io.rafdir.pvc.bound (create the per-run configuration and the backup pod) and the
// ApiServerSource events of rafdir-labelled Pods (the backup pod ended → reply io.rafdir.pod.finished).
// io.rafdir.snapshot.ready and pod deletions reach it too (knative/functions/run-restic.yaml) and are acknowledged,
// so they never end in the dead-letter sink.
import type { Express } from "express";
import { createFunctionApp } from "../../shared/cloudevents/app.ts";
import { EventTypes } from "../../shared/events.ts";
import type { AppOptions, FunctionDeps } from "../common/index.ts";
import { onPvcBound } from "./bound.ts";
import { onPodEvent } from "./finished.ts";

export function createRunResticApp(deps: FunctionDeps, opts: AppOptions = {}): Express {
  const scoped = (log: FunctionDeps["log"]): FunctionDeps => ({ ...deps, log });
  return createFunctionApp({
    name: "run-restic",
    log: deps.log,
    now: deps.now,
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    handlers: {
      [EventTypes.pvcBound]: (event, ctx) => onPvcBound(scoped(ctx.log), event.data.run),
      [EventTypes.resourceAdded]: (event, ctx) => onPodEvent(scoped(ctx.log), event),
      [EventTypes.resourceUpdated]: (event, ctx) => onPodEvent(scoped(ctx.log), event),
      // The copies are not ready yet at snapshot.ready; pvc.bound is what starts the backup.
      [EventTypes.snapshotReady]: (_event, ctx) => void ctx.log.debug("snapshot.ready noted; waiting for pvc.bound"),
      // Deletions are cleanup's doing.
      [EventTypes.resourceDeleted]: (event, ctx) => void ctx.log.debug({ ceSubject: event.subject }, "deletion noted"),
    },
  });
}
