// dueProfiles: which profiles a schedule tick or a backup request runs now, and why each other one does not.
// pepr-style: an ordered list of pure adjudicators, each returning a readable skip reason or "" to let it through;
// the concurrency limit is applied last, to whatever got through, in order: what finds no free slot is queued.
import { formatDuration } from "./duration.ts";
import type { InvalidProfile, Profile, RafdirConfig } from "./types.ts";

export interface DueRequest {
  /** Only these profiles (a request naming a disabled profile runs it, as upstream's --profile did). */
  profiles?: readonly string[];
  /** Only these repositories (each run gets the intersection with its profile's repositories). */
  repositories?: readonly string[];
  /** Ignore min-interval (upstream's --skip-interval-check). Never overrides "still active". */
  force?: boolean;
}

export interface DueInput {
  /** The PingSource tick's schedule; its `profiles` pick the candidates when no request names profiles. */
  scheduleName?: string;
  requested?: DueRequest;
  /** Profile name → end of its last successful run (from the BackupRuns). */
  lastSuccess: ReadonlyMap<string, Date>;
  /** Profiles with a run that is not final (a queued one included): never a second run. */
  active: ReadonlySet<string>;
  /** Of those, the profiles whose run waits for a free slot (phase Queued). */
  queued?: ReadonlySet<string>;
  /** Slots taken under the concurrency limit (runs under way, and queued runs ahead in line); default: active.size. */
  running?: number;
  now: Date;
}

export interface DueRun {
  profile: Profile;
  /** The repositories this run backs up into. */
  repositories: string[];
}

export interface DueSkip {
  profile: string;
  reason: string;
}

export interface DueDecision {
  run: DueRun[];
  /** Due, but the concurrency limit leaves no slot: queued, to start when a run ends. */
  queue: DueRun[];
  skipped: DueSkip[];
  /** Problems with the request itself (an unknown schedule or repository); profiles are unaffected. */
  errors: string[];
}

export type DueConfig = Pick<RafdirConfig, "profiles" | "invalid" | "schedules" | "settings" | "repositories">;

interface Candidate {
  name: string;
  /** Named explicitly in the request. */
  named: boolean;
  profile?: Profile;
  invalid?: InvalidProfile[];
  repositories: string[];
}

interface Context {
  input: DueInput;
  requestedRepositories?: readonly string[];
}

type Adjudicator = (c: Candidate, ctx: Context) => string;

const unknownProfile: Adjudicator = (c) => (c.profile || c.invalid ? "" : "unknown profile");

const invalidProfile: Adjudicator = (c) => {
  const first = c.invalid?.[0];
  if (!first) return "";
  const more = (c.invalid?.length ?? 0) > 1 ? ` (and ${(c.invalid?.length ?? 1) - 1} more problems)` : "";
  return `invalid configuration: ${first.message}${more}`;
};

const disabled: Adjudicator = (c) => (c.profile?.disabled && !c.named ? "disabled (a request that names the profile runs it anyway)" : "");

const noRepository: Adjudicator = (c, ctx) => {
  if (!c.profile || c.repositories.length > 0) return "";
  const asked = ctx.requestedRepositories ?? [];
  return `no repository to back up into: requested ${asked.join(", ") || "none"}, the profile uses ${c.profile.repositories.join(", ") || "none"}`;
};

const stillActive: Adjudicator = (c, ctx) => {
  if (ctx.input.queued?.has(c.name)) return "already queued: its run waits for a free slot";
  return ctx.input.active.has(c.name) ? "still active: the previous run of this profile has not finished" : "";
};

const recentSuccess: Adjudicator = (c, ctx) => {
  const last = ctx.input.lastSuccess.get(c.name);
  if (!c.profile || !last || ctx.input.requested?.force || c.profile.minIntervalMs <= 0) return "";
  const ago = ctx.input.now.getTime() - last.getTime();
  if (ago >= c.profile.minIntervalMs) return "";
  const when = ago < 0 ? "in the future (clock skew?)" : `${formatDuration(ago)} ago`;
  const dueIn = formatDuration(c.profile.minIntervalMs - Math.max(ago, 0));
  return `recent success: succeeded ${when}, within min-interval ${formatDuration(c.profile.minIntervalMs)} (due again in ${dueIn}; force to run now)`;
};

/** In order; the first reason wins. */
export const ADJUDICATORS: readonly Adjudicator[] = Object.freeze([unknownProfile, invalidProfile, disabled, noRepository, stillActive, recentSuccess]);

export function dueProfiles(config: DueConfig, input: DueInput): DueDecision {
  const errors: string[] = [];
  const names = candidateNames(config, input, errors);
  const requestedRepositories = input.requested?.repositories;
  for (const r of requestedRepositories ?? [])
    if (!(r in config.repositories)) errors.push(`unknown repository ${JSON.stringify(r)} in the request`);

  const ctx: Context = { input, ...(requestedRepositories ? { requestedRepositories } : {}) };
  const named = new Set(input.requested?.profiles ?? []);
  const run: DueRun[] = [];
  const queue: DueRun[] = [];
  const skipped: DueSkip[] = [];
  let slots = Math.max(0, config.settings.concurrency - (input.running ?? input.active.size));

  for (const name of names) {
    const c = candidate(config, name, named.has(name), requestedRepositories);
    const reason = ADJUDICATORS.map((a) => a(c, ctx)).find((r) => r !== "");
    if (reason) skipped.push({ profile: name, reason });
    else if (c.profile && slots <= 0) queue.push({ profile: c.profile, repositories: c.repositories });
    else if (c.profile) {
      slots--;
      run.push({ profile: c.profile, repositories: c.repositories });
    }
  }
  return { run, queue, skipped, errors };
}

/** Requested profiles, else the schedule's, else every profile (valid or not, so invalid ones show up as skipped). */
function candidateNames(config: DueConfig, input: DueInput, errors: string[]): string[] {
  const all = [...config.profiles.map((p) => p.name), ...config.invalid.map((i) => i.profile)];
  const requested = input.requested?.profiles;
  if (requested && requested.length > 0) return unique(requested);
  if (input.scheduleName === undefined) return unique(all);
  const schedule = config.schedules.find((s) => s.name === input.scheduleName);
  if (!schedule) {
    errors.push(`unknown schedule ${JSON.stringify(input.scheduleName)}`);
    return [];
  }
  return unique(schedule.profiles === "all" ? all : schedule.profiles);
}

function candidate(config: DueConfig, name: string, named: boolean, requestedRepositories: readonly string[] | undefined): Candidate {
  const profile = config.profiles.find((p) => p.name === name);
  const invalid = config.invalid.filter((i) => i.profile === name);
  const repositories = profile ? profile.repositories.filter((r) => !requestedRepositories || requestedRepositories.includes(r)) : [];
  return { name, named, ...(profile ? { profile } : {}), ...(invalid.length > 0 ? { invalid } : {}), repositories };
}

const unique = (names: readonly string[]): string[] => [...new Set(names)];
