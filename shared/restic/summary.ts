// restic's JSON, parsed with zod rather than scraped from text, and its exit codes as an outcome union.
// Fields follow restic 0.17–0.19 (restic.md §2): `snapshot_id` is absent when nothing was saved
// (`--skip-if-unchanged`), `data_added_packed` came with 0.17, `backup_start`/`backup_end` with 0.18.
import { z } from "zod";

const count = z.number().int().nonnegative();

export const BackupSummary = z.object({
  message_type: z.literal("summary"),
  files_new: count,
  files_changed: count,
  files_unmodified: count,
  dirs_new: count,
  dirs_changed: count,
  dirs_unmodified: count,
  data_blobs: z.number().int(),
  tree_blobs: z.number().int(),
  data_added: count,
  data_added_packed: count.optional(),
  total_files_processed: count,
  total_bytes_processed: count,
  total_duration: z.number().nonnegative(),
  backup_start: z.string().optional(),
  backup_end: z.string().optional(),
  snapshot_id: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  dry_run: z.boolean().optional(),
});
export type BackupSummary = z.infer<typeof BackupSummary>;

/** A file restic could not read (the backup still ends, with exit code 3). Before 0.17.1 this was `{}`. */
export const ErrorMessage = z.object({
  message_type: z.literal("error"),
  error: z.object({ message: z.string() }).partial().optional(),
  during: z.string().optional(),
  item: z.string().optional(),
});

/** Why restic stopped (stderr, restic ≥ 0.18). resticprofile exits 1 for every failure; this keeps the real code. */
export const ExitError = z.object({ message_type: z.literal("exit_error"), code: z.number().int(), message: z.string() });
export type ExitError = z.infer<typeof ExitError>;

export interface BackupOutput {
  summary?: BackupSummary;
  exitError?: ExitError;
  /** `item: message` of each unreadable item, in order. */
  errors: string[];
}

/** Reads the JSON lines of `backup --json` from stdout and stderr; other lines (resticprofile's log) are skipped. */
export function parseBackupOutput(stdout: string, stderr = ""): BackupOutput {
  return parseJsonOutput(BackupSummary, stdout, stderr);
}

/**
 * The last line of `restore --json` (restic ≥ 0.17). Every counter is omitted when 0. Entries (directories count)
 * already identical in the target are `*_skipped`, not `*_restored`, and are then missing from `total_*` too (0.19.1):
 * what the target holds from the snapshot is `*_restored + *_skipped`.
 */
export const RestoreSummary = z.object({
  message_type: z.literal("summary"),
  seconds_elapsed: count.optional(),
  total_files: count.default(0),
  files_restored: count.default(0),
  files_skipped: count.default(0),
  files_deleted: count.default(0),
  total_bytes: count.default(0),
  bytes_restored: count.default(0),
  bytes_skipped: count.default(0),
});
export type RestoreSummary = z.infer<typeof RestoreSummary>;

export interface RestoreOutput {
  summary?: RestoreSummary;
  exitError?: ExitError;
  errors: string[];
}

/** Reads the JSON lines of `restore --json` from stdout and stderr, like `parseBackupOutput`. */
export function parseRestoreOutput(stdout: string, stderr = ""): RestoreOutput {
  return parseJsonOutput(RestoreSummary, stdout, stderr);
}

/**
 * `stats --json` (one line). `--mode=restore-size`: the bytes and the entries (files, directories, links, all the
 * way up from `/`) a restore of the whole snapshot writes. An unknown snapshot id is no error: `snapshots_count: 0`.
 */
export const StatsSummary = z.object({
  total_size: count,
  total_file_count: count.default(0),
  snapshots_count: count.default(0),
});
export type StatsSummary = z.infer<typeof StatsSummary>;

export function parseStats(stdout: string): StatsSummary | undefined {
  for (const value of jsonLines(stdout)) {
    const stats = StatsSummary.safeParse(value);
    if (stats.success) return stats.data;
  }
  return undefined;
}

/** A file, directory or link of `ls --json`. `mode` is Go's os.FileMode (type bits above the permissions). */
export const LsNode = z.object({
  struct_type: z.literal("node"),
  name: z.string(),
  type: z.string(),
  path: z.string(),
  uid: z.number().int().nonnegative(),
  gid: z.number().int().nonnegative(),
  mode: z.number().int().nonnegative(),
  mtime: z.string(),
  atime: z.string().optional(),
});
export type LsNode = z.infer<typeof LsNode>;

