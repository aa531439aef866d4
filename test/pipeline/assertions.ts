// Shared proofs for the pipeline scenarios: a run's outcome (phase, terminal event, nothing left behind), the restic
// snapshot's identity (host, tag, original paths), and readable diagnostics when a run ends the wrong way.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { waitFor } from "../support/sandbox.ts";
import type { Pipeline, Sums } from "./harness.ts";

type Run = Awaited<ReturnType<Pipeline["finished"]>>;

/** What to read when a run did not end as expected: its status and the tail of the functions' logs. */
export function diagnose(p: Pipeline, run: Run): string {
  const logs = ["plan", "snapshot", "run-restic", "cleanup"].map((f) => `--- ${f}\n${p.functionLog(f, 12)}`).join("\n");
  return `run ${run.metadata.name}: ${JSON.stringify({ phase: run.status.phase, error: run.status.error, message: run.status.message, warnings: run.status.warnings })}\n${logs}`;
}

/** Succeeded, announced with io.rafdir.backup.succeeded, and nothing rafdir created is left. */
export async function expectSucceeded(p: Pipeline, run: Run): Promise<void> {
  expect(run.status.phase, diagnose(p, run)).toBe("Succeeded");
  const types = p.events().filter((e) => e.kind === "event" && e.rafdirrun === run.metadata.name).map((e) => e.type);
  expect(types.filter((t) => t === "io.rafdir.backup.succeeded")).toHaveLength(1);
  expect(types).not.toContain("io.rafdir.backup.failed");
  expect(await p.leftovers()).toEqual([]);
}

/**
 * Failed with `status.error` naming the problem (reason and message), one io.rafdir.backup.failed event whose data
 * carries the same reason and a message naming it, and nothing rafdir created left behind.
 */
export async function expectFailed(p: Pipeline, run: Run, want: { reason?: string | RegExp; message: RegExp }): Promise<void> {
  expect(run.status.phase, diagnose(p, run)).toBe("Failed");
  expect(run.status.error?.message, diagnose(p, run)).toMatch(want.message);
  if (want.reason) expect(run.status.error?.reason).toMatch(want.reason);
  const failed = p.events().find((e) => e.kind === "event" && e.rafdirrun === run.metadata.name && e.type === "io.rafdir.backup.failed");
  expect(failed, `io.rafdir.backup.failed for ${run.metadata.name}`).toBeDefined();
  const data = failed?.data as { run?: string; profile?: string; reason?: string; message?: string };
  expect(data.run).toBe(run.metadata.name);
  expect(data.message).toMatch(want.message);
  if (want.reason) expect(data.reason).toMatch(want.reason);
  const types = p.events().filter((e) => e.kind === "event" && e.rafdirrun === run.metadata.name).map((e) => e.type);
  expect(types.filter((t) => t === "io.rafdir.backup.failed")).toHaveLength(1);
  expect(types).not.toContain("io.rafdir.backup.succeeded");
  expect(await p.leftovers()).toEqual([]);
}

/** The newest restic snapshot of `host` carries the profile name as its tag and the original paths. */
export async function expectSnapshot(p: Pipeline, host: string, tag: string, paths: string[], repoPath?: string): Promise<void> {
  const snaps = await p.snapshots(host, repoPath);
  const last = snaps.filter((s) => s.tags?.includes(tag)).at(-1);
  expect(last, `a snapshot of host ${host} tagged ${tag} in ${repoPath ?? "the sandbox repository"}`).toBeDefined();
  expect(last).toMatchObject({ hostname: host, tags: [tag] });
  expect([...(last?.paths ?? [])].sort()).toEqual([...paths].sort());
}

/** Restores the latest snapshot of host+tag and returns the checksums of every file below `path` in it. */
export async function restoredSums(p: Pipeline, host: string, tag: string, path: string, repoPath?: string): Promise<Sums> {
  const dir = await p.restore(host, tag, repoPath);
  try {
    const sums = await p.hostSums(join(dir, path));
    expect(Object.keys(sums).length, `files restored below ${path}`).toBeGreaterThan(0);
    return sums;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until the app's startup script has finished (it touches /tmp/ready in its own container). */
export async function appReady(p: Pipeline, namespace: string, selector: string, container?: string): Promise<void> {
  await waitFor(`${selector} in ${namespace} ready (/tmp/ready)`, async () => (await p.exec(namespace, selector, ["sh", "-c", "test -f /tmp/ready"], container)).exitCode === 0, 30_000);
}
