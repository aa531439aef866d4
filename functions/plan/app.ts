// functions/plan: a schedule tick (PingSource rafdir-schedule-<name>) or io.rafdir.backup.requested → the due
// profiles get one BackupRun each and one io.rafdir.backup.planned each (sent through the emitter: a reply carries
// only one event), invalid profiles one io.rafdir.config.invalid per problem. Always answers 202.
import type { Express } from "express";
import { createFunctionApp, type HandlerContext } from "../../shared/cloudevents/app.ts";
import { InvalidEventError } from "../../shared/errors.ts";
import { EventTypes } from "../../shared/events.ts";
import { Labels } from "../../shared/runs/run.ts";
import { ConfigMissingError, listRuns, type AppOptions, type FunctionDeps } from "../common/index.ts";
import { notices, planRuns, scheduleTrigger, type Trigger } from "./decide.ts";
import { announceRun, ensureRun, recordNotices, reportInvalid } from "./effects.ts";

export function createPlanApp(deps: FunctionDeps, opts: AppOptions = {}): Express {
  return createFunctionApp({
    name: "plan",
    log: deps.log,
    now: deps.now,
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    handlers: {
      [EventTypes.ping]: async (event, ctx) => {
        const t = scheduleTrigger(event.data, event.source);
        if (!t.ok) throw new InvalidEventError(t.reason);
        await plan(deps, ctx, t.trigger, event);
        return undefined;
      },
      [EventTypes.backupRequested]: async (event, ctx) => {
        const { profiles, repositories, force } = event.data;
        const request = { ...(profiles ? { profiles } : {}), ...(repositories ? { repositories } : {}), ...(force !== undefined ? { force } : {}) };
        await plan(deps, ctx, { kind: "manual", request, requestedBy: event.source }, event);
        return undefined;
      },
    },
  });
}

async function plan(deps: FunctionDeps, ctx: HandlerContext, trigger: Trigger, event: { id: string; time?: string }): Promise<void> {
  const d: FunctionDeps = { ...deps, log: ctx.log };
  let config;
  try {
    config = await d.loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigMissingError)) throw err;
    d.log.error({ err: err.message }, "nothing planned: no configuration");
    return;
  }
  for (const e of config.errors) d.log.error({ key: e.key }, e.message);

  const runs = await listRuns(d, Labels.profile);
  const decision = planRuns(config, { trigger, runs, now: d.now(), ...(event.time ? { eventTime: event.time } : {}) });
  for (const e of decision.errors) d.log.warn({ problem: e }, "request problem");
  for (const s of decision.skipped) d.log.info({ profile: s.profile, reason: s.reason }, "profile skipped");

  for (const planned of decision.runs) {
    const { run, created } = await ensureRun(d, planned);
    await announceRun(d, run, created);
  }
  await reportInvalid(d, event.id, decision.invalid);
  await recordNotices(d, notices(decision, trigger, config.errors));
  d.log.info({ planned: decision.runs.map((r) => r.name), skipped: decision.skipped.length, invalid: decision.invalid.length }, "plan done");
}
