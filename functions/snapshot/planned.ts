// io.rafdir.backup.planned → resolve the target and verify the classes (before touching anything), quiesce, and
// create the source snapshots. A straight line of steps, each recorded on the run, resumed where a redelivery
// (or the broker's retry of a 503 while a stopped app's pods go away, or plan's re-drive at the janitor tick) finds
// it. For a run already past that, the event re-drives the current step.
import type { CloudEvent } from "cloudevents";
import { EventTypes, functionSource, newEvent } from "../../shared/events.ts";
import type { Profile } from "../../shared/profiles/index.ts";
import { isFinal, parseStatus, Steps, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { resolveStdinTarget, resolveTarget, type ResolvedTarget } from "../../shared/targets/index.ts";
import { abortRun, ConfigMissingError, getRun, observeTarget, patchRunStatus, recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import { claimTransition } from "../common/claim-transition.ts";
import { onSnapshotReady, resendPvcBound } from "./copy.ts";
import { needsQuiesce, plannedStep, runVolumes } from "./decide.ts";
import { currentSettings } from "../common/profile.ts";
import { after, ensureAll, listClasses } from "./effects.ts";
import { sourceSnapshot } from "./objects.ts";
import { advanceSnapshots } from "./progress.ts";
import { quiesceCommand, quiesceStop, unquiesce } from "./quiesce.ts";
import { verifyClasses, type PvcSource } from "./verify.ts";

const pascal = (kebab: string): string => kebab.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase());

export async function onPlanned(deps: FunctionDeps, runName: string, token: string): Promise<CloudEvent<unknown> | undefined> {
  let run = await getRun(deps, runName);
  if (!run) return void deps.log.warn({ run: runName }, "BackupRun not found; nothing to snapshot");
  const d: FunctionDeps = { ...deps, log: runLog(deps.log, run) };
  const redriven = await redrive(d, run, token);
  if (redriven !== "not-started") return redriven;
  const profile = await loadProfile(d, run);
  if (!profile) return undefined;
  let target: ResolvedTarget | undefined;

  for (;;) {
    const status = parseStatus(run);
    const step = plannedStep(status, needsQuiesce(profile), d.now());
    if (step.kind === "skip") return void d.log.info({ reason: step.reason }, "planned: nothing to do");
    if (step.kind === "timeout") return void (await abortRun(d, run, { step: step.step, reason: "DeadlineExceeded", message: `profile "${profile.name}": ${step.message}` }));
    if (!status) return undefined;
    if (step.kind === "resolve") {
      const resolved = await resolve(d, run, profile);
      if (!resolved) return undefined;
      ({ run, target } = resolved);
    } else if (step.kind === "quiesce") {
      if (profile.stop) {
        const stopped = await quiesceStop(d, run, status, profile, token);
        if (stopped === "waiting") return undefined;
        run = stopped;
      } else {
        target ??= await reresolve(d, run, profile);
        if (!target) return undefined;
        const q = await quiesceCommand(d, run, status, target, token);
        if (q === "aborted" || q === "waiting") return undefined;
        run = q;
      }
    } else return snapshot(d, run, status, token);
  }
}

/**
 * A run past its snapshot requests: look at its current step again instead of ignoring the event (no earlier step
 * is ever redone). So a lost ApiServerSource event costs nothing more than a re-sent planned (janitor, operator).
 */
async function redrive(deps: FunctionDeps, run: BackupRun, token: string): Promise<CloudEvent<unknown> | undefined | "not-started"> {
  const status = parseStatus(run);
  if (!status || status.error || isFinal(status.phase)) return "not-started";
  if (status.phase === "Snapshotting" && status.steps?.[Steps.snapshotsRequested]) return advanceSnapshots(deps, run, token);
  if (status.phase === "Copying" && status.steps?.[Steps.pvcsReady] && !status.steps[Steps.podCreated]) return resendPvcBound(deps, run);
  if (status.phase === "Copying") return onSnapshotReady(deps, run.metadata.name, token);
  return "not-started";
}

async function loadProfile(deps: FunctionDeps, run: BackupRun): Promise<Profile | undefined> {
  let config;
  try {
    config = await deps.loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigMissingError)) throw err;
    await abortRun(deps, run, { step: "plan", reason: "ConfigMissing", message: err.message });
    return undefined;
  }
  const name = run.spec.profile;
  const profile = config.profiles.find((p) => p.name === name);
  if (profile) return profile;
  const problems = config.invalid.filter((i) => i.profile === name).map((i) => i.message);
  const message = problems.length ? problems.join("; ") : `profile "${name}" is not in ConfigMap ${deps.namespace}/rafdir-config any more`;
  await abortRun(deps, run, { step: "plan", reason: problems.length ? "ProfileInvalid" : "ProfileNotFound", message });
  return undefined;
}

