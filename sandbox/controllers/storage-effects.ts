// Effects the storage and snapshot controllers share: byte copies below the sandbox directory, and Events that are
// not repeated while nothing changes (the real recorder aggregates them into one Event with a count).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";
import type { Api } from "../apiserver/api.ts";
import type { KObject } from "../apiserver/types.ts";

const run = promisify(execFile);

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `dir` hold a copy of `from` (or an empty directory), atomically: the copy is made beside it and renamed into
 * place, so a directory that exists is complete. An existing `dir` is kept as it is (the effect is idempotent).
 */
export async function materializeDir(dir: string, from?: string): Promise<void> {
  if (await exists(dir)) return;
  await mkdir(dirname(dir), { recursive: true });
  const partial = `${dir}.partial-${randomBytes(4).toString("hex")}`;
  try {
    await mkdir(partial, { mode: 0o777 });
    await chmod(partial, 0o777);
    if (from) await run("cp", ["-a", "--", `${from}/.`, `${partial}/`]);
    await rename(partial, dir);
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    if (await exists(dir)) return; // another reconcile got there first
    throw err;
  }
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Records Events on objects, skipping a repeat of the same reason and message for the same object within `windowMs`. */
export class EventRecorder {
  private readonly last = new Map<string, { message: string; at: number }>();

  constructor(
    private readonly api: Api,
    private readonly component: string,
    private readonly now: () => Date,
    private readonly windowMs = 30_000,
  ) {}

  record(obj: KObject, type: "Normal" | "Warning", reason: string, message: string): void {
    const key = `${obj.metadata.uid ?? obj.metadata.name ?? ""}|${reason}`;
    const at = this.now().getTime();
    const prev = this.last.get(key);
    if (prev && prev.message === message && at - prev.at < this.windowMs) return;
    this.last.set(key, { message, at });
    this.api.recordEvent(obj, type, reason, message, this.component);
  }

  /** Forgets entries older than the window, so the map does not grow with deleted objects. */
  prune(): void {
    const at = this.now().getTime();
    for (const [k, v] of this.last) if (at - v.at >= this.windowMs) this.last.delete(k);
  }
}

/** Per-key retry delays for "not yet" outcomes that are not errors (the WorkQueue's own backoff logs a warning). */
export class Backoff {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs = 100,
    private readonly maxMs = 5000,
  ) {}

  next(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(n - 1, 10));
  }

  reset(key: string): void {
    this.failures.delete(key);
  }
}

/**
 * Re-enqueues keys after a delay. Enqueueing a key from inside its own reconcile would re-run it at once (the
 * WorkQueue's "again" set ignores delays), so "try again later" goes through a timer instead.
 */
export class DelayedRequeue {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(private readonly enqueue: (key: string) => void) {}

  after(key: string, ms: number): void {
    const at = Date.now() + ms;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }
}
