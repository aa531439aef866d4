// The resticprofile configuration (v1 YAML) of one backup run: the base `profiles.yaml`, the repositories, and one
// generated profile per repository (and kind) that inherits its repository:
//
//   default_configuration: {...}         ← base (any profiles; `includes` dropped: the file is mounted alone)
//   local: {inherit: default_configuration, repository: /repo}   ← repositories map, one profile each
//   app-local: {inherit: local, backup: {source: [/data], host: app.example, tag: [app], stdin: false, …}}
//
// Folders and a stdin-command together follow upstream: the runner writes the dump to `<folders[0]>/<filename>` before
// the folders backup, so only folders profiles are generated and `stdinPath` says where the dump goes.
//
// Lists never reach a generated profile by inheritance (see inheritance.ts): ancestors lose their lists and each
// generated profile carries the lists it should see, with the rafdir-owned ones (`source`, `tag`, `stdin-command`,
// `files-from*`) set from the run alone. Retention never runs inside the backup (forget takes an exclusive lock);
// `forget` and `snapshots` are scoped to the run's host and tag.
import { posix } from "node:path";
import { stringify } from "yaml";
import {
  ProfileConfigError,
  RESERVED_KEYS,
  effectiveSection,
  inheritChain,
  inheritedLists,
  isSection,
  lowercaseKeys,
  withoutLists,
  type Section,
} from "./inheritance.ts";

export { ProfileConfigError };

export interface RunSpec {
  /** The rafdir profile: the one restic tag of its snapshots and the prefix of the generated profile names. */
  profile: string;
  /** restic `--host` of every snapshot of this profile, so "latest" and retention never mix profiles. */
  host: string;
  /** Absolute paths, backed up at their mount path (restic stores them from `/`). */
  folders?: readonly string[];
  /**
   * A dump the runner gets from a command: alone, restic stores its bytes as `/<filename>`; with folders, the runner
   * writes it to `<folders[0]>/<filename>` and it is backed up with them.
   */
  stdin?: { filename: string };
}

export type ProfileKind = "folders" | "stdin";

export interface GeneratedProfile {
  /** The resticprofile profile (`--name`). */
  name: string;
  repository: string;
  kind: ProfileKind;
}

export interface ResticprofileConfig {
  document: Section;
  yaml: string;
  profiles: GeneratedProfile[];
  /** With folders and stdin: the file the runner writes the dump to (the job's `stdin.path`). */
  stdinPath?: string;
}

/** Profile, repository and generated names: lowercase (viper lowercases keys), no dots (viper's key separator). */
const NAME = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
/** Backup keys only the run decides: removed from every ancestor (even as scalars: `stdin-command: "x"` would turn a
 * folders backup into a piped one) and set on the leaf from the run alone. */
const OWNED_BACKUP_KEYS = ["source", "tag", "stdin-command", "files-from", "files-from-raw", "files-from-verbatim"];

/** `<profile>-<repository>`, as upstream named them. */
export const generatedProfileName = (profile: string, repository: string): string => `${profile}-${repository}`;

export function buildResticprofileConfig(base: unknown, repositories: Record<string, unknown>, run: RunSpec): ResticprofileConfig {
  const spec = validateRun(run);
  const doc = baseDocument(base);
  const repoNames = Object.keys(repositories);
  if (repoNames.length === 0) throw new ProfileConfigError("no repositories configured");
  for (const repo of repoNames) {
    if (!NAME.test(repo)) throw new ProfileConfigError(`repository name "${repo}" must match ${NAME.source}`);
    if (doc[repo] !== undefined || RESERVED_KEYS.has(repo)) throw new ProfileConfigError(`repository "${repo}" clashes with a profile or key of the base configuration`);
    const section = repositories[repo];
    if (!isSection(section)) throw new ProfileConfigError(`repository "${repo}" must be a resticprofile profile section (a map)`);
    doc[repo] = normalizeProfile(section);
  }

  const kind: ProfileKind = spec.folders ? "folders" : "stdin";
  const profiles: GeneratedProfile[] = [];
  const leaves: Section = {};
  const ancestors = new Set<string>();
  for (const repository of repoNames) {
    const chain = inheritChain(doc, repository);
    chain.forEach((a) => ancestors.add(a));
    const name = generatedProfileName(spec.profile, repository);
    if (doc[name] !== undefined || leaves[name] !== undefined) throw new ProfileConfigError(`generated profile "${name}" clashes with an existing profile`);
    leaves[name] = leafProfile(doc, chain, spec, kind);
    profiles.push({ name, repository, kind });
  }
  for (const a of ancestors) doc[a] = withoutOwnedKeys(withoutLists(doc[a] as Section));
  Object.assign(doc, leaves);
  const stdinPath = spec.folders?.[0] !== undefined && spec.stdin ? posix.join(spec.folders[0], spec.stdin.filename) : undefined;
  return { document: doc, yaml: stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }), profiles, ...(stdinPath ? { stdinPath } : {}) };
}

