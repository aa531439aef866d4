// Which finished BackupRuns history trimming deletes (DESIGN.md §4): per profile, keep the newest `succeeded`
// successes and the newest `failed` failures — and always the newest success, whatever the limits say, because
// "when did this profile last succeed" is read from it. Runs that are not final (or unreadable) are never trimmed.
// Pure; cleanup deletes what it returns (BackupRuns), restore too (RestoreRuns: same phases, same rule).
import { z } from "zod";
import { Labels } from "./run.ts";

export interface HistoryLimits {
  succeeded: number;
  failed: number;
}

/** Any run record: a BackupRun or a RestoreRun. */
export interface TrimmableRun {
  metadata: { name: string; labels?: Record<string, string>; creationTimestamp?: string };
  spec?: { profile?: string };
  status?: unknown;
}

const EndState = z.looseObject({ phase: z.string().optional(), finishedAt: z.string().optional(), startedAt: z.string().optional() });
const statusOf = (run: TrimmableRun) => {
  const parsed = EndState.safeParse(run.status ?? {});
  return parsed.success ? parsed.data : undefined;
};
const profileOf = (run: TrimmableRun): string | undefined => run.spec?.profile || run.metadata.labels?.[Labels.profile] || undefined;

/** When a run ended, for ordering: finishedAt, else startedAt, else its creation; the name breaks ties. */
function endedAt(run: TrimmableRun): number {
  const status = statusOf(run);
  const at = Date.parse(status?.finishedAt ?? status?.startedAt ?? run.metadata.creationTimestamp ?? "");
  return Number.isNaN(at) ? 0 : at;
}

const newestFirst = (a: TrimmableRun, b: TrimmableRun): number => endedAt(b) - endedAt(a) || b.metadata.name.localeCompare(a.metadata.name);

/** Names of the runs to delete, over every profile in `runs`. */
export function runsToTrim(runs: readonly TrimmableRun[], limits: HistoryLimits): string[] {
  const byProfile = new Map<string, { succeeded: TrimmableRun[]; failed: TrimmableRun[] }>();
  for (const run of runs) {
    const profile = profileOf(run);
    const phase = statusOf(run)?.phase;
    if (!profile || (phase !== "Succeeded" && phase !== "Failed")) continue;
    const group = byProfile.get(profile) ?? { succeeded: [], failed: [] };
    (phase === "Succeeded" ? group.succeeded : group.failed).push(run);
    byProfile.set(profile, group);
  }
  const doomed: string[] = [];
  for (const { succeeded, failed } of byProfile.values()) {
    const keepSucceeded = Math.max(1, limits.succeeded);
    doomed.push(...succeeded.sort(newestFirst).slice(keepSucceeded).map((r) => r.metadata.name));
    doomed.push(...failed.sort(newestFirst).slice(Math.max(0, limits.failed)).map((r) => r.metadata.name));
  }
  return doomed.sort();
}
