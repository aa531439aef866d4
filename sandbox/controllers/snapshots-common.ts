// The common snapshot-controller: defaults classes, creates and binds VolumeSnapshotContents, mirrors their status
// onto VolumeSnapshots, and runs the finalizer-guarded deletion (external-snapshotter pkg/common-controller).
import type { Api } from "../apiserver/api.ts";
import { ApiError, type KObject, type ResourceInfo } from "../apiserver/types.ts";
import { isNotFound, type Logger } from "./framework.ts";
import type { EventRecorder } from "./storage-effects.ts";
import type { Pv, Pvc } from "./storage-model.ts";
import {
  ANN_BEING_DELETED, checkFoundContent, claimStillSnapshotted, defaultClassFor, dynamicContent, dynamicContentName, goQuote,
  hasFinalizer, isDeletionCandidate, isReady, mirroredStatus, pointsBack, PVC_AS_SOURCE, restoringClaims, rfc3339, snapshotKey,
  snapshotterSecret, sourceVolume, VS_AS_SOURCE, VS_BOUND, VSC_BOUND, withFinalizers, withoutFinalizers,
  type Outcome, type VolumeSnapshot, type VolumeSnapshotClass, type VolumeSnapshotContent,
} from "./snapshots-model.ts";

export interface CommonDeps {
  api: Api;
  now: () => Date;
  log: Logger;
  events: EventRecorder;
  infos: { snapshots: ResourceInfo; contents: ResourceInfo; classes: ResourceInfo; pvcs: ResourceInfo; pvs: ResourceInfo };
  enqueueSnapshot: (key: string) => void;
}

/** "Try again later" (the caller backs off); carries no message because the snapshot's status already says why. */
const RETRY = "retry";
type Step<T> = T | typeof RETRY;

export class SnapshotCommon {
  constructor(private readonly d: CommonDeps) {}

  /** syncSnapshot; returns "retry" when the snapshot waits on something that does not announce itself. */
  syncSnapshot(input: VolumeSnapshot): "retry" | undefined {
    let vs = input;
    this.releaseClaimIfDone(vs, false);
    if (vs.metadata.deletionTimestamp) return this.processDeletion(vs);
    const src = vs.spec.source ?? {};
    if (Boolean(src.persistentVolumeClaimName) === Boolean(src.volumeSnapshotContentName)) {
      return this.fail(vs, true, "SnapshotValidationError", "Exactly one of PersistentVolumeClaimName and VolumeSnapshotContentName should be specified");
    }
    const classed = this.checkClass(vs);
    if (classed === RETRY) return RETRY;
    vs = classed;
    const preProvisioned = Boolean(src.volumeSnapshotContentName);
    const contentName = src.volumeSnapshotContentName ?? dynamicContentName(vs);
    const content = this.get<VolumeSnapshotContent>(this.d.infos.contents, undefined, contentName);
    const problem = content ? checkFoundContent(vs, content, preProvisioned) : undefined;
    if (problem) return this.fail(vs, true, problem.reason, problem.message);
    const add = [...(hasFinalizer(vs, VS_AS_SOURCE) ? [] : [VS_AS_SOURCE])];
    if (content && content.spec.deletionPolicy === "Delete" && !hasFinalizer(vs, VS_BOUND)) add.push(VS_BOUND);
    if (add.length > 0) vs = this.write(this.d.infos.snapshots, withFinalizers(vs, add));
    if (!isReady(vs) || !vs.status?.boundVolumeSnapshotContentName) {
      return preProvisioned ? this.syncPreProvisioned(vs, content) : this.syncDynamic(vs, content);
    }
    const bound = this.get<VolumeSnapshotContent>(this.d.infos.contents, undefined, vs.status.boundVolumeSnapshotContentName);
    if (!bound) return this.fail(vs, true, "SnapshotContentMissing", "VolumeSnapshotContent is missing");
    if (!pointsBack(bound, vs)) return this.fail(vs, true, "SnapshotMisbound", "VolumeSnapshotContent is not bound to the VolumeSnapshot correctly");
    return undefined;
  }

  /** The common controller's half of syncContent: finalizer, status nudges, and the being-deleted mark. */
  syncContent(content: VolumeSnapshotContent): void {
    const ref = content.spec.volumeSnapshotRef;
    if (!ref.uid) return; // pre-bound: the snapshot side binds it
    if (!content.metadata.deletionTimestamp && !hasFinalizer(content, VSC_BOUND)) {
      content = this.write(this.d.infos.contents, withFinalizers(content, [VSC_BOUND]));
    }
    const vs = this.get<VolumeSnapshot>(this.d.infos.snapshots, ref.namespace, ref.name ?? "");
    if (!vs || vs.metadata.uid !== ref.uid) return;
    this.d.enqueueSnapshot(snapshotKey(vs));
    if (isDeletionCandidate(vs)) this.markBeingDeleted(content);
  }

  // --- class ---

