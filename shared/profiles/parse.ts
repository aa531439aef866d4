// parseRafdirConfig: the ConfigMap `rafdir-config` (upstream's Helm chart renders the same keys) → RafdirConfig.
// Pure: one bad profile, schedule or repository is reported and skipped; everything else goes on.
import { renderValue, profileIssue } from "./messages.ts";
import { nameProblem } from "./names.ts";
import { validateProfile } from "./profile.ts";
import { parseSchedules, type ScheduleContext } from "./schedules.ts";
import { parseSettings } from "./settings.ts";
import type { ConfigError, InvalidProfile, Profile, RafdirConfig, RepositorySection, Schedule, Settings } from "./types.ts";
import { asMapping, readYaml } from "./yaml.ts";

export const CONFIG_MAP_NAME = "rafdir-config";

/** The ConfigMap keys. The first three are upstream's (Helm values `configuration`, `repositories`, `profiles`). */
export const ConfigKeys = {
  base: "profiles.yaml",
  repositories: "repositories",
  profiles: "profiles",
  schedules: "schedules",
  settings: "settings",
} as const;

/** `now` only serves to reject schedules that never fire again; without it that check is skipped. */
export function parseRafdirConfig(data: Readonly<Record<string, string>> | undefined, now?: Date): RafdirConfig {
  const errors: ConfigError[] = [];
  const cm = data ?? {};
  /** `detail` follows the key ("is missing"); an item's message (`repository "x" …`) is passed with `item`. */
  const err: Report = (key, detail, item = false) =>
    void errors.push({ key, message: item ? detail : `key ${JSON.stringify(key)} ${detail}` });

  const base = readBase(cm[ConfigKeys.base], err);
  const settings = readSettings(cm[ConfigKeys.settings], err);
  const repositories = readRepositories(cm[ConfigKeys.repositories], err);
  const { profiles, invalid, names } = readProfiles(cm[ConfigKeys.profiles], err, settings, repositories && Object.keys(repositories));

  const schedules = readSchedules(cm[ConfigKeys.schedules], err, { profileNames: names, ...(now ? { now } : {}) });

  return { profiles, invalid, repositories: repositories ?? {}, ...(base ?? {}), schedules, settings, errors };
}

type Report = (key: string, detail: string, item?: boolean) => void;

/** No key: the default "daily" schedule. A key that does not parse: no schedules (never guess a schedule). */
function readSchedules(text: string | undefined, err: Report, ctx: ScheduleContext): Schedule[] {
  let input: unknown;
  if (text !== undefined) {
    const y = readYaml(text);
    if (!y.ok) {
      err(ConfigKeys.schedules, y.message);
      return [];
    }
    for (const d of y.duplicateKeys) err(ConfigKeys.schedules, `defines schedule ${JSON.stringify(d)} more than once`);
    input = y.value ?? null;
  }
  const parsed = parseSchedules(input, ctx);
  for (const m of parsed.errors) err(ConfigKeys.schedules, m, true);
  return parsed.schedules;
}

function readBase(text: string | undefined, err: Report): { base?: Record<string, unknown>; baseText: string } | undefined {
  if (text === undefined) {
    err(ConfigKeys.base, "(the resticprofile base configuration) is missing");
    return undefined;
  }
  const y = readYaml(text);
  if (!y.ok) {
    err(ConfigKeys.base, y.message);
    return { baseText: text };
  }
  const base = asMapping(y.value);
  if (!base) {
    err(ConfigKeys.base, "must be a YAML mapping (a resticprofile configuration)");
    return { baseText: text };
  }
  return { base, baseText: text };
}

function readSettings(text: string | undefined, err: Report): Settings {
  const y = text === undefined ? { ok: true as const, value: undefined } : readYaml(text);
  if (!y.ok) err(ConfigKeys.settings, `${y.message}; using the default settings`);
  const r = parseSettings(y.ok ? y.value : undefined);
  for (const m of r.errors) err(ConfigKeys.settings, m, true);
  return r.settings;
}

function readRepositories(text: string | undefined, err: Report): Record<string, RepositorySection> | undefined {
  if (text === undefined) {
    err(ConfigKeys.repositories, "is missing: configure at least one restic repository");
    return undefined;
  }
  const y = readYaml(text, "1.1");
  if (!y.ok) {
    err(ConfigKeys.repositories, y.message);
    return undefined;
  }
  const map = asMapping(y.value);
  if (!map) {
    err(ConfigKeys.repositories, "must be a mapping of repository name to resticprofile section");
    return undefined;
  }
  for (const d of y.duplicateKeys) err(ConfigKeys.repositories, `defines repository ${JSON.stringify(d)} more than once`);
  const repos: [string, RepositorySection][] = [];
  for (const [name, section] of Object.entries(map)) {
    const bad = nameProblem(name, "label");
    if (bad) err(ConfigKeys.repositories, `repository ${renderValue(name)} ${bad.replace("is not a valid name", "is not a valid repository name")}`, true);
    else if (y.duplicateKeys.includes(name)) continue;
    else if (typeof section !== "object" || section === null || Array.isArray(section))
      err(ConfigKeys.repositories, `repository ${JSON.stringify(name)} must be a mapping (a resticprofile section), not ${renderValue(section)}`, true);
    else repos.push([name, section as RepositorySection]);
  }
  if (repos.length === 0) err(ConfigKeys.repositories, "has no usable repository: nothing can be backed up");
  return Object.fromEntries(repos);
}

interface ProfilesRead {
  profiles: Profile[];
  invalid: InvalidProfile[];
  /** Every profile name (trimmed), valid or not. */
  names: string[];
}

function readProfiles(text: string | undefined, err: Report, settings: Settings, repositories: string[] | undefined): ProfilesRead {
  const none: ProfilesRead = { profiles: [], invalid: [], names: [] };
  if (text === undefined) {
    err(ConfigKeys.profiles, "is missing");
    return none;
  }
  const y = readYaml(text);
  if (!y.ok) {
    err(ConfigKeys.profiles, y.message);
    return none;
  }
  const map = asMapping(y.value);
  if (!map) {
    err(ConfigKeys.profiles, `must be a mapping of profile name to options, not ${renderValue(y.value)}`);
    return none;
  }

  const names = Object.keys(map).map((n) => n.trim());
  const out: ProfilesRead = { profiles: [], invalid: [], names };
  const ctx = { settings, ...(repositories ? { repositories } : {}) };
  for (const [rawName, options] of Object.entries(map)) {
    const name = rawName.trim();
    const duplicate = y.duplicateKeys.includes(rawName) || names.indexOf(name) !== names.lastIndexOf(name);
    if (duplicate) {
      out.invalid.push(profileIssue(rawName, "name", "is defined more than once; rename one of them", rawName));
      continue;
    }
    const r = validateProfile(rawName, options, ctx);
    if (r.ok) out.profiles.push(r.profile);
    else out.invalid.push(...r.issues);
  }
  return out;
}