function leafProfile(doc: Section, chain: string[], run: ValidRun, kind: ProfileKind): Section {
  const lists = inheritedLists(doc, chain);
  const scope = { host: run.host, tag: [run.profile] };
  const leaf: Section = { inherit: chain[0], ...lists };
  const backup: Section = { ...(isSection(lists["backup"]) ? lists["backup"] : {}) };
  for (const key of OWNED_BACKUP_KEYS) delete backup[key];
  Object.assign(backup, scope, { "extended-status": false, stdin: kind === "stdin" });
  if (kind === "folders") backup["source"] = [...(run.folders ?? [])];
  else backup["stdin-filename"] = run.stdin?.filename;
  leaf["backup"] = backup;
  leaf["snapshots"] = { ...sectionOf(lists, "snapshots"), ...scope };

  const retention = effectiveSection(doc, chain, "retention");
  const forget = effectiveSection(doc, chain, "forget");
  if (Object.keys(retention).length > 0) {
    leaf["retention"] = { ...sectionOf(lists, "retention"), "before-backup": false, "after-backup": false, ...scope };
  }
  if (hasKeep(forget) || hasKeep(retention)) {
    const keep = hasKeep(forget) ? {} : Object.fromEntries(Object.entries(retention).filter(([k]) => k.startsWith("keep-")));
    leaf["forget"] = { ...sectionOf(lists, "forget"), ...keep, ...scope };
  }
  return leaf;
}

function withoutOwnedKeys(profile: Section): Section {
  const backup = profile["backup"];
  if (!isSection(backup)) return profile;
  return { ...profile, backup: Object.fromEntries(Object.entries(backup).filter(([k]) => !OWNED_BACKUP_KEYS.includes(k))) };
}

const hasKeep = (s: Section): boolean => Object.keys(s).some((k) => k.startsWith("keep-"));
const sectionOf = (s: Section, key: string): Section => (isSection(s[key]) ? s[key] : {});

function baseDocument(base: unknown): Section {
  if (base === undefined || base === null) return { version: "1" };
  if (!isSection(base)) throw new ProfileConfigError("the base configuration must be a map of resticprofile profiles");
  const version = base["version"];
  if (version !== undefined && String(version) !== "1") {
    throw new ProfileConfigError(`the base configuration is version ${String(version)}; rafdir generates version "1" configurations`);
  }
  const doc: Section = { version: "1" };
  for (const [rawKey, value] of Object.entries(base)) {
    const key = rawKey.toLowerCase();
    if (key === "version" || key === "includes") continue;
    if (RESERVED_KEYS.has(key)) doc[key] = value;
    else if (isSection(value)) doc[key] = normalizeProfile(value);
    else throw new ProfileConfigError(`base configuration: profile "${rawKey}" must be a map`);
  }
  return doc;
}

function normalizeProfile(section: Section): Section {
  const profile = lowercaseKeys(section);
  if (typeof profile["inherit"] === "string") profile["inherit"] = profile["inherit"].toLowerCase();
  return profile;
}

interface ValidRun {
  profile: string;
  host: string;
  folders?: string[];
  stdin?: { filename: string };
}

function validateRun(run: RunSpec): ValidRun {
  if (!NAME.test(run.profile)) throw new ProfileConfigError(`profile name "${run.profile}" must match ${NAME.source}`);
  if (!HOST.test(run.host)) throw new ProfileConfigError(`profile "${run.profile}": host "${run.host}" is not a valid host name`);
  const folders = run.folders && run.folders.length > 0 ? [...new Set(run.folders.map(normalizeFolder(run.profile)))] : undefined;
  const filename = run.stdin?.filename;
  if (filename !== undefined && (filename === "" || filename.includes("/") || filename === "." || filename === "..")) {
    throw new ProfileConfigError(`profile "${run.profile}": stdin filename "${filename}" must be a plain file name`);
  }
  if (!folders && filename === undefined) throw new ProfileConfigError(`profile "${run.profile}": needs folders or a stdin command`);
  return { profile: run.profile, host: run.host, ...(folders ? { folders } : {}), ...(filename !== undefined ? { stdin: { filename } } : {}) };
}

const normalizeFolder = (profile: string) => (folder: string): string => {
  if (!folder.startsWith("/")) throw new ProfileConfigError(`profile "${profile}": folder "${folder}" must be an absolute path`);
  const parts = folder.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw new ProfileConfigError(`profile "${profile}": folder "${folder}" must not contain ".."`);
  return `/${parts.join("/")}`;
};
