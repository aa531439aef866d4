// Progress of a run's source snapshots, driven by ApiServerSource events (and checked once right after creating
// them): un-quiesce as soon as every snapshot has its handle, then — on the Snapshotting → Copying transition,
// claimed so that racing deliveries announce it once — reply io.rafdir.snapshot.ready. Snapshot errors are not terminal: they go on the run's message, and
// the run is aborted only when its deadline has passed.
import type { CloudEvent } from "cloudevents";
import { EventTypes, functionSource, newEvent } from "../../shared/events.ts";
import { isFinal, parseStatus, Steps, type BackupRun } from "../../shared/runs/run.ts";
import { abortRun, getRun, patchRunStatus, recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import { claimTransition } from "../common/claim-transition.ts";
import { resourceHead } from "../common/resource-head.ts";
import { pvcBoundReply } from "./copy.ts";
import { snapshotProgress } from "./decide.ts";
import { currentSettings } from "../common/profile.ts";
import { after, readSnapshots } from "./effects.ts";
import { unquiesce } from "./quiesce.ts";

/** A rafdir-labelled VolumeSnapshot or PVC changed: advance the run it belongs to, if this object is one of its. */
export async function onResource(deps: FunctionDeps, event: { id: string; data: unknown }): Promise<CloudEvent<unknown> | undefined> {
  const { kind, namespace, run: name, ...head } = resourceHead(event);
  const skip = (reason: string): undefined => void deps.log.debug({ kind, object: head.where, reason }, "resource event ignored");
  if (!name) return skip("not created by rafdir");
  if (kind !== "VolumeSnapshot" && kind !== "PersistentVolumeClaim") return skip("not a kind snapshot follows");
  const run = await getRun(deps, name);
  if (!run) return skip(`BackupRun ${name} not found`);
  const d = { ...deps, log: runLog(deps.log, run) };
  const status = parseStatus(run);
  const volumes = status?.volumes ?? [];
  if (kind === "VolumeSnapshot") {
    const mine = namespace === status?.target?.namespace && volumes.some((v) => v.sourceSnapshot === head.name);
    return mine ? advanceSnapshots(d, run, event.id) : skip("not a source snapshot of its run");
  }
  const mine = namespace === deps.namespace && volumes.some((v) => v.backupPvc === head.name);
  return mine ? pvcBoundReply(d, run, event.id) : skip("not a backup PVC of its run");
}

/** Looks at the run's source snapshots once and does what their state allows. */
export async function advanceSnapshots(deps: FunctionDeps, run: BackupRun, token: string): Promise<CloudEvent<unknown> | undefined> {
  let status = parseStatus(run);
  if (!status || isFinal(status.phase) || status.error || status.phase !== "Snapshotting" || !status.steps?.[Steps.snapshotsRequested]) return undefined;
  const volumes = status.volumes ?? [];
  const namespace = status.target?.namespace ?? "";
  const state = await readSnapshots(deps, namespace, volumes);
  const p = snapshotProgress(volumes, state.snapshots, state.contents);

  if (p.handles && !status.steps[Steps.unquiesced]) {
    run = await unquiesce(deps, run, status, token);
    status = parseStatus(run) ?? status;
  }
  const now = deps.now();
  if (!p.ready) {
    if (status.deadline && now.getTime() > Date.parse(status.deadline)) {
      const why = [...p.waiting, ...p.errors].join("; ");
      await abortRun(deps, run, { step: "snapshot", reason: "SnapshotTimeout", message: `snapshots in namespace ${namespace} not ready by ${status.deadline}: ${why}` });
      return undefined;
    }
    const message = p.errors.length ? `snapshot problems (retried until ${status.deadline ?? "the deadline"}): ${p.errors.join("; ")}` : undefined;
    if (message && message !== status.message) {
      await patchRunStatus(deps, run.metadata.name, { message });
      await recordRunEvent(deps, run, "Warning", "SnapshotError", message);
    }
    deps.log.info({ waiting: p.waiting }, "snapshots not ready yet");
    return undefined;
  }

  const claimed = await claimTransition(deps, run, "snapshot-ready", token);
  if (!claimed || parseStatus(claimed)?.phase !== "Snapshotting") return undefined;
  const settings = await currentSettings(deps);
  run = await patchRunStatus(deps, run.metadata.name, {
    phase: "Copying",
    steps: { [Steps.snapshotsReady]: now.toISOString() },
    deadline: after(now, settings.timeouts.snapshotReadyMs),
    message: "snapshots ready; copying them into the backup namespace",
  });
  await recordRunEvent(deps, run, "Normal", "SnapshotsReady", `${volumes.length} snapshot(s) in namespace ${namespace} ready to use`);
  deps.log.info({ snapshots: volumes.map((v) => v.sourceSnapshot) }, "snapshots ready");
  const snapshots = volumes.map((v) => ({ pvc: v.sourcePvc, volumeSnapshot: v.sourceSnapshot, namespace }));
  return newEvent(EventTypes.snapshotReady, functionSource(deps.name), { run: run.metadata.name, profile: run.spec.profile, snapshots }, { id: `${run.metadata.name}-snapshot-ready` });
}
