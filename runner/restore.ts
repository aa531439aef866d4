// The restore pods' work, through the repository's resticprofile profile (repository, credentials, cache):
//  - inspect: find the snapshot (the job's id or prefix, else the profile's newest) and its restore size;
//  - restore: `restore <id>:<path> --target <target>`, then give `target` itself the metadata (owner, mode, mtime) of
//    `<path>` in the snapshot, which restic leaves alone.
// An explicit id makes restic ignore --host/--tag, so inspect reports the snapshot's real host and tags and the caller
// checks they are the profile's.
import { chmod, lchown, utimes } from "node:fs/promises";
import { posix } from "node:path";
import type { Logger } from "../shared/log.ts";
import { lsArgv, restoreArgv, snapshotsArgv, statsArgv, viaResticprofile } from "../shared/restic/argv.ts";
import type { RunResult } from "../shared/restic/run.ts";
import { findLsNode, parseRestoreOutput, parseSnapshots, parseStats, unixMode, type Snapshot } from "../shared/restic/summary.ts";
import type { RunnerDeps } from "./backup.ts";
import { ignoreUnlessRoot } from "./copy.ts";
import type { InspectJob, InspectResult, RestoreJob, RestoreResult } from "./restore-job.ts";
import { resticFailure } from "./result.ts";

export type RestoreDeps = Omit<RunnerDeps, "exec">;

/** Wait this long for another process's exclusive lock (a prune) before failing with exit code 11. */
const RETRY_LOCK = "--retry-lock=2m";
/** A profile's snapshot list and a folder's listing can be long; the JSON must arrive whole. */
const LISTING_BYTES = 64 * 1024 * 1024;

export async function runInspect(job: InspectJob, deps: RestoreDeps): Promise<InspectResult> {
  const started = Date.now();
  const log = deps.log.child({ run: job.run, profile: job.profile, resticprofile: job.resticprofile });
  log.info({ step: "inspect", snapshot: job.snapshot ?? "latest" }, "inspect started");
  const done = (r: Omit<InspectResult, "action" | "run" | "profile" | "durationMs">): InspectResult => {
    const result: InspectResult = { action: "inspect", run: job.run, profile: job.profile, ...r, durationMs: Date.now() - started };
    log[r.ok ? "info" : "error"]({ step: "inspect", ok: r.ok, snapshot: r.snapshot?.id, restoreSize: r.restoreSize, error: r.error }, "inspect finished");
    return result;
  };

  const found = await findSnapshot(job, deps);
  if ("error" in found) return done({ ok: false, error: found.error });
  const s = found.snapshot;
  const snapshot = { id: s.id, time: s.time, host: s.hostname, tags: s.tags ?? [], paths: s.paths };

  const run = await resticprofile(job, [...statsArgv({ snapshot: s.id }), RETRY_LOCK], deps);
  if (run.code !== 0) return done({ ok: false, snapshot, error: `restic stats: ${resticFailure(run).error}` });
  const stats = parseStats(run.stdout);
  if (stats === undefined || stats.snapshots_count !== 1) return done({ ok: false, snapshot, error: `restic stats printed no size for snapshot ${short(s.id)}` });
  return done({ ok: true, snapshot, restoreSize: stats.total_size, files: stats.total_file_count });
}

type Found = { snapshot: Snapshot } | { error: string };

