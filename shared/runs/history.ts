// What the BackupRun history says about each profile: when it last succeeded and which runs are still going.
// Pure; plan decides from it ("min-interval", "still active"), cleanup can trim from it.
import { isFinal, Labels, parseStatus, type BackupRun } from "./run.ts";

export interface RunHistory {
  /** Profile → finishedAt of its newest Succeeded run. */
  lastSuccess: Map<string, Date>;
  /** Profile → names of its runs that are not final yet (queued ones included), oldest first. */
  active: Map<string, string[]>;
  /** Profile → names of its runs waiting for a free slot (phase Queued), oldest first. */
  queued: Map<string, string[]>;
}

/** The profile of a run: spec.profile, else its rafdir.io/profile label. */
export function profileOf(run: Pick<BackupRun, "spec" | "metadata">): string | undefined {
  return run.spec?.profile || run.metadata.labels?.[Labels.profile] || undefined;
}

export function runHistory(runs: readonly BackupRun[]): RunHistory {
  const lastSuccess = new Map<string, Date>();
  const active = new Map<string, string[]>();
  const queued = new Map<string, string[]>();
  for (const run of [...runs].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const profile = profileOf(run);
    if (!profile) continue;
    const status = parseStatus(run);
    // An unreadable status is not proof of an end: count the run as active rather than start a second one.
    if (!status || !isFinal(status.phase)) {
      active.set(profile, [...(active.get(profile) ?? []), run.metadata.name]);
      if (status?.phase === "Queued") queued.set(profile, [...(queued.get(profile) ?? []), run.metadata.name]);
      continue;
    }
    if (status.phase !== "Succeeded") continue;
    const finished = new Date(status.finishedAt ?? status.startedAt ?? run.metadata.creationTimestamp ?? Number.NaN);
    if (Number.isNaN(finished.getTime())) continue;
    const known = lastSuccess.get(profile);
    if (!known || finished > known) lastSuccess.set(profile, finished);
  }
  return { lastSuccess, active, queued };
}