  private checkClass(vs: VolumeSnapshot): Step<VolumeSnapshot> {
    const className = vs.spec.volumeSnapshotClassName;
    if (className) {
      if (this.get(this.d.infos.classes, undefined, className)) return vs;
      this.fail(vs, false, "GetSnapshotClassFailed", `Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found`);
      return RETRY;
    }
    if (!vs.spec.source?.persistentVolumeClaimName) return vs;
    const pv = this.sourceVolume(vs);
    const driver: Outcome<string> = "error" in pv ? pv : pv.ok.spec.csi ? { ok: pv.ok.spec.csi.driver } : { error: `snapshotting non-CSI volumes is not supported, snapshot:${snapshotKey(vs)}` };
    const classes = this.d.api.list(this.d.infos.classes, undefined).items as VolumeSnapshotClass[];
    const chosen = "error" in driver ? driver : defaultClassFor(classes, driver.ok);
    if ("error" in chosen) {
      this.fail(vs, false, "SetDefaultSnapshotClassFailed", `Failed to set default snapshot class with error ${chosen.error}`);
      return RETRY;
    }
    return this.write(this.d.infos.snapshots, { ...vs, spec: { ...vs.spec, volumeSnapshotClassName: chosen.ok.metadata.name } });
  }

  private sourceVolume(vs: VolumeSnapshot): Outcome<Pv> {
    const pvc = this.get<Pvc>(this.d.infos.pvcs, vs.metadata.namespace, vs.spec.source?.persistentVolumeClaimName ?? "");
    const pv = pvc?.spec.volumeName ? this.get<Pv>(this.d.infos.pvs, undefined, pvc.spec.volumeName) : undefined;
    return sourceVolume(vs, pvc, pv);
  }

  // --- unready snapshots ---

  private syncPreProvisioned(vs: VolumeSnapshot, found: VolumeSnapshotContent | undefined): "retry" | undefined {
    if (!found) return this.fail(vs, true, "SnapshotContentMissing", "VolumeSnapshotContent is missing");
    let content = found;
    const ref = content.spec.volumeSnapshotRef;
    if (!ref.uid || !content.spec.volumeSnapshotClassName) {
      const className = vs.spec.volumeSnapshotClassName;
      const spec = { ...content.spec, volumeSnapshotRef: { ...ref, uid: vs.metadata.uid }, ...(className ? { volumeSnapshotClassName: className } : {}) };
      content = this.write(this.d.infos.contents, { ...content, spec });
    }
    this.updateStatus(vs, content);
    return undefined;
  }

  private syncDynamic(vs: VolumeSnapshot, found: VolumeSnapshotContent | undefined): "retry" | undefined {
    if (found) {
      this.updateStatus(vs, found);
      return undefined;
    }
    const created = this.createContent(vs);
    if ("error" in created) return this.fail(vs, true, "SnapshotContentCreationFailed", `Failed to create snapshot content with error ${created.error}`);
    this.updateStatus(vs, created.ok);
    return undefined;
  }

