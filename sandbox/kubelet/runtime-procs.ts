// Process bookkeeping for sandbox containers: a container is "every process in its private mount namespace",
// which is how we kill a container's whole tree (even reparented daemons and exec sessions) without cgroups.

import { readFileSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import { constants } from "node:os";

/** "mnt:[4026532177]" for a live process, undefined when it is gone (or a zombie). */
export async function mountNamespaceOf(pid: number | "self"): Promise<string | undefined> {
  try {
    return await readlink(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/** Pids of all processes in mount namespace `ns`. Refuses (returns []) for the caller's own namespace. */
export async function pidsInMountNamespace(ns: string): Promise<number[]> {
  const own = await mountNamespaceOf("self");
  if (own === undefined || own === ns) return [];
  const entries = await readdir("/proc");
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => p !== process.pid);
  const found = await Promise.all(pids.map(async (p) => ((await mountNamespaceOf(p)) === ns ? p : undefined)));
  return found.filter((p): p is number => p !== undefined);
}

/** Sends `signal` to every process of the namespace; returns their pids. */
export async function signalMountNamespace(ns: string, signal: NodeJS.Signals): Promise<number[]> {
  const pids = await pidsInMountNamespace(ns);
  for (const pid of pids) trySignal(pid, signal);
  return pids;
}

/**
 * SIGKILLs the namespace's processes until none is left (forks racing the scan are caught on the next pass) and
 * every one of them, and of `alsoAwait` (signalled earlier, maybe already past leaving the namespace), has
 * finished exiting. False if some survived `timeoutMs`.
 */
export async function killMountNamespace(ns: string, timeoutMs = 2000, alsoAwait: Iterable<number> = []): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const killed = new Set<number>(alsoAwait);
  for (;;) {
    const pids = await pidsInMountNamespace(ns);
    for (const pid of pids) {
      trySignal(pid, "SIGKILL");
      killed.add(pid);
    }
    if (pids.length === 0) {
      for (const pid of killed) if (!isAlive(pid)) killed.delete(pid);
      if (killed.size === 0) return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function trySignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Direct children of `pid` (from /proc/<pid>/task/<pid>/children). */
export async function childrenOf(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** True while `pid` runs (a zombie, dead but not yet reaped by its parent, counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Conventional shell exit code of a signal death: 128 + signal number. */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
