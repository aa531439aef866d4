// The termination message of a restore pod (inspect, restore, copy): the result as JSON within 4096 bytes, and the
// one write of it. The backup pod's encoder is `encodeTerminationMessage` in result.ts.
import { writeFile } from "node:fs/promises";
import type { Logger } from "../shared/log.ts";
import type { RestorePodResult } from "./restore-job.ts";
import { TERMINATION_MESSAGE_LIMIT } from "./result.ts";

/** The result as JSON within `limit` bytes: the error text is shortened, then the snapshot's last paths are dropped. */
export function encodeRestorePodResult(result: RestorePodResult, limit = TERMINATION_MESSAGE_LIMIT): string {
  const full = JSON.stringify(result);
  if (Buffer.byteLength(full) <= limit) return full;
  const paths = result.action === "inspect" ? (result.snapshot?.paths.length ?? 0) : 0;
  for (const max of [300, 120, 40, 0]) {
    const fits = (n: number) => Buffer.byteLength(JSON.stringify(shorten(result, max, n))) <= limit;
    if (!fits(0)) continue;
    // the most paths that fit (paths are dropped, never cut: a cut path would be a wrong one)
    let [lo, hi] = [0, paths];
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    return JSON.stringify(shorten(result, max, lo));
  }
  // Only run/profile can still be too long (names, ≤ 253 characters each); keep what the caller needs.
  return JSON.stringify({ action: result.action, ok: result.ok, truncated: true, ...(result.action === "inspect" && result.snapshot ? { snapshot: { ...result.snapshot, paths: [] } } : {}) });
}

function shorten(result: RestorePodResult, max: number, paths: number): RestorePodResult {
  const { error, ...rest } = result;
  const cut = error === undefined || max === 0 ? undefined : error.length > max ? `${error.slice(0, max - 1)}…` : error;
  const shortened: RestorePodResult = { ...rest, ...(cut !== undefined ? { error: cut } : {}), truncated: true };
  if (shortened.action === "inspect" && shortened.snapshot) shortened.snapshot = { ...shortened.snapshot, paths: shortened.snapshot.paths.slice(0, paths) };
  return shortened;
}

/** Writes the termination message; a failure to write is logged (the exit code still tells the outcome). */
export async function writeTerminationMessage(path: string, message: string, ok: boolean, log: Logger): Promise<void> {
  try {
    await writeFile(path, message);
    log.info({ step: "result", ok, path, bytes: Buffer.byteLength(message) }, "result written");
  } catch (e) {
    log.error({ step: "result", path, error: e instanceof Error ? e.message : String(e) }, "cannot write the termination message");
  }
}
