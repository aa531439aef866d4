// Giving an application back after a quiesce: shared by snapshot (as soon as the handles exist) and cleanup (when a
// run ends before that). The callers decide when and record it on the run; these are the effects.
import { isNotFound } from "../../shared/errors.ts";
import type { Logger } from "../../shared/log.ts";
import type { FunctionDeps } from "./deps.ts";

const TAIL = 600;

/**
 * The longest a command-before / command-after may run: the exec gives up then (the run is aborted, or a warning
 * recorded), and a claim on such a command older than this plus a minute belongs to a delivery that is gone.
 */
export const COMMAND_TIMEOUT_MS = 5 * 60_000;
export const COMMAND_CLAIM_STALE_MS = COMMAND_TIMEOUT_MS + 60_000;

/** The end of a command's output, for a message a person reads. */
export function outputTail(out: { stdout: string; stderr: string }): string {
  const text = `${out.stdout}${out.stderr ? `\n${out.stderr}` : ""}`.trim();
  return text.length > TAIL ? `…${text.slice(-TAIL)}` : text || "(no output)";
}

/** Scales a stopped workload back to its recorded replicas; a workload that is gone is logged, not an error. */
export async function scaleWorkloadBack(
  deps: FunctionDeps,
  log: Logger,
  workload: { kind: "Deployment" | "StatefulSet"; namespace: string; name: string },
  replicas: number,
): Promise<string> {
  const what = `${workload.kind} ${workload.namespace}/${workload.name}`;
  try {
    await deps.kube.setScale(workload.kind, workload.namespace, workload.name, replicas);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    log.warn({ workload: what }, "workload gone; nothing to scale back");
  }
  return what;
}
