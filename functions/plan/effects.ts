// plan, effects: create a BackupRun (get or create: "already exists" is success), announce it, and make a tick's
// outcome visible as Kubernetes Events on ConfigMap rafdir-config. Every function here is safe to repeat.
import { EventTypes, functionSource, newEvent } from "../../shared/events.ts";
import type { Obj } from "../../shared/kube/port.ts";
import { CONFIG_MAP_NAME, type InvalidProfile } from "../../shared/profiles/index.ts";
import { isConflict, isNotFound } from "../../shared/errors.ts";
import { parseStatus, RUN_API_VERSION, RUN_KIND, runRef, Steps, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { patchRunStatus, recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import type { Notice, PlannedRun } from "./decide.ts";

const EVENT_MESSAGE_MAX = 1000;

/** The run, created with its starting status unless it exists (a redelivered event names the same run). */
export async function ensureRun(deps: FunctionDeps, planned: PlannedRun): Promise<{ run: BackupRun; created: boolean }> {
  const { object, created } = await deps.kube.ensure<BackupRun & Obj>({
    apiVersion: RUN_API_VERSION,
    kind: RUN_KIND,
    metadata: { name: planned.name, namespace: deps.namespace, labels: planned.labels },
    spec: planned.spec,
  });
  // status is a subresource: create ignores it. A crash between the two writes leaves no status: write it now.
  const status = parseStatus(object);
  if (status?.startedAt || status?.queuedAt) return { run: object, created };
  return { run: await patchRunStatus(deps, planned.name, planned.status), created };
}

/**
 * A queued run's turn: Queued → Pending, compare-and-set on its resourceVersion, so of two racing deliveries exactly
 * one starts it. Undefined when another one did (or it is no longer queued).
 */
export async function startRun(deps: FunctionDeps, run: BackupRun, status: RunStatus): Promise<BackupRun | undefined> {
  if (parseStatus(run)?.phase !== "Queued") return undefined;
  try {
    const started = (await deps.kube.patchStatus(runRef(deps.namespace, run.metadata.name), status as Record<string, unknown>, {
      ...(run.metadata.resourceVersion ? { resourceVersion: run.metadata.resourceVersion } : {}),
    })) as unknown as BackupRun;
    await recordRunEvent(deps, started, "Normal", "Dequeued", `a slot is free: starting (queued since ${parseStatus(run)?.queuedAt ?? "?"})`);
    runLog(deps.log, started).info({ queuedAt: parseStatus(run)?.queuedAt }, "queued run started");
    return started;
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Emits io.rafdir.backup.planned for a run that has not started (phase Pending) — again on a redelivery, which is
 * harmless: snapshot ignores a run that is past Pending and its steps are idempotent. The id is per run.
 */
export async function announceRun(deps: FunctionDeps, run: BackupRun, created: boolean): Promise<boolean> {
  const log = runLog(deps.log, run);
  const status = parseStatus(run);
  if (status?.phase !== "Pending") {
    log.info({ phase: status?.phase ?? "unreadable" }, "run already under way; not announcing it again");
    return false;
  }
  const data = { run: run.metadata.name, profile: run.spec.profile };
  await deps.emit(newEvent(EventTypes.backupPlanned, functionSource(deps.name), data, { id: `${run.metadata.name}-planned` }));
  await patchRunStatus(deps, run.metadata.name, { steps: { [Steps.planned]: deps.now().toISOString() } });
  if (created) await recordRunEvent(deps, run, "Normal", "Planned", `planned by ${run.spec.trigger} for profile ${run.spec.profile}`);
  log.info({ created }, "run planned");
  return true;
}

/** io.rafdir.backup.planned again for a stalled run (see decide.ts `redrives`), recorded as status.redrivenAt. */
export async function redriveRun(deps: FunctionDeps, run: BackupRun): Promise<void> {
  const now = deps.now();
  const status = parseStatus(run);
  const data = { run: run.metadata.name, profile: run.spec.profile };
  await deps.emit(newEvent(EventTypes.backupPlanned, functionSource(deps.name), data, { id: `${run.metadata.name}-planned-${Math.floor(now.getTime() / 1000)}` }));
  await patchRunStatus(deps, run.metadata.name, { redrivenAt: now.toISOString() });
  const why = `no progress since ${status?.redrivenAt ?? "its last step"} in phase ${status?.phase ?? "?"}${status?.message ? ` (${status.message})` : ""}`;
  await recordRunEvent(deps, run, "Normal", "Redriven", `${why}: planned sent again`);
  runLog(deps.log, run).info({ phase: status?.phase }, "stalled run re-driven");
}

/** One io.rafdir.config.invalid per problem; ids derive from the triggering event, so a redelivery repeats them. */
export async function reportInvalid(deps: FunctionDeps, causeId: string, invalid: readonly InvalidProfile[]): Promise<void> {
  for (const [i, problem] of invalid.entries()) {
    deps.log.warn({ profile: problem.profile, field: problem.field, message: problem.message }, "invalid profile skipped");
    const data = { profile: problem.profile, field: problem.field, message: problem.message, ...(problem.value !== undefined ? { value: problem.value } : {}) };
    await deps.emit(newEvent(EventTypes.configInvalid, functionSource(deps.name), data, { id: `${causeId}-invalid-${i}` }));
  }
}

/** Kubernetes Events on rafdir-config (best effort: logged, never thrown). */
export async function recordNotices(deps: FunctionDeps, notices: readonly Notice[]): Promise<void> {
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: CONFIG_MAP_NAME, namespace: deps.namespace };
  try {
    const cm = (await deps.kube.get(ref)) ?? { apiVersion: "v1", kind: "ConfigMap", metadata: { name: CONFIG_MAP_NAME, namespace: deps.namespace } };
    for (const n of notices) {
      const message = n.message.length > EVENT_MESSAGE_MAX ? `${n.message.slice(0, EVENT_MESSAGE_MAX - 1)}…` : n.message;
      await deps.kube.recordEvent(cm, n.type, n.reason, message, `rafdir-${deps.name}`);
    }
  } catch (err) {
    deps.log.warn({ err }, "could not record Events on the ConfigMap");
  }
}
