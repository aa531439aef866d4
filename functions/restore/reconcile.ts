// The restore's reconcile loop (docs/adr/0004): read the RestoreRun and its objects, take the next step
// (decide.ts nextAction), repeat while steps complete at once. A phase change is a compare-and-set on the run, made
// before the step's objects are created (their names derive from the run, so teardown finds them whatever
// happens). Returns the outcome event when this call ended the restore.
import type { CloudEvent } from "cloudevents";
import { ProfileConfigError, buildResticprofileConfig, generatedProfileName } from "../../shared/restic/resticprofile-config.ts";
import type { Profile, RafdirConfig } from "../../shared/profiles/index.ts";
import { Labels } from "../../shared/runs/run.ts";
import { isRestoreFinal, parseRestoreStatus, restoreObjects, type RestoreRun, type RestoreStatus } from "../../shared/runs/restore-run.ts";
import type { InspectJob, RestoreJob } from "../../runner/restore-job.ts";
import { RESTORE_TARGET } from "../../runner/restore-job.ts";
import { recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import { ensureObjects } from "../common/ensure.ts";
import { claimUsers } from "./in-use.ts";
import { runSpec } from "../run-restic/decide.ts";
import { nextAction, phaseAfter, phaseDeadline, type Action, type Failure } from "./decide.ts";
import { acceptRestore, restoreConfig } from "./accept.ts";
import { finishRestore, tearDownRestore } from "./finish.ts";
import { CONFIG_PATH, copyPod, inspectPod, movedClaim, restoreConfigMap, restoreJobPatch, restorePod, stagingPvc, type RestoreIdent } from "./objects.ts";
import { observe } from "./observe.ts";
import { getRestore, patchRestore, type RestoreStatusPatch } from "./runs.ts";
import { podRef, pvRef, pvcRef, type PvObj, type PvcObj } from "./refs.ts";

/** Steps one event may take in a row (each is a few API calls; a pod or a binding ends the streak anyway). */
const MAX_STEPS = 8;

interface Context {
  config: RafdirConfig;
  profile: Profile;
}

export async function reconcile(deps: FunctionDeps, name: string): Promise<CloudEvent<unknown> | undefined> {
  for (let step = 0; step < MAX_STEPS; step++) {
    const run = await getRestore(deps, name);
    if (!run) return void deps.log.debug({ run: name }, "RestoreRun not found; nothing to do");
    const d: FunctionDeps = { ...deps, log: runLog(deps.log, run) };
    const status = parseRestoreStatus(run);
    if (!status) return void d.log.error({ status: run.status }, "RestoreRun status breaks the contract; left alone");
    if (isRestoreFinal(status.phase)) return undefined;
    if (status.phase === "Pending" && !status.storageClass) {
      const refused = await acceptRestore(d, run);
      if (refused) return finishRestore(d, run, status, { kind: "fail", ...refused });
      continue;
    }

    const ctx = await context(d, run);
    if ("reason" in ctx) return finishRestore(d, run, status, { kind: "fail", ...ctx });
    const observed = await observe(d, run, status, status.host ?? ctx.profile.host);
    const action = nextAction({ ...observed, stdinOnly: ctx.profile.folders.length === 0 });
    if (action.kind === "succeed" || action.kind === "fail") return finishRestore(d, run, status, action);
    if (status.deadline && Date.parse(status.deadline) < d.now().getTime()) {
      const seen = action.kind === "wait" ? action.why : `its next step (${action.kind}) had not started`;
      return finishRestore(d, run, status, { kind: "fail", reason: "Timeout", message: `${status.phase} did not finish by ${status.deadline}: ${seen}` });
    }
    if (action.kind === "wait") return void d.log.debug({ phase: status.phase, why: action.why }, "restore waits");
    const refused = await apply(d, run, status, action, ctx);
    if (refused) {
      const current = await getRestore(d, name);
      const s = current && parseRestoreStatus(current);
      if (!current || !s || isRestoreFinal(s.phase)) return undefined;
      // The run moved on meanwhile (this step's own transition, or another delivery): look again from there; a
      // refusal that is real comes back in the new phase.
      if (s.phase !== status.phase) continue;
      return finishRestore(d, current, s, { kind: "fail", ...refused });
    }
  }
  return undefined;
}

/**
 * An existing target's volume topology (its PV's required node affinity): the restore pod is pinned to it, so a
 * WaitForFirstConsumer staging volume (TopoLVM, local) is made where the copy pod can mount it beside the target.
 */
async function targetTopology(deps: FunctionDeps, run: RestoreRun): Promise<unknown> {
  const { target } = run.spec;
  if (!target.existing) return undefined;
  const pvc = await deps.kube.get<PvcObj>(pvcRef(target.namespace, target.pvc));
  const pv = pvc?.spec?.volumeName ? await deps.kube.get<PvObj>(pvRef(pvc.spec.volumeName)) : undefined;
  return pv?.spec?.nodeAffinity?.required;
}

async function context(deps: FunctionDeps, run: RestoreRun): Promise<Context | Failure> {
  const config = await restoreConfig(deps);
  if ("reason" in config) return config;
  const profile = config.profiles.find((p) => p.name === run.spec.profile);
  if (!profile) return { reason: "ProfileNotFound", message: `profile "${run.spec.profile}" is not in ConfigMap ${deps.namespace}/rafdir-config any more` };
  return { config, profile };
}

/** Takes one step; a Failure when the step cannot be taken (the caller fails the restore with it). */
async function apply(deps: FunctionDeps, run: RestoreRun, status: RestoreStatus, action: Exclude<Action, { kind: "wait" | "succeed" | "fail" }>, ctx: Context): Promise<Failure | undefined> {
  const id: RestoreIdent = { run: run.metadata.name, profile: run.spec.profile, namespace: deps.namespace };
  const names = restoreObjects(id.run);
  const settings = ctx.config.settings;
  const transition = (patch: RestoreStatusPatch): Promise<RestoreRun> => {
    const phase = phaseAfter(action, run.spec);
    const moving = phase !== undefined && phase !== status.phase;
    const deadline = moving ? phaseDeadline(phase, deps.now(), settings.timeouts) : undefined;
    return patchRestore(deps, run, { ...(moving ? { phase } : {}), ...(deadline ? { deadline } : {}), ...patch });
  };
  const refusedBy = async (objects: Parameters<typeof ensureObjects>[1]): Promise<Failure | undefined> => {
    const ensured = await ensureObjects(deps, objects);
    return ensured.ok ? undefined : { reason: "ObjectRejected", message: ensured.message };
  };

  switch (action.kind) {
    case "inspect": {
      const repository = status.repository ?? ctx.profile.repositories[0] ?? "";
      const section = ctx.config.repositories[repository];
      if (!section) return { reason: "RepositoryNotFound", message: `repository "${repository}" is not configured any more` };
      let yaml: string;
      try {
        yaml = buildResticprofileConfig(ctx.config.base, { [repository]: section }, runSpec(ctx.profile)).yaml;
      } catch (err) {
        if (!(err instanceof ProfileConfigError)) throw err;
        return { reason: "ResticprofileConfigInvalid", message: `profile "${ctx.profile.name}": ${err.message}` };
      }
      const job: InspectJob = {
        action: "inspect",
        run: id.run,
        profile: id.profile,
        host: status.host ?? ctx.profile.host,
        resticprofileConfigPath: CONFIG_PATH,
        resticprofile: generatedProfileName(ctx.profile.name, repository),
        ...(run.spec.snapshot ? { snapshot: run.spec.snapshot } : {}),
      };
      const what = run.spec.snapshot ? `snapshot ${run.spec.snapshot}` : "the latest snapshot";
      await transition({ message: `looking for ${what} of profile "${id.profile}" in repository ${repository}` });
      deps.log.info({ repository, snapshot: run.spec.snapshot ?? "latest" }, "inspecting the repository");
      return refusedBy([restoreConfigMap(id, yaml, job), inspectPod(id, settings.backupPod, settings.timeouts.podStartMs + 10 * 60_000)]);
    }
    case "restore": {
      const { snapshot, size } = action;
      const storageClass = status.storageClass;
      if (!storageClass) return { reason: "StatusInvalid", message: "the RestoreRun records no storage class for the staging volume" };
      const job: RestoreJob = {
        action: "restore",
        run: id.run,
        profile: id.profile,
        host: snapshot.host,
        resticprofileConfigPath: CONFIG_PATH,
        resticprofile: generatedProfileName(id.profile, status.repository ?? ""),
        snapshot: snapshot.id,
        path: snapshot.path,
        target: RESTORE_TARGET,
      };
      const message = `restoring ${snapshot.path} of snapshot ${snapshot.id.slice(0, 8)} (${snapshot.time}) into a ${size} volume`;
      const moved = await transition({ snapshot, size, message });
      if (status.phase !== "Restoring") {
        await recordRunEvent(deps, moved, "Normal", "Restoring", message);
        deps.log.info({ snapshot: snapshot.id, path: snapshot.path, size, storageClass }, "restoring");
      }
      const refused = await refusedBy([stagingPvc(id, storageClass, size)]);
      if (refused) return refused;
      await deps.kube.patch({ apiVersion: "v1", kind: "ConfigMap", namespace: id.namespace, name: names.configMap }, restoreJobPatch(job));
      return refusedBy([restorePod(id, settings.backupPod, settings.timeouts.podStartMs + settings.timeouts.backupMs, await targetTopology(deps, run))]);
    }
    case "release": {
      const staging = await deps.kube.get<PvcObj>(pvcRef(id.namespace, names.stagingPvc));
      const volumeName = status.volume?.name ?? staging?.spec?.volumeName;
      if (!volumeName) return { reason: "StagingNotBound", message: `the staging PVC ${id.namespace}/${names.stagingPvc} has no volume after the restore` };
      const pv = await deps.kube.get<PvObj>(pvRef(volumeName));
      if (!pv) return { reason: "VolumeLost", message: `volume ${volumeName} of the staging PVC is gone` };
      const volume = status.volume ?? { name: volumeName, reclaimPolicy: pv.spec?.persistentVolumeReclaimPolicy ?? "Delete" };
      const r = action.result;
      const result = r ? { ...(r.files !== undefined ? { files: r.files } : {}), ...(r.bytes !== undefined ? { bytes: r.bytes } : {}), ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}) } : undefined;
      await transition({ volume, ...(result ? { result } : {}), message: `restored; moving volume ${volumeName} to ${run.spec.target.namespace}` });
      // The volume must outlive the staging PVC: Retain first, then the pods that pin the PVC, then the PVC.
      if (pv.spec?.persistentVolumeReclaimPolicy !== "Retain") await deps.kube.patch(pvRef(volumeName), { spec: { persistentVolumeReclaimPolicy: "Retain" } });
      await deps.kube.remove(podRef(id.namespace, names.restorePod));
      await deps.kube.remove(podRef(id.namespace, names.inspectPod));
      await deps.kube.remove(pvcRef(id.namespace, names.stagingPvc));
      return undefined;
    }
    case "bind": {
      const volume = status.volume;
      if (!volume) return { reason: "StatusInvalid", message: "the RestoreRun records no staging volume to move" };
      const pv = await deps.kube.get<PvObj>(pvRef(volume.name));
      if (!pv) return { reason: "VolumeLost", message: `the restored volume ${volume.name} is gone` };
      const { target } = run.spec;
      const claimName = target.existing ? names.sourcePvc : target.pvc;
      // The step first, then the claim (pre-bound by spec.volumeName), then the volume pre-bound to exactly that claim.
      await transition({ message: `binding volume ${volume.name} to PVC ${target.namespace}/${claimName}` });
      const snapshot = status.snapshot;
      const refused = await refusedBy([
        movedClaim(id, {
          namespace: target.namespace,
          name: claimName,
          volume: volume.name,
          storageClass: pv.spec?.storageClassName ?? status.storageClass ?? "",
          size: status.size ?? pv.spec?.capacity?.["storage"] ?? "1Gi",
          ...(!target.existing && snapshot ? { restoredFrom: `${id.run}: snapshot ${snapshot.id.slice(0, 8)} ${snapshot.path} of profile ${id.profile}` } : {}),
        }),
      ]);
      if (refused) return refused;
      const claim = await deps.kube.get<PvcObj>(pvcRef(target.namespace, claimName));
      if (!claim?.metadata.uid || claim.metadata.labels?.[Labels.run] !== id.run) return undefined; // not ours: the next look fails the restore
      const ref = pv.spec?.claimRef;
      if (ref?.namespace !== target.namespace || ref.name !== claimName || ref.uid !== claim.metadata.uid) {
        const claimRef = { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: target.namespace, name: claimName, uid: claim.metadata.uid, resourceVersion: null };
        await deps.kube.patch(pvRef(volume.name), { spec: { claimRef } });
      }
      // A delivery that ended the restore meanwhile may have torn down before the claim existed: tear down again.
      const now = await getRestore(deps, id.run);
      const after = now && parseRestoreStatus(now);
      if (now && after && isRestoreFinal(after.phase)) await tearDownRestore(deps, now, after);
      return undefined;
    }
    case "copy": {
      const { target, force } = run.spec;
      if (status.phase !== "Copying" && !force) {
        // Checked at the request too, but the restore took a while: nobody may have started using it meanwhile.
        const users = await claimUsers(deps, target.namespace, target.pvc, names.copyPod);
        if (users.length) {
          const who = users.join(", ");
          return { reason: "TargetInUse", message: `PVC ${target.namespace}/${target.pvc} came into use by pod ${who} during the restore; nothing was copied (stop the application and restore again, or set force)` };
        }
      }
      const moved = await transition({ message: `copying the restored files into PVC ${run.spec.target.namespace}/${run.spec.target.pvc}` });
      if (status.phase !== "Copying") await recordRunEvent(deps, moved, "Normal", "Copying", `replacing the contents of PVC ${run.spec.target.namespace}/${run.spec.target.pvc}`);
      return refusedBy([copyPod(id, run.spec, settings.backupPod.image, settings.timeouts.podStartMs + settings.timeouts.backupMs)]);
    }
  }
}
