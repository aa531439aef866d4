// Pure argv builders, one per restic subcommand (k8up style). A builder returns the subcommand's argv
// (`["snapshots", "--json", "--host=h", …]`); `restic(args, global)` runs it with restic itself and
// `viaResticprofile(config, profile, args)` through a resticprofile profile, which adds the repository, password,
// cache and lock flags. Values always travel as `--flag=value`, so a value can never be read as another flag;
// positional values (snapshot ids, paths) are validated.

export const RESTIC = "restic";
export const RESTICPROFILE = "resticprofile";

export class ResticArgumentError extends Error {
  override readonly name = "ResticArgumentError";
}

/** restic global flags; usually the environment (RESTIC_REPOSITORY, RESTIC_PASSWORD…) carries these instead. */
export interface ResticGlobal {
  repo?: string;
  passwordFile?: string;
  cacheDir?: string;
  /** `--retry-lock` (restic ≥ 0.16), e.g. "5m": wait for a lock instead of failing with exit code 11. */
  retryLock?: string;
}

export function restic(args: readonly string[], global: ResticGlobal = {}): string[] {
  return [
    RESTIC,
    ...flag("repo", global.repo),
    ...flag("password-file", global.passwordFile),
    ...flag("cache-dir", global.cacheDir),
    ...flag("retry-lock", global.retryLock),
    ...args,
  ];
}

/** Runs restic subcommand `args` through resticprofile profile `profile` of config file `configPath`. */
export function viaResticprofile(configPath: string, profile: string, args: readonly string[]): string[] {
  return [RESTICPROFILE, "--no-ansi", "--no-prio", "-c", configPath, "--name", profile, ...args];
}

/**
 * The backup of a generated profile, restic's JSON lines passed through to stdout: the generated profile sets
 * `extended-status: false`, so resticprofile does not swallow them, and `--quiet` leaves only the summary line.
 */
export function resticprofileBackupArgv(configPath: string, profile: string): string[] {
  return viaResticprofile(configPath, profile, ["backup", "--json", "--quiet"]);
}

export const initArgv = (): string[] => ["init"];

/** `restic cat config`: exit 0 when the repository exists, 10 when it does not (restic ≥ 0.17). */
export const catConfigArgv = (): string[] => ["cat", "config"];

export interface Scope {
  host: string;
  /** Every tag must be present on a snapshot (restic's `--tag a,b`). */
  tags: readonly string[];
}

export interface SnapshotsQuery extends Scope {
  paths?: readonly string[];
  /** Only the newest n per group. */
  latest?: number;
  /** Snapshot ids or prefixes: restic then ignores host, tag and path filters ("Ignoring filters"). */
  ids?: readonly string[];
}

export function snapshotsArgv(q: SnapshotsQuery): string[] {
  return [
    "snapshots",
    "--json",
    ...scopeFlags(q),
    ...(q.paths ?? []).map((p) => `--path=${absolute(p)}`),
    ...(q.latest !== undefined ? [`--latest=${positive(q.latest, "latest")}`] : []),
    ...(q.ids ?? []).map(snapshotId),
  ];
}

export type StatsMode = "restore-size" | "files-by-contents" | "raw-data" | "blobs-per-file";

/**
 * `stats --json` of one snapshot (restic has no `<id>:<subfolder>` here). An unknown id is not an error: restic
 * prints "Ignoring …" on stderr and `snapshots_count: 0`.
 */
export const statsArgv = (s: { snapshot: string; mode?: StatsMode }): string[] => [
  "stats",
  "--json",
  `--mode=${s.mode ?? "restore-size"}`,
  snapshotId(s.snapshot),
];

/** `ls --json <id> <dir>`: the snapshot line, then the node of `dir` and of its direct children. */
export const lsArgv = (l: { snapshot: string; path: string }): string[] => ["ls", "--json", snapshotId(l.snapshot), absolute(l.path)];

export interface RestoreRequest {
  /** A snapshot id; absent means the latest snapshot of host+tag. */
  snapshot?: string;
  /** Restore only this folder of the snapshot, stripping its prefix (`<id>:<subfolder>`). */
  subfolder?: string;
  host: string;
  tag: string;
  target: string;
  include?: readonly string[];
  /** JSON status lines and a final `summary` line (restic ≥ 0.17) on stdout. */
  json?: boolean;
}

