// functions/plan: a schedule tick (PingSource rafdir-schedule-<name>) or io.rafdir.backup.requested → the due
// profiles get one BackupRun each and one io.rafdir.backup.planned each (sent through the emitter: a reply carries
// only one event), invalid profiles one io.rafdir.config.invalid per problem. Profiles over the concurrency limit get
// a Queued run, started when a run ends (io.rafdir.backup.succeeded|failed) or at the janitor tick (a lost outcome
// event). The janitor tick also re-sends io.rafdir.backup.planned for runs that stalled before their backup pod
// (a lost event, a stopped app slow to stop). Always answers 202.
import type { Express } from "express";
import { createFunctionApp, type HandlerContext } from "../../shared/cloudevents/app.ts";
import { InvalidEventError } from "../../shared/errors.ts";
import { EventTypes } from "../../shared/events.ts";
import type { RafdirConfig } from "../../shared/profiles/index.ts";
import { Labels, parseStatus, type BackupRun } from "../../shared/runs/run.ts";
import { ConfigMissingError, listRuns, recordRunEvent, type AppOptions, type FunctionDeps } from "../common/index.ts";
import { notices, planRuns, promotions, redrives, scheduleTrigger, startStatus, type Trigger } from "./decide.ts";
import { isJanitorTick } from "../common/janitor-tick.ts";
import { announceRun, ensureRun, recordNotices, redriveRun, reportInvalid, startRun } from "./effects.ts";

export function createPlanApp(deps: FunctionDeps, opts: AppOptions = {}): Express {
  return createFunctionApp({
    name: "plan",
    log: deps.log,
    now: deps.now,
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    handlers: {
      [EventTypes.ping]: async (event, ctx) => {
        if (isJanitorTick(event)) {
          const d = { ...deps, log: ctx.log };
          const config = await configOf(d);
          if (!config) return undefined;
          const runs = await listRuns(d, Labels.profile);
          await startQueued(d, config, runs);
          for (const run of redrives(runs, d.now())) await redriveRun(d, run); // runs just started were Queued: not here
          return undefined;
        }
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
      [EventTypes.backupSucceeded]: (_event, ctx) => runEnded({ ...deps, log: ctx.log }),
      [EventTypes.backupFailed]: (_event, ctx) => runEnded({ ...deps, log: ctx.log }),
    },
  });
}

async function plan(deps: FunctionDeps, ctx: HandlerContext, trigger: Trigger, event: { id: string; time?: string }): Promise<void> {
  const d: FunctionDeps = { ...deps, log: ctx.log };
  const config = await configOf(d);
  if (!config) return;
  for (const e of config.errors) d.log.error({ key: e.key }, e.message);

  const runs = await listRuns(d, Labels.profile);
  const decision = planRuns(config, { trigger, runs, now: d.now(), ...(event.time ? { eventTime: event.time } : {}) });
  for (const e of decision.errors) d.log.warn({ problem: e }, "request problem");
  for (const s of decision.skipped) d.log.info({ profile: s.profile, reason: s.reason }, "profile skipped");

  for (const planned of decision.runs) {
    const { run, created } = await ensureRun(d, planned);
    await announceRun(d, run, created);
  }
  for (const queued of decision.queued) {
    const { run, created } = await ensureRun(d, queued);
    if (created) await recordRunEvent(d, run, "Normal", "Queued", parseStatus(run)?.message ?? "queued");
  }
  await reportInvalid(d, event.id, decision.invalid);
  await recordNotices(d, notices(decision, trigger, config.errors));
  d.log.info({ planned: decision.runs.map((r) => r.name), queued: decision.queued.map((r) => r.name), skipped: decision.skipped.length, invalid: decision.invalid.length }, "plan done");
  // a slot freed while this request was planned, or an earlier queue never got its turn (the runs just created count)
  await startQueued(d, config, await listRuns(d, Labels.profile));
}

/** A run ended (its outcome event): its slot may go to a queued run. */
async function runEnded(deps: FunctionDeps): Promise<undefined> {
  const config = await configOf(deps);
  if (config) await startQueued(deps, config, await listRuns(deps, Labels.profile));
  return undefined;
}

/** The configuration; undefined (logged) when there is none: nothing to plan or start. */
async function configOf(deps: FunctionDeps): Promise<RafdirConfig | undefined> {
  try {
    return await deps.loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigMissingError)) throw err;
    deps.log.error({ err: err.message }, "nothing planned or started: no configuration");
    return undefined;
  }
}

/** Starts the queued runs the concurrency limit has room for (see `promotions`); safe to repeat and to race. */
async function startQueued(deps: FunctionDeps, config: RafdirConfig, runs: readonly BackupRun[]): Promise<void> {
  for (const run of promotions(runs, config.settings.concurrency)) {
    const started = await startRun(deps, run, startStatus(config, deps.now(), `planned (${run.spec.trigger}), started from the queue`));
    if (started) await announceRun(deps, started, false);
  }
}