/** Observe, resolve, verify; record target, volumes and direct sources. Aborts (undefined) with a clear message. */
async function resolve(deps: FunctionDeps, run: BackupRun, profile: Profile): Promise<{ run: BackupRun; target: ResolvedTarget } | undefined> {
  const target = await reresolve(deps, run, profile);
  if (!target) return undefined;
  const sources = target.volumes.filter((v): v is PvcSource => v.kind === "pvc");
  const classes = sources.length ? await listClasses(deps) : { snapshotClasses: [], storageClasses: [] };
  const verified = verifyClasses(profile, sources, classes.snapshotClasses, classes.storageClasses);
  if (!verified.ok) {
    await abortRun(deps, run, { step: "snapshot", reason: verified.reason, message: `profile "${profile.name}": ${verified.message}` });
    return undefined;
  }
  const { volumes, direct } = runVolumes(run.metadata.name, target, verified.volumes);
  for (const note of target.notes) deps.log.warn({ note }, "target note");
  const where = target.pod ? `pod ${target.pod.namespace}/${target.pod.name}` : target.node ? `node ${target.node}` : "no pod (stdin only)";
  run = await patchRunStatus(deps, run.metadata.name, {
    target: { namespace: profile.namespace ?? "", ...(target.pod ? { pod: target.pod.name } : {}), ...(target.node ? { node: target.node } : {}) },
    volumes,
    direct,
    steps: { [Steps.targetResolved]: deps.now().toISOString() },
    message: `target ${where}: ${volumes.length} PVC(s), ${direct.length} direct mount(s)`,
  });
  await recordRunEvent(deps, run, "Normal", "TargetResolved", `${where}; PVCs: ${volumes.map((v) => v.sourcePvc).join(", ") || "none"}${target.notes.length ? `; ${target.notes.join("; ")}` : ""}`);
  return { run, target };
}

/** The target as it is now (the pod, the commands' containers); aborts on a target failure. */
async function reresolve(deps: FunctionDeps, run: BackupRun, profile: Profile): Promise<ResolvedTarget | undefined> {
  const observed = await observeTarget(deps.kube, profile);
  const r = resolveTarget(profile, observed);
  const stdin = r.ok && profile.stdin ? resolveStdinTarget(profile, observed) : undefined;
  const failed = !r.ok ? r : stdin && !stdin.ok ? stdin : undefined;
  if (failed) {
    await abortRun(deps, run, { step: "target", reason: pascal(failed.reason), message: `profile "${profile.name}": ${failed.message}` });
    return undefined;
  }
  return r.ok ? r.target : undefined;
}

/** Source snapshots, or — with no PVC to snapshot — straight on to io.rafdir.pvc.bound with an empty list. */
async function snapshot(deps: FunctionDeps, run: BackupRun, status: RunStatus, token: string): Promise<CloudEvent<unknown> | undefined> {
  const volumes = status.volumes ?? [];
  const namespace = status.target?.namespace ?? "";
  const now = deps.now().toISOString();
  if (volumes.length === 0) {
    const claimed = await claimTransition(deps, run, "pvc-bound", token);
    if (!claimed) return undefined;
    run = await unquiesce(deps, run, status, token);
    run = await patchRunStatus(deps, run.metadata.name, {
      phase: "Copying",
      steps: { [Steps.snapshotsRequested]: now, [Steps.snapshotsReady]: now, [Steps.copied]: now, [Steps.pvcsReady]: now },
      message: "no PVC to snapshot; backing up directly",
    });
    return newEvent(EventTypes.pvcBound, functionSource(deps.name), { run: run.metadata.name, profile: run.spec.profile, pvcs: [] }, { id: `${run.metadata.name}-pvc-bound` });
  }
  // Snapshotting before the snapshots exist, so their first events already find the run in that phase.
  const settings = await currentSettings(deps);
  run = await patchRunStatus(deps, run.metadata.name, {
    phase: "Snapshotting",
    // A deadline on entering the phase only: a re-driven run that keeps failing here must still run out of time.
    ...(status.phase === "Snapshotting" && status.deadline ? {} : { deadline: after(deps.now(), settings.timeouts.snapshotReadyMs) }),
    message: `snapshotting ${volumes.length} PVC(s) in namespace ${namespace}`,
  });
  const id = { run: run.metadata.name, profile: run.spec.profile };
  const ensured = await ensureAll(deps, volumes.map((v) => sourceSnapshot(id, v, namespace)));
  if (!ensured.ok) return void (await abortRun(deps, run, { step: "snapshot", reason: "SnapshotRejected", message: ensured.message }));
  run = await patchRunStatus(deps, run.metadata.name, { steps: { [Steps.snapshotsRequested]: now } });
  await recordRunEvent(deps, run, "Normal", "SnapshotsRequested", `VolumeSnapshots ${volumes.map((v) => `${namespace}/${v.sourceSnapshot}`).join(", ")}`);
  deps.log.info({ snapshots: volumes.map((v) => v.sourceSnapshot) }, "snapshots requested");
  return advanceSnapshots(deps, run, token);
}
