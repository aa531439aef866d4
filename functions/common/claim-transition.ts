// Announcing a transition once although deliveries race (the broker runs up to 8 in parallel): the announcer claims
// the transition on the run (compare-and-set, functions/common claimRun) before recording and replying. A claim is
// still honoured for a retry of the same event (a 503 between claim and record) and is taken over once it is older
// than any request can live (Knative's timeoutSeconds: 60), so a crashed announcer never stalls the run.
import type { BackupRun } from "../../shared/runs/run.ts";
import type { FunctionDeps } from "./deps.ts";
import { claimHolder, claimRun, getRun } from "./run-status.ts";

export const STALE_CLAIM_MS = 60_000;

/** The run (re-read when needed) if this delivery may announce `key`; undefined when another delivery does. */
export async function claimTransition(deps: FunctionDeps, run: BackupRun, key: string, eventId: string, staleMs = STALE_CLAIM_MS): Promise<BackupRun | undefined> {
  const now = deps.now();
  if (await claimRun(deps, run, key, `${now.toISOString()} ${eventId}`)) return run;
  const fresh = await getRun(deps, run.metadata.name);
  if (!fresh) return undefined;
  const [at = "", by = ""] = (claimHolder(fresh, key) ?? "").split(" ");
  const age = now.getTime() - Date.parse(at);
  if (by === eventId || !(age < staleMs)) {
    deps.log.info({ claim: key, holder: by, ageMs: age }, "taking over the claim");
    return fresh;
  }
  deps.log.info({ claim: key, holder: by }, "another delivery announces this transition");
  return undefined;
}