async function findSnapshot(job: InspectJob, deps: RestoreDeps): Promise<Found> {
  const scope = { host: job.host, tags: [job.profile] };
  const query = job.snapshot === undefined ? snapshotsArgv({ ...scope, latest: 1 }) : snapshotsArgv({ ...scope, ids: [job.snapshot] });
  const run = await resticprofile(job, [...query, RETRY_LOCK], deps, LISTING_BYTES);
  if (run.code !== 0) return { error: `restic snapshots: ${resticFailure(run).error}` };
  let snaps: Snapshot[];
  try {
    snaps = parseSnapshots(run.stdout);
  } catch (e) {
    return { error: `restic snapshots: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (job.snapshot === undefined) {
    const newest = snaps.reduce<Snapshot | undefined>((a, b) => (a === undefined || newer(b, a) ? b : a), undefined);
    return newest ? { snapshot: newest } : { error: `no snapshot of profile ${job.profile} (host ${job.host}, tag ${job.profile}) in the repository` };
  }
  const prefix = job.snapshot;
  const matches = snaps.filter((s) => s.id.startsWith(prefix));
  const [match] = matches;
  if (match !== undefined && matches.length === 1) return { snapshot: match };
  // restic says why on stderr: `Ignoring "<id>": no matching ID found for prefix "<id>"` (or several match).
  const why = /Ignoring "[^"]*": (.+)/.exec(run.stderr)?.[1];
  if (matches.length > 1 || (why !== undefined && !/no matching ID/.test(why))) return { error: `snapshot ${prefix}: ${why ?? "the prefix matches several snapshots"}` };
  return { error: `snapshot ${prefix} not found in the repository` };
}

const newer = (a: Snapshot, b: Snapshot): boolean => {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  return ta !== tb ? ta > tb : a.time > b.time;
};

export async function runRestore(job: RestoreJob, deps: RestoreDeps): Promise<RestoreResult> {
  const started = Date.now();
  const log = deps.log.child({ run: job.run, profile: job.profile, resticprofile: job.resticprofile });
  log.info({ step: "restore", snapshot: job.snapshot, path: job.path, target: job.target }, "restore started");
  const done = (r: Omit<RestoreResult, "action" | "run" | "profile" | "snapshot" | "path" | "durationMs">): RestoreResult => {
    const result: RestoreResult = { action: "restore", run: job.run, profile: job.profile, snapshot: job.snapshot, path: job.path, ...r, durationMs: Date.now() - started };
    const { action: _a, run: _r, profile: _p, ...fields } = result;
    log[r.ok ? "info" : "error"]({ step: "restore", ...fields }, "restore finished");
    return result;
  };

  const args = restoreArgv({ snapshot: job.snapshot, subfolder: job.path, host: job.host, tag: job.profile, target: job.target, json: true });
  const run = await resticprofile(job, [...args, RETRY_LOCK], deps);
  const out = parseRestoreOutput(run.stdout, run.stderr);
  const exitCode = out.exitError?.code ?? run.code;
  if (run.code !== 0 || exitCode !== 0) {
    const f = resticFailure(run);
    return done({ ok: false, exitCode: f.exitCode, error: `restic restore of ${short(job.snapshot)}:${job.path}: ${f.error}` });
  }
  const s = out.summary;
  if (s === undefined) return done({ ok: false, exitCode, error: "restic printed no restore summary" });
  const counts = { files: s.files_restored + s.files_skipped, bytes: s.bytes_restored + s.bytes_skipped, exitCode };
  const rootError = await restoreRootMetadata(job, deps, log);
  if (rootError !== undefined) return done({ ok: false, ...counts, error: `restored, but ${job.target} did not get the metadata of ${job.path}: ${rootError}` });
  return done({ ok: true, ...counts });
}

/**
 * restic restores `<id>:<path>`'s contents but not `<path>` itself: `target` keeps the mode restic or the volume
 * gave it (0700, or the PVC's root). Copies owner, mode and times from the snapshot's node of `<path>`, listed with
 * its parent (a short listing: the parent of a mount path holds little). `/` has no node: nothing to do.
 */
async function restoreRootMetadata(job: RestoreJob, deps: RestoreDeps, log: Logger): Promise<string | undefined> {
  const path = posix.normalize(job.path).replace(/(.)\/+$/, "$1");
  if (path === "/") return undefined;
  const run = await resticprofile(job, [...lsArgv({ snapshot: job.snapshot, path: posix.dirname(path) }), RETRY_LOCK], deps, LISTING_BYTES);
  if (run.code !== 0) return `restic ls: ${resticFailure(run).error}`;
  const node = findLsNode(run.stdout, path);
  if (node === undefined) return `restic ls found no node for ${job.path}`;
  if (node.type !== "dir") return undefined; // a file restores as itself, under target
  try {
    await lchown(job.target, node.uid, node.gid).catch(ignoreUnlessRoot);
    await chmod(job.target, unixMode(node.mode));
    await utimes(job.target, isoSeconds(node.atime ?? node.mtime), isoSeconds(node.mtime));
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  log.debug({ step: "restore", uid: node.uid, gid: node.gid, mode: unixMode(node.mode).toString(8) }, "target root metadata set");
  return undefined;
}

function resticprofile(job: InspectJob | RestoreJob, args: readonly string[], deps: RestoreDeps, maxOutputBytes?: number): Promise<RunResult> {
  return deps.run(viaResticprofile(job.resticprofileConfigPath, job.resticprofile, args), {
    env: deps.env,
    signal: deps.signal,
    ...(maxOutputBytes !== undefined ? { maxOutputBytes } : {}),
  });
}

const short = (id: string): string => id.slice(0, 8);

/** Seconds since the epoch of an RFC 3339 time, keeping the sub-millisecond digits restic writes (a Date drops them). */
export function isoSeconds(iso: string): number {
  const fraction = /\.(\d+)/.exec(iso)?.[1] ?? "";
  return Math.floor(Date.parse(iso.replace(/\.\d+/, "")) / 1000) + Number(`0.${fraction || "0"}`);
}