  private createContent(vs: VolumeSnapshot): Outcome<VolumeSnapshotContent> {
    const pvcName = vs.spec.source?.persistentVolumeClaimName ?? "";
    const pvc = this.get<Pvc>(this.d.infos.pvcs, vs.metadata.namespace, pvcName);
    if (!pvc) return { error: `snapshot controller failed to update ${vs.metadata.name} on API server: cannot get claim from snapshot` };
    if (!hasFinalizer(pvc, PVC_AS_SOURCE)) {
      if (pvc.metadata.deletionTimestamp) {
        return { error: `snapshot controller failed to update ${pvcName} on API server: cannot add finalizer on claim because it is being deleted` };
      }
      this.write(this.d.infos.pvcs, withFinalizers(pvc, [PVC_AS_SOURCE]));
    }
    const input = (err: string) => ({ error: `failed to get input parameters to create snapshot ${vs.metadata.name}: ${goQuote(err)}` });
    const className = vs.spec.volumeSnapshotClassName;
    if (!className) return input(`failed to take snapshot ${vs.metadata.name} without a snapshot class`);
    const cls = this.get<VolumeSnapshotClass>(this.d.infos.classes, undefined, className);
    if (!cls) return input(`volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found`);
    const pv = this.sourceVolume(vs);
    if ("error" in pv) return input(pv.error);
    const secret = snapshotterSecret(cls, dynamicContentName(vs), vs);
    if ("error" in secret) return input(secret.error);
    if (!pv.ok.spec.csi) return { error: `cannot find CSI PersistentVolumeSource for volume ${pv.ok.metadata.name}` };
    let content = dynamicContent(vs, cls, pv.ok, secret.ok);
    try {
      content = this.d.api.create(this.d.infos.contents, undefined, content).object as VolumeSnapshotContent;
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === "AlreadyExists")) {
        const message = `Error creating volume snapshot content object for snapshot ${snapshotKey(vs)}: ${err instanceof Error ? err.message : String(err)}.`;
        this.d.events.record(vs, "Warning", "CreateSnapshotContentFailed", message);
        return { error: `snapshot controller failed to update ${snapshotKey(vs)} on API server: ${err instanceof Error ? err.message : String(err)}` };
      }
      content = this.d.api.get(this.d.infos.contents, undefined, content.metadata.name ?? "") as VolumeSnapshotContent;
    }
    this.d.events.record(vs, "Normal", "CreatingSnapshot", `Waiting for a snapshot ${snapshotKey(vs)} to be created by the CSI driver.`);
    return { ok: content };
  }

  /** updateSnapshotStatus, with its SnapshotCreated / SnapshotReady events. */
  private updateStatus(vs: VolumeSnapshot, content: VolumeSnapshotContent): void {
    const next = mirroredStatus(vs.status, content);
    if (JSON.stringify(next) === JSON.stringify(vs.status)) return;
    this.write(this.d.infos.snapshots, { ...vs, status: next }, true);
    if (!vs.status?.creationTime && next.creationTime) {
      this.d.events.record(vs, "Normal", "SnapshotCreated", `Snapshot ${snapshotKey(vs)} was successfully created by the CSI driver.`);
    }
    if (!isReady(vs) && next.readyToUse === true) this.d.events.record(vs, "Normal", "SnapshotReady", `Snapshot ${snapshotKey(vs)} is ready to use.`);
  }

  // --- deletion ---

  private processDeletion(vs: VolumeSnapshot): "retry" | undefined {
    const contentName = vs.status?.boundVolumeSnapshotContentName ?? (vs.spec.source?.persistentVolumeClaimName ? dynamicContentName(vs) : "");
    const found = contentName ? this.get<VolumeSnapshotContent>(this.d.infos.contents, undefined, contentName) : undefined;
    const content = found && pointsBack(found, vs) ? found : undefined;
    const deleteContent = content?.spec.deletionPolicy === "Delete";
    if (!isDeletionCandidate(vs)) return undefined;
    if (content) {
      const pvcs = this.d.api.list(this.d.infos.pvcs, vs.metadata.namespace).items as Pvc[];
      if (restoringClaims(vs, pvcs).length > 0) {
        this.d.events.record(vs, "Warning", "SnapshotDeletePending", "Snapshot is being used to restore a PVC");
        return RETRY;
      }
      this.markBeingDeleted(content);
      if (deleteContent) {
        try {
          this.d.api.delete(this.d.infos.contents, undefined, content.metadata.name ?? "");
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    this.releaseClaimIfDone(vs, true);
    const drop = content && deleteContent ? [VS_AS_SOURCE] : [VS_AS_SOURCE, VS_BOUND];
    if (drop.some((f) => hasFinalizer(vs, f))) this.write(this.d.infos.snapshots, withoutFinalizers(vs, drop));
    return undefined;
  }

  private markBeingDeleted(content: VolumeSnapshotContent): void {
    if (content.metadata.annotations?.[ANN_BEING_DELETED] === "yes") return;
    const annotations = { ...content.metadata.annotations, [ANN_BEING_DELETED]: "yes" };
    this.write(this.d.infos.contents, { ...content, metadata: { ...content.metadata, annotations } });
  }

  /** checkandRemovePVCFinalizer: the source claim keeps pvc-as-source-protection while a snapshot of it is not ready. */
  private releaseClaimIfDone(vs: VolumeSnapshot, skipThis: boolean): void {
    const pvcName = vs.spec.source?.persistentVolumeClaimName;
    if (!pvcName) return;
    const pvc = this.get<Pvc>(this.d.infos.pvcs, vs.metadata.namespace, pvcName);
    if (!pvc || !hasFinalizer(pvc, PVC_AS_SOURCE)) return;
    const snapshots = this.d.api.list(this.d.infos.snapshots, vs.metadata.namespace).items as VolumeSnapshot[];
    if (claimStillSnapshotted(pvcName, snapshots, skipThis ? vs.metadata.name : undefined)) return;
    this.write(this.d.infos.pvcs, withoutFinalizers(pvc, [PVC_AS_SOURCE]));
  }

  // --- helpers ---

  /** updateSnapshotErrorStatusWithEvent: records the error (and readyToUse=false when asked) once per distinct message. */
  private fail(vs: VolumeSnapshot, setReadyFalse: boolean, reason: string, message: string): "retry" {
    if (vs.status?.error?.message === message) return RETRY;
    const status = { ...vs.status, error: { time: rfc3339(this.d.now()), message }, ...(setReadyFalse ? { readyToUse: false } : {}) };
    this.write(this.d.infos.snapshots, { ...vs, status }, true);
    this.d.events.record(vs, "Warning", reason, message);
    return RETRY;
  }

  private get<T extends KObject>(info: ResourceInfo, namespace: string | undefined, name: string): T | undefined {
    return name ? (this.d.api.tryGet(info, namespace, name) as T | undefined) : undefined;
  }

  private write<T extends KObject>(info: ResourceInfo, obj: T, status = false): T {
    return this.d.api.update(info, obj.metadata.namespace, obj.metadata.name ?? "", obj, status ? { subresource: "status" } : {}).object as T;
  }
}
