// plan, pure: what started it (a schedule tick or a manual request), which runs to create, and what to tell people.
// The clock and the BackupRun history are arguments; nothing here reads the cluster.
import { dueProfiles, type DueConfig, type DueRequest, type DueRun, type DueSkip, type InvalidProfile } from "../../shared/profiles/index.ts";
import { profileOf, runHistory } from "../../shared/runs/history.ts";
import { isFinal, parseStatus, runLabels, runName, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";

export type Trigger = { kind: "schedule"; schedule: string } | { kind: "manual"; request: DueRequest; requestedBy?: string };

const SCHEDULE_SOURCE = /\/pingsources\/rafdir-schedule-([a-z0-9-]+)$/;

/** A schedule's PingSource tick → its schedule: data.schedule, else the `rafdir-schedule-<name>` in its source (janitor ticks are handled before). */
export function scheduleTrigger(data: { schedule?: string }, source: string): { ok: true; trigger: Trigger } | { ok: false; reason: string } {
  const schedule = data.schedule ?? SCHEDULE_SOURCE.exec(source)?.[1];
  if (!schedule) return { ok: false, reason: `ping from ${source} names no schedule: set data {"schedule":"<name>"} or name the PingSource rafdir-schedule-<name>` };
  return { ok: true, trigger: { kind: "schedule", schedule } };
}

/** spec.trigger of the runs: `schedule:<name>` or `manual`. */
export const triggerLabel = (t: Trigger): string => (t.kind === "schedule" ? `schedule:${t.schedule}` : "manual");

const EARLIEST_MS = 60 * 60_000;
const LATEST_MS = 60_000;

/**
 * The time the runs are named after: the event's own `time` when it is plausible (the last hour), else now. A
 * redelivered event carries the same time, so it names the same runs and finds them already created.
 */
export function runTime(eventTime: string | undefined, now: Date): Date {
  const t = eventTime ? new Date(eventTime) : undefined;
  if (!t || Number.isNaN(t.getTime())) return now;
  const age = now.getTime() - t.getTime();
  return age <= EARLIEST_MS && age >= -LATEST_MS ? t : now;
}

export interface PlannedRun {
  name: string;
  profile: string;
  labels: Record<string, string>;
  spec: BackupRun["spec"];
  /** The status a new run starts with. */
  status: RunStatus;
}

export interface PlanDecision {
  runs: PlannedRun[];
  /** Due, but over the concurrency limit: created as Queued, started by `promotions` when a run ends. */
  queued: PlannedRun[];
  /** Profiles not run now, each with a reason a person understands. */
  skipped: DueSkip[];
  /** Validation problems of the candidate profiles (one io.rafdir.config.invalid each). */
  invalid: InvalidProfile[];
  /** Problems with the request or schedule itself (unknown schedule, unknown repository). */
  errors: string[];
}

export interface PlanInput {
  trigger: Trigger;
  runs: readonly BackupRun[];
  /** The triggering event's `time` attribute. */
  eventTime?: string;
  now: Date;
}

export function planRuns(config: DueConfig, input: PlanInput): PlanDecision {
  const { trigger, now } = input;
  const at = runTime(input.eventTime, now);
  const history = runHistory(input.runs);
  // A run this very event created on an earlier delivery is not "another active run": ensure will find it again.
  const others = (names: readonly string[], profile: string) => names.filter((n) => n !== runName(profile, at));
  const active = new Set([...history.active].filter(([profile, names]) => others(names, profile).length > 0).map(([profile]) => profile));
  const queued = new Set([...history.queued].filter(([profile, names]) => others(names, profile).length > 0).map(([profile]) => profile));
  // Slots taken: running runs, and queued ones too — a newly due profile queues behind them, never jumps ahead
  // (startQueued, right after, gives any free slot to the oldest).
  let taken = 0;
  for (const [profile, names] of history.active) taken += others(names, profile).length;
  const due = dueProfiles(config, {
    ...(trigger.kind === "schedule" ? { scheduleName: trigger.schedule } : { requested: trigger.request }),
    lastSuccess: history.lastSuccess,
    active,
    queued,
    running: taken,
    now,
  });
  const force = trigger.kind === "manual" && trigger.request.force === true;
  const planned = (profile: DueRun["profile"], repositories: string[], status: RunStatus): PlannedRun => {
    const name = runName(profile.name, at);
    return {
      name,
      profile: profile.name,
      labels: runLabels(name, profile.name),
      spec: {
        profile: profile.name,
        trigger: triggerLabel(trigger),
        ...(trigger.kind === "manual" && trigger.requestedBy ? { requestedBy: trigger.requestedBy.slice(0, 253) } : {}),
        ...(force ? { force } : {}),
        repositories,
      },
      status,
    };
  };
  const runs = due.run.map(({ profile, repositories }) => planned(profile, repositories, startStatus(config, now, `planned (${triggerLabel(trigger)})`)));
  const limit = config.settings.concurrency;
  const queue = due.queue.map(({ profile, repositories }) =>
    planned(profile, repositories, {
      phase: "Queued",
      queuedAt: now.toISOString(),
      message: `queued (${triggerLabel(trigger)}): ${limit} run(s) already hold the concurrency limit; starts when one ends`,
    }),
  );
  const skippedNames = new Set(due.skipped.map((s) => s.profile));
  const invalid = config.invalid.filter((i) => skippedNames.has(i.profile));
  return { runs, queued: queue, skipped: due.skipped, invalid, errors: due.errors };
}

/** The status of a run that starts now (planned directly, or taken from the queue). */
export function startStatus(config: Pick<DueConfig, "settings">, now: Date, message: string): RunStatus {
  return {
    phase: "Pending",
    startedAt: now.toISOString(),
    deadline: new Date(now.getTime() + config.settings.timeouts.snapshotReadyMs).toISOString(),
    message,
  };
}

/**
 * Queued runs that may start now, oldest first: as many as the concurrency limit leaves free, never one of a
 * profile that has a run under way. Runs whose status cannot be read hold a slot (never guess they ended).
 */
export function promotions(runs: readonly BackupRun[], concurrency: number): BackupRun[] {
  const live = runs.filter((r) => {
    const status = parseStatus(r);
    return !status || !isFinal(status.phase);
  });
  const waiting = live.filter((r) => parseStatus(r)?.phase === "Queued");
  const running = live.filter((r) => !waiting.includes(r));
  const busy = new Set(running.map((r) => profileOf(r)));
  const queuedAt = (r: BackupRun): string => parseStatus(r)?.queuedAt ?? r.metadata.creationTimestamp ?? "";
  let free = concurrency - running.length;
  const out: BackupRun[] = [];
  for (const run of [...waiting].sort((a, b) => queuedAt(a).localeCompare(queuedAt(b)) || a.metadata.name.localeCompare(b.metadata.name))) {
    if (free <= 0) break;
    const profile = profileOf(run);
    if (busy.has(profile)) continue;
    busy.add(profile);
    out.push(run);
    free--;
  }
  return out;
}

/** How long a run before its backup pod may go without progress before the janitor tick re-sends its planned event. */
export const REDRIVE_AFTER_MS = 30_000;

/**
 * Runs that stalled before their backup pod exists (Pending, Snapshotting, Copying: an event was lost, or a stopped
 * app's pods take long to go) and are still within their deadline: plan re-sends io.rafdir.backup.planned, and
 * snapshot picks each up where it is (planned.ts `redrive`). Past the deadline, cleanup's janitor ends the run.
 */
export function redrives(runs: readonly BackupRun[], now: Date): BackupRun[] {
  return runs.filter((run) => {
    const status = parseStatus(run);
    if (!status || status.error || !["Pending", "Snapshotting", "Copying"].includes(status.phase)) return false;
    if (status.deadline && now.getTime() > Date.parse(status.deadline)) return false;
    const times = [status.startedAt, status.redrivenAt, ...Object.values(status.steps ?? {})].map((t) => Date.parse(t ?? "")).filter((t) => !Number.isNaN(t));
    const last = Math.max(...times);
    return times.length > 0 && now.getTime() - last >= REDRIVE_AFTER_MS;
  });
}

export interface Notice {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** The Kubernetes Events on ConfigMap rafdir-config that make a tick or request visible to `kubectl describe`. */
export function notices(decision: PlanDecision, trigger: Trigger, configErrors: readonly { key: string; message: string }[]): Notice[] {
  const out: Notice[] = [];
  const what = trigger.kind === "schedule" ? `schedule ${trigger.schedule}` : "manual request";
  for (const e of configErrors) out.push({ type: "Warning", reason: "InvalidConfig", message: e.message });
  const invalidProfiles = [...new Set(decision.invalid.map((i) => i.profile))];
  for (const p of invalidProfiles) {
    const problems = decision.invalid.filter((i) => i.profile === p).map((i) => i.message);
    out.push({ type: "Warning", reason: "InvalidProfile", message: `${what}: skipped profile ${JSON.stringify(p)}: ${problems.join("; ")}` });
  }
  for (const s of decision.skipped.filter((s) => s.reason === "unknown profile")) {
    out.push({ type: "Warning", reason: "UnknownProfile", message: `${what}: profile ${JSON.stringify(s.profile)} is not in the configuration` });
  }
  for (const e of decision.errors) out.push({ type: "Warning", reason: "InvalidRequest", message: `${what}: ${e}` });
  const planned = decision.runs.map((r) => r.name);
  const queued = decision.queued.map((r) => r.name);
  const skipped = decision.skipped.filter((s) => s.reason !== "unknown profile" && !invalidProfiles.includes(s.profile)).map((s) => `${s.profile} (${s.reason})`);
  const parts = [
    planned.length ? `planned ${planned.join(", ")}` : "planned nothing",
    ...(queued.length ? [`queued ${queued.join(", ")} (concurrency limit reached; they start as runs end)`] : []),
    ...(skipped.length ? [`skipped ${skipped.join("; ")}`] : []),
  ];
  out.push({ type: "Normal", reason: planned.length || queued.length ? "Planned" : "NothingDue", message: `${what}: ${parts.join("; ")}` });
  return out;
}
