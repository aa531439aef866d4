// run-restic, pure: whether io.rafdir.pvc.bound starts a backup, whether a pod event ends one, and what the backup
// runs — the repositories, the resticprofile run spec, the runner's job, the deadline. The clock is an argument.
import type { Profile, RafdirConfig, RepositorySection } from "../../shared/profiles/index.ts";
import type { RunSpec } from "../../shared/restic/resticprofile-config.ts";
import { isFinal, Steps, type RunStatus } from "../../shared/runs/run.ts";
import type { ExecTarget } from "../../shared/targets/index.ts";
import type { RunnerJob } from "../../runner/job.ts";
import { CONFIG_PATH } from "./pod.ts";

export type Step = { kind: "skip"; reason: string } | { kind: "go" };

const skip = (reason: string): Step => ({ kind: "skip", reason });

/** io.rafdir.pvc.bound: create the backup once the copies are ready; resume a creation that was cut short. */
export function boundStep(status: RunStatus | undefined): Step {
  if (!status) return skip("the run's status breaks the contract; not touching it");
  if (isFinal(status.phase)) return skip(`the run is ${status.phase}`);
  if (status.error) return skip(`the run was aborted (${status.error.reason}); cleanup tears it down`);
  const steps = status.steps ?? {};
  if (status.phase === "BackingUp") return steps[Steps.podCreated] ? skip("the backup pod was created already") : { kind: "go" };
  if (status.phase !== "Copying" || !steps[Steps.pvcsReady]) return skip(`the backup PVCs are not ready (phase ${status.phase})`);
  return { kind: "go" };
}

/** A pod event: announce the end of the run's backup pod, once. */
export function finishedStep(status: RunStatus | undefined, pod: string): Step {
  if (!status) return skip("the run's status breaks the contract; not touching it");
  if (isFinal(status.phase)) return skip(`the run is ${status.phase}`);
  if (status.error) return skip(`the run was aborted (${status.error.reason}); cleanup tears it down`);
  if (status.pod !== pod) return skip(`not the run's backup pod (${status.pod ?? "none recorded"})`);
  if (status.steps?.[Steps.podFinished]) return skip("the end of the backup pod was announced already");
  if (status.phase !== "BackingUp") return skip(`the run is not backing up (phase ${status.phase})`);
  return { kind: "go" };
}

/** The repositories of this run: the run's own list (a manual request), else the profile's, in configuration order. */
export function runRepositories(
  config: Pick<RafdirConfig, "repositories">,
  requested: readonly string[] | undefined,
  profile: Pick<Profile, "name" | "repositories">,
): { ok: true; repositories: Record<string, RepositorySection> } | { ok: false; message: string } {
  const wanted = requested?.length ? requested : profile.repositories;
  const missing = wanted.filter((name) => config.repositories[name] === undefined);
  if (missing.length) {
    const known = Object.keys(config.repositories).join(", ") || "none";
    return { ok: false, message: `profile "${profile.name}": repository ${missing.map((m) => JSON.stringify(m)).join(", ")} is not configured (repositories: ${known})` };
  }
  const repositories = Object.fromEntries(Object.entries(config.repositories).filter(([name]) => wanted.includes(name)));
  if (Object.keys(repositories).length === 0) return { ok: false, message: `profile "${profile.name}": no repository to back up into` };
  return { ok: true, repositories };
}

/** restic stores a dump given without stdin-filename as `/stdin`, as restic itself names it. */
export const DEFAULT_STDIN_FILENAME = "stdin";

/** What resticprofile backs up: the folders at their original paths, and/or the dump. */
export function runSpec(profile: Pick<Profile, "name" | "host" | "folders" | "stdin">): RunSpec {
  const stdin = profile.stdin ? { filename: profile.stdin.filename ?? DEFAULT_STDIN_FILENAME } : undefined;
  return { profile: profile.name, host: profile.host, ...(profile.folders.length ? { folders: profile.folders } : {}), ...(stdin ? { stdin } : {}) };
}

export interface JobInput {
  run: string;
  profile: Pick<Profile, "name" | "host">;
  profiles: RunnerJob["profiles"];
  /** Where stdin-command runs (resolved now: the app may have restarted since the snapshot). */
  stdin?: ExecTarget & { filename: string };
  /** Folders + dump: the file inside folders[0] the dump is written to. */
  stdinPath?: string;
}

export function runnerJob(input: JobInput): RunnerJob {
  const s = input.stdin;
  return {
    run: input.run,
    profile: input.profile.name,
    host: input.profile.host,
    resticprofileConfigPath: CONFIG_PATH,
    profiles: input.profiles,
    ...(s
      ? { stdin: { namespace: s.namespace, pod: s.pod, container: s.container, command: s.command, ...(input.stdinPath ? { path: input.stdinPath } : { filename: s.filename }) } }
      : {}),
  };
}

/** Grace after the pod's own deadline, so the kubelet's DeadlineExceeded (the clearer message) arrives first. */
export const DEADLINE_GRACE_MS = 60_000;

export const backupDeadline = (now: Date, timeoutMs: number): string => new Date(now.getTime() + timeoutMs + DEADLINE_GRACE_MS).toISOString();