/** The node of `path` in the output of `ls --json` (absent for `/`, which has no node). */
export function findLsNode(stdout: string, path: string): LsNode | undefined {
  for (const value of jsonLines(stdout)) {
    const node = LsNode.safeParse(value);
    if (node.success && node.data.path === path) return node.data;
  }
  return undefined;
}

const GO_SETUID = 1 << 23;
const GO_SETGID = 1 << 22;
const GO_STICKY = 1 << 20;

/** Go's os.FileMode → the unix permission bits chmod takes (with setuid, setgid and sticky). */
export function unixMode(goMode: number): number {
  const bits = goMode % 2 ** 32;
  return (bits & 0o777) | (bits & GO_SETUID ? 0o4000 : 0) | (bits & GO_SETGID ? 0o2000 : 0) | (bits & GO_STICKY ? 0o1000 : 0);
}

interface JsonOutput<S> {
  summary?: S;
  exitError?: ExitError;
  errors: string[];
}

function parseJsonOutput<T extends z.ZodType>(schema: T, stdout: string, stderr: string): JsonOutput<z.infer<T>> {
  const out: JsonOutput<z.infer<T>> = { errors: [] };
  for (const value of jsonLines(`${stdout}\n${stderr}`)) {
    const summary = schema.safeParse(value);
    if (summary.success) out.summary = summary.data;
    const exit = ExitError.safeParse(value);
    if (exit.success) out.exitError = exit.data;
    const error = ErrorMessage.safeParse(value);
    if (error.success) out.errors.push(`${error.data.item ?? error.data.during ?? "?"}: ${error.data.error?.message ?? "unknown error"}`);
  }
  return out;
}

const SnapshotSummary = z.object({
  backup_start: z.string().optional(),
  backup_end: z.string().optional(),
  files_new: count.optional(),
  files_changed: count.optional(),
  files_unmodified: count.optional(),
  data_added: count.optional(),
  total_files_processed: count.optional(),
  total_bytes_processed: count.optional(),
});

export const Snapshot = z.object({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  short_id: z.string().optional(),
  time: z.string(),
  tree: z.string(),
  paths: z.array(z.string()),
  hostname: z.string(),
  username: z.string().optional(),
  tags: z.array(z.string()).optional(),
  parent: z.string().optional(),
  program_version: z.string().optional(),
  summary: SnapshotSummary.optional(),
});
export type Snapshot = z.infer<typeof Snapshot>;
export const Snapshots = z.array(Snapshot);

/** Parses `snapshots --json` (without `--group-by`): the one JSON array line, wherever resticprofile's log is. */
export function parseSnapshots(stdout: string): Snapshot[] {
  const line = stdout.split("\n").find((l) => l.trimStart().startsWith("["));
  if (line === undefined) throw new Error("no JSON array in the output of `restic snapshots --json`");
  return Snapshots.parse(JSON.parse(line));
}

export type ResticOutcome =
  | { kind: "ok"; code: 0 }
  | { kind: "incomplete"; code: 3 }
  | { kind: "repoMissing"; code: 10 }
  | { kind: "lockFailed"; code: 11 }
  | { kind: "wrongPassword"; code: 12 }
  | { kind: "interrupted"; code: 130 }
  | { kind: "fatal"; code: number };

/** restic's exit codes (0.17+; 130 since 0.19): 3 means a snapshot was saved but some files were unreadable. */
export function exitOutcome(code: number): ResticOutcome {
  switch (code) {
    case 0:
      return { kind: "ok", code };
    case 3:
      return { kind: "incomplete", code };
    case 10:
      return { kind: "repoMissing", code };
    case 11:
      return { kind: "lockFailed", code };
    case 12:
      return { kind: "wrongPassword", code };
    case 130:
      return { kind: "interrupted", code };
    default:
      return { kind: "fatal", code };
  }
}

const DESCRIPTIONS: Record<ResticOutcome["kind"], string> = {
  ok: "ok",
  incomplete: "snapshot is incomplete: some files could not be read",
  repoMissing: "the repository does not exist",
  lockFailed: "the repository is locked",
  wrongPassword: "wrong repository password",
  interrupted: "interrupted",
  fatal: "restic failed",
};

export const describeOutcome = (o: ResticOutcome): string => DESCRIPTIONS[o.kind];

function* jsonLines(text: string): Generator<unknown> {
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("{")) continue;
    try {
      yield JSON.parse(line) as unknown;
    } catch {
      // a truncated or foreign line
    }
  }
}
