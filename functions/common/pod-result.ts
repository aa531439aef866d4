// What a finished backup pod says: the runner's result from the termination message of its container (runner/README.md),
// or — when the runner never wrote one (it crashed, the image is wrong, the deadline killed it) — a failed result made
// from the container's exit code and reason, so a person learns why. Pure; run-restic reports it as
// io.rafdir.pod.finished, and the janitor reads it from a pod whose event was lost.
import type { z } from "zod";
import { RunnerResult } from "../../runner/result.ts";

/** The backup pod's one container (functions/run-restic builds it with this name). */
export const RUNNER_CONTAINER = "runner";

export interface Terminated {
  exitCode?: number;
  reason?: string;
  message?: string;
}

export interface BackupPodLike {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: Array<{
      name: string;
      state?: { terminated?: Terminated; waiting?: { reason?: string; message?: string } };
      lastState?: { terminated?: Terminated };
    }>;
  };
}

export type FinishedPhase = "Succeeded" | "Failed";

/** Succeeded or Failed when the pod has ended, else undefined. */
export function finishedPhase(pod: BackupPodLike): FinishedPhase | undefined {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed" ? phase : undefined;
}

const MAX_DETAIL = 300;
const oneLine = (text: string): string => {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 1)}…` : line;
};

/** The runner's result of a finished pod; never throws. A Succeeded pod without a readable result counts as failed. */
export function podRunnerResult(pod: BackupPodLike, ident: { run: string; profile: string }): RunnerResult {
  const out = podTermination(pod, "backup pod", parseResult);
  return out.ok ? out.value : { run: ident.run, profile: ident.profile, ok: false, repositories: [], error: out.error };
}

export type Termination<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * What a finished pod's runner container wrote to its termination message, parsed by `parse`; when it wrote nothing
 * readable, an error built from the container's exit code and reason (`what` names the pod for people). Never throws.
 */
export function podTermination<T>(pod: BackupPodLike, what: string, parse: (text: string) => T | undefined): Termination<T> {
  const where = `${what} ${pod.metadata.namespace ?? ""}/${pod.metadata.name}`.replace(" /", " ");
  const phase = finishedPhase(pod);
  const statuses = pod.status?.containerStatuses ?? [];
  const cs = statuses.find((c) => c.name === RUNNER_CONTAINER) ?? statuses[0];
  const terminated = cs?.state?.terminated ?? cs?.lastState?.terminated;
  const message = terminated?.message?.trim() ?? "";
  if (message !== "") {
    const parsed = parse(message);
    if (parsed !== undefined) return { ok: true, value: parsed };
  }
  const failed = (error: string): Termination<T> => ({ ok: false, error });
  if (!terminated) {
    const why = [pod.status?.reason, pod.status?.message ?? cs?.state?.waiting?.message].filter(Boolean).join(": ");
    return failed(`${where} ${phase === "Succeeded" ? "succeeded" : "failed"} before its container ran to the end${why ? ` (${oneLine(why)})` : ""}`);
  }
  const exit = `container ${cs?.name ?? RUNNER_CONTAINER} exited with ${terminated.exitCode ?? "an unknown code"}${terminated.reason ? ` (${terminated.reason})` : ""}`;
  if (phase === "Succeeded") return failed(`${where} succeeded (${exit}) but wrote no readable result to its termination message`);
  return failed(`${where} failed: ${exit}${message ? `; its termination message is not a runner result: ${oneLine(message)}` : ""}`);
}

/** A termination-message parser for podTermination: JSON that passes `schema`, else undefined. */
export const jsonOf =
  <T>(schema: z.ZodType<T>) =>
  (text: string): T | undefined => {
    try {
      const parsed = schema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  };

const parseResult = jsonOf(RunnerResult);