export function restoreArgv(r: RestoreRequest): string[] {
  const sub = r.subfolder !== undefined ? `:${absolute(r.subfolder)}` : "";
  return [
    "restore",
    `${snapshotRef(r.snapshot)}${sub}`,
    `--target=${absolute(r.target)}`,
    ...scopeFlags({ host: r.host, tags: [r.tag] }),
    ...(r.include ?? []).map((i) => `--include=${nonEmpty(i, "include")}`),
    ...(r.json ? ["--json"] : []),
  ];
}

export interface DumpRequest {
  snapshot?: string;
  /** The file inside the snapshot, e.g. `/<stdin-filename>`. */
  path: string;
  host: string;
  tag: string;
}

export function dumpArgv(d: DumpRequest): string[] {
  return ["dump", snapshotRef(d.snapshot), absolute(d.path), ...scopeFlags({ host: d.host, tags: [d.tag] })];
}

export interface KeepPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  /** A restic duration, e.g. "30d" or "1y6m". */
  within?: string;
  tags?: readonly string[];
}

/** Either a retention policy (`keep`) or explicit snapshot ids, always inside host+tags. */
export interface ForgetRequest extends Scope {
  keep?: KeepPolicy;
  snapshots?: readonly string[];
  prune?: boolean;
  dryRun?: boolean;
}

const KEEP_COUNTS = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;

export function forgetArgv(f: ForgetRequest): string[] {
  const ids = f.snapshots ?? [];
  if ((f.keep === undefined) === (ids.length === 0)) {
    throw new ResticArgumentError("forget needs either a keep policy or snapshot ids (not both)");
  }
  const keep = f.keep ?? {};
  const keepFlags = [
    ...KEEP_COUNTS.flatMap((k) => (keep[k] !== undefined ? [`--keep-${k}=${positive(keep[k], `keep-${k}`)}`] : [])),
    ...flag("keep-within", keep.within),
    ...(keep.tags ?? []).map((t) => `--keep-tag=${tagValue(t)}`),
  ];
  if (f.keep !== undefined && keepFlags.length === 0) throw new ResticArgumentError("forget: the keep policy keeps nothing explicitly");
  return [
    "forget",
    "--json",
    ...scopeFlags(f),
    ...keepFlags,
    ...(f.prune ? ["--prune"] : []),
    ...(f.dryRun ? ["--dry-run"] : []),
    ...ids.map(snapshotId),
  ];
}

export interface CheckRequest {
  /** `n/t`, `x%` or a size, e.g. "1/7", "5%", "1G". */
  readDataSubset?: string;
}

export const checkArgv = (c: CheckRequest = {}): string[] => ["check", ...flag("read-data-subset", c.readDataSubset)];

export const unlockArgv = (o: { removeAll?: boolean } = {}): string[] => ["unlock", ...(o.removeAll ? ["--remove-all"] : [])];

function flag(name: string, value: string | undefined): string[] {
  return value === undefined ? [] : [`--${name}=${nonEmpty(value, name)}`];
}

function scopeFlags(s: Scope): string[] {
  if (s.tags.length === 0) throw new ResticArgumentError("a scope needs at least one tag");
  return [`--host=${nonEmpty(s.host, "host")}`, `--tag=${s.tags.map(tagValue).join(",")}`];
}

function tagValue(t: string): string {
  if (t === "" || t.includes(",")) throw new ResticArgumentError(`tag "${t}" must be non-empty and contain no comma`);
  return t;
}

const SNAPSHOT_ID = /^[0-9a-f]{8,64}$/;

function snapshotId(id: string): string {
  if (!SNAPSHOT_ID.test(id)) throw new ResticArgumentError(`"${id}" is not a restic snapshot id`);
  return id;
}

const snapshotRef = (id: string | undefined): string => (id === undefined ? "latest" : snapshotId(id));

function absolute(p: string): string {
  if (!p.startsWith("/") || p.includes("\n")) throw new ResticArgumentError(`path "${p}" must be absolute`);
  return p;
}

function positive(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 1) throw new ResticArgumentError(`${what} must be a positive integer, got ${n}`);
  return n;
}

function nonEmpty(v: string, what: string): string {
  if (v === "") throw new ResticArgumentError(`${what} must not be empty`);
  return v;
}
