// The profile a run belongs to, from the current rafdir-config: a run whose configuration or profile is gone (or
// became invalid) cannot go on, so it is aborted with a message naming the profile and the ConfigMap.
import { DEFAULT_SETTINGS, type Profile, type RafdirConfig, type Settings } from "../../shared/profiles/index.ts";
import type { BackupRun } from "../../shared/runs/run.ts";
import { ConfigMissingError, type FunctionDeps } from "./deps.ts";
import { abortRun, type AbortStep } from "./run-status.ts";

export interface RunProfile {
  config: RafdirConfig;
  profile: Profile;
}

/** The run's configuration and profile; undefined after aborting the run (step `step`) when either is missing. */
export async function loadRunProfile(deps: FunctionDeps, run: BackupRun, step: AbortStep): Promise<RunProfile | undefined> {
  let config: RafdirConfig;
  try {
    config = await deps.loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigMissingError)) throw err;
    await abortRun(deps, run, { step, reason: "ConfigMissing", message: err.message });
    return undefined;
  }
  const name = run.spec.profile;
  const profile = config.profiles.find((p) => p.name === name);
  if (profile) return { config, profile };
  const problems = config.invalid.filter((i) => i.profile === name).map((i) => i.message);
  const message = problems.length ? problems.join("; ") : `profile "${name}" is not in ConfigMap ${deps.namespace}/rafdir-config any more`;
  await abortRun(deps, run, { step, reason: problems.length ? "ProfileInvalid" : "ProfileNotFound", message });
  return undefined;
}

/** The configured settings, or the defaults when the configuration cannot be read (never blocks a step under way). */
export async function currentSettings(deps: FunctionDeps): Promise<Settings> {
  try {
    return (await deps.loadConfig()).settings;
  } catch (err) {
    deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "configuration unreadable; using default settings");
    return DEFAULT_SETTINGS;
  }
}
