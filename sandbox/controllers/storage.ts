// The sandbox's PV controller, pvc/pv-protection and CSI provisioner for SANDBOX_DRIVER: binds claims to volumes
// (statically or by provisioning, from a snapshot or a clone), protects claims in use, and reclaims released volumes.
import type { Api } from "../apiserver/api.ts";
import type { StoreEvent } from "../apiserver/store.ts";
import { ApiError, type KObject, type ResourceInfo } from "../apiserver/types.ts";
import { every, isNotFound, onResources, resources, splitKey, WorkQueue, type Controller, type ControllerContext } from "./framework.ts";
import { SANDBOX_DRIVER, volumeDir } from "./paths.ts";
import { Backoff, DelayedRequeue, EventRecorder, materializeDir, removeDir } from "./storage-effects.ts";
import { contentSource } from "./storage-sources.ts";
import {
  ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER,
  bestStaticMatch, claimClass, claimInUse, claimRefFor, events, HOSTNAME_LABEL,
  NO_PROVISIONER, ownedBySandbox, phaseOf, preBoundVolume, provisionedVolume, provisionedVolumeName, PV_PROTECTION, PVC_PROTECTION,
  refersToClaim, SNAPSHOT_GROUP, volumeHandleFor, type PodLike, type Pv, type Pvc, type StorageClass,
} from "./storage-model.ts";

export interface StorageControllerOptions {
  /** How often every claim and volume is looked at again (default 1000 ms). */
  resyncMs?: number;
}

const WATCHED = ["/persistentvolumeclaims", "/persistentvolumes", "/pods", "storage.k8s.io/storageclasses",
  `${SNAPSHOT_GROUP}/volumesnapshots`, `${SNAPSHOT_GROUP}/volumesnapshotcontents`];

export class StorageController implements Controller {
  readonly name = "storage";
  private readonly api: Api;
  private readonly r: ReturnType<typeof resources>;
  private readonly claims: WorkQueue;
  private readonly volumes: WorkQueue;
  private readonly pvEvents: EventRecorder;
  private readonly provisionerEvents: EventRecorder;
  private readonly backoff = new Backoff();
  private readonly later: DelayedRequeue;
  private readonly cleanups = new Set<Promise<void>>();
  private stops: Array<() => void> = [];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: StorageControllerOptions = {},
  ) {
    this.api = ctx.api;
    this.r = resources(ctx.api);
    this.claims = new WorkQueue("storage-claims", (key) => this.syncClaim(key), ctx.log);
    this.volumes = new WorkQueue("storage-volumes", (key) => this.syncVolume(key), ctx.log);
    this.later = new DelayedRequeue((key) => this.claims.enqueue(key));
    this.pvEvents = new EventRecorder(ctx.api, "persistentvolume-controller", ctx.now);
    this.provisionerEvents = new EventRecorder(ctx.api, `${SANDBOX_DRIVER}_sandbox-provisioner`, ctx.now);
  }

  start(): void {
    this.stops.push(onResources(this.api, WATCHED, (e) => this.onEvent(e)));
    this.stops.push(every(this.opts.resyncMs ?? 1000, () => this.resync()));
    this.resync();
  }

  async stop(): Promise<void> {
    for (const stop of this.stops) stop();
    this.stops = [];
    this.later.stop();
    await Promise.all([this.claims.stop(), this.volumes.stop()]);
    await Promise.allSettled([...this.cleanups]);
  }

  // --- triggers ---

  private onEvent(e: StoreEvent): void {
    const obj = e.object;
    switch (e.resource) {
      case "/persistentvolumeclaims": {
        this.claims.enqueue(`${obj.metadata.namespace}/${obj.metadata.name}`);
        for (const o of [obj, e.old]) {
          const volumeName = (o as Pvc | undefined)?.spec?.volumeName;
          if (volumeName) this.volumes.enqueue(`/${volumeName}`);
        }
        if (e.type === "DELETED" || phaseOf(obj as Pvc) === "Bound") this.enqueuePendingClaims(); // clone sources
        break;
      }
      case "/persistentvolumes": {
        const pv = obj as Pv;
        this.volumes.enqueue(`/${pv.metadata.name}`);
        const ref = pv.spec?.claimRef;
        if (ref?.name) this.claims.enqueue(`${ref.namespace}/${ref.name}`);
        if (e.type === "DELETED") this.afterVolumeRemoved(pv);
        else if (!ref) this.enqueuePendingClaims();
        break;
      }
      case "/pods":
        for (const v of (obj as PodLike).spec?.volumes ?? []) {
          const claim = v.persistentVolumeClaim?.claimName;
          if (claim) this.claims.enqueue(`${obj.metadata.namespace}/${claim}`);
        }
        break;
      default:
        this.enqueuePendingClaims();
    }
  }

  private resync(): void {
    for (const c of this.api.list(this.r.pvcs, undefined).items) this.claims.enqueue(`${c.metadata.namespace}/${c.metadata.name}`);
    for (const v of this.api.list(this.r.pvs, undefined).items) this.volumes.enqueue(`/${v.metadata.name}`);
    this.pvEvents.prune();
    this.provisionerEvents.prune();
  }

  private enqueuePendingClaims(): void {
    for (const c of this.api.list(this.r.pvcs, undefined).items) {
      if (phaseOf(c as Pvc) !== "Bound") this.claims.enqueue(`${c.metadata.namespace}/${c.metadata.name}`);
    }
  }

  // --- claims ---

  private async syncClaim(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    let pvc = this.api.tryGet(this.r.pvcs, namespace, name) as Pvc | undefined;
    if (!pvc) return;
    if (pvc.metadata.deletionTimestamp) return this.releaseClaimProtection(pvc);
    if (!(pvc.metadata.finalizers ?? []).includes(PVC_PROTECTION)) {
      pvc = this.write(this.r.pvcs, { ...pvc, metadata: { ...pvc.metadata, finalizers: [...(pvc.metadata.finalizers ?? []), PVC_PROTECTION] } });
    }
    if (phaseOf(pvc) === "Bound" || phaseOf(pvc) === "Lost") return this.checkBoundClaim(pvc);
    await this.syncUnboundClaim(key, pvc);
  }

  private releaseClaimProtection(pvc: Pvc): void {
    if (!(pvc.metadata.finalizers ?? []).includes(PVC_PROTECTION)) return;
    const pods = this.api.list(this.r.pods, pvc.metadata.namespace).items as PodLike[];
    if (claimInUse(pvc, pods)) return;
    this.write(this.r.pvcs, { ...pvc, metadata: { ...pvc.metadata, finalizers: (pvc.metadata.finalizers ?? []).filter((f) => f !== PVC_PROTECTION) } });
  }

  private checkBoundClaim(pvc: Pvc): void {
    const pv = pvc.spec.volumeName ? (this.api.tryGet(this.r.pvs, undefined, pvc.spec.volumeName) as Pv | undefined) : undefined;
    if (pv && (!pv.spec.claimRef || refersToClaim(pv.spec.claimRef, pvc))) return this.bind(pvc, pv);
    if (phaseOf(pvc) === "Lost") return;
    this.write(this.r.pvcs, { ...pvc, status: { ...pvc.status, phase: "Lost" } }, true);
    if (pv) this.pvEvents.record(pvc, "Warning", "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
    else this.pvEvents.record(pvc, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
  }

  private async syncUnboundClaim(key: string, pvc: Pvc): Promise<void> {
    const volumes = this.api.list(this.r.pvs, undefined).items as Pv[];
    if (pvc.spec.volumeName) {
      const pv = volumes.find((v) => v.metadata.name === pvc.spec.volumeName);
      if (!pv) return; // the named volume may still be created
      if (!pv.spec.claimRef || refersToClaim(pv.spec.claimRef, pvc)) return this.bind(pvc, pv);
      this.pvEvents.record(pvc, "Warning", "FailedBinding", `volume "${pv.metadata.name}" already bound to a different claim.`);
      return;
    }
    const preBound = preBoundVolume(pvc, volumes);
    if (preBound) return this.bind(pvc, preBound);
    const className = claimClass(pvc);
    const sc = className ? (this.api.tryGet(this.r.storageclasses, undefined, className) as StorageClass | undefined) : undefined;
    const node = pvc.metadata.annotations?.[ANN_SELECTED_NODE];
    if (sc?.volumeBindingMode === "WaitForFirstConsumer" && !node) {
      this.pvEvents.record(pvc, "Normal", "WaitForFirstConsumer", events.waitForConsumer);
      return;
    }
    const match = bestStaticMatch(pvc, volumes, node);
    if (match) return this.bind(pvc, match);
    if (!className) return this.pvEvents.record(pvc, "Normal", "FailedBinding", events.noClassNoVolume);
    if (!sc) return this.pvEvents.record(pvc, "Warning", "ProvisioningFailed", `storageclass.storage.k8s.io "${className}" not found`);
    if (sc.provisioner === NO_PROVISIONER) {
      if (sc.volumeBindingMode !== "WaitForFirstConsumer") {
        this.pvEvents.record(pvc, "Warning", "ProvisioningFailed", `no volume plugin matched name: ${NO_PROVISIONER}`);
      }
      return;
    }
    pvc = this.annotateProvisioner(pvc, sc.provisioner);
    this.pvEvents.record(pvc, "Normal", "ExternalProvisioning", events.externalProvisioning(sc.provisioner));
    if (sc.provisioner === SANDBOX_DRIVER) await this.provision(key, pvc, sc, node);
  }

  private annotateProvisioner(pvc: Pvc, provisioner: string): Pvc {
    const ann = pvc.metadata.annotations ?? {};
    if (ann[ANN_STORAGE_PROVISIONER] === provisioner && ann[ANN_BETA_STORAGE_PROVISIONER] === provisioner) return pvc;
    const annotations = { ...ann, [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner };
    return this.write(this.r.pvcs, { ...pvc, metadata: { ...pvc.metadata, annotations } });
  }

  /** external-provisioner's Provision: check the data source, lay down the bytes, create the PV; then bind. */
  private async provision(key: string, pvc: Pvc, sc: StorageClass, node: string | undefined): Promise<void> {
    const existing = this.api.tryGet(this.r.pvs, undefined, provisionedVolumeName(pvc)) as Pv | undefined;
    if (existing) {
      if (refersToClaim(existing.spec.claimRef, pvc)) this.bind(pvc, existing);
      return;
    }
    this.provisionerEvents.record(pvc, "Normal", "Provisioning", events.provisioning(pvc));
    const source = await contentSource(this.api, this.ctx.dataDir, pvc, sc);
    if ("error" in source) {
      this.provisionerEvents.record(pvc, "Warning", "ProvisioningFailed", events.provisioningFailed(sc.metadata.name ?? "", source.error));
      this.later.after(key, this.backoff.next(key));
      return;
    }
    await materializeDir(volumeDir(this.ctx.dataDir, volumeHandleFor(pvc)), source.from);
    const hostname = node ? this.hostnameOf(node) : undefined;
    let pv = provisionedVolume(pvc, sc, node, hostname);
    try {
      pv = this.api.create(this.r.pvs, undefined, pv).object as Pv;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
      pv = this.api.get(this.r.pvs, undefined, pv.metadata.name ?? "") as Pv;
    }
    this.backoff.reset(key);
    this.ctx.log.info({ controller: this.name, claim: key, volume: pv.metadata.name }, "provisioned volume");
    this.provisionerEvents.record(pvc, "Normal", "ProvisioningSucceeded", events.provisioned(pv.metadata.name ?? ""));
    this.bind(pvc, pv);
  }

  private hostnameOf(node: string): string {
    const obj = this.api.tryGet(this.r.nodes, undefined, node);
    return obj?.metadata.labels?.[HOSTNAME_LABEL] ?? node;
  }

  /** bindVolumeToClaim, bindClaimToVolume, then the claim's status: each step only when it is not done yet. */
  private bind(pvc: Pvc, pv: Pv): void {
    let vol = pv;
    if (!vol.spec.claimRef?.uid || !refersToClaim(vol.spec.claimRef, pvc)) {
      const annotations = { ...vol.metadata.annotations };
      if (!vol.spec.claimRef) annotations[ANN_BOUND_BY_CONTROLLER] = "yes";
      vol = this.write(this.r.pvs, { ...vol, metadata: { ...vol.metadata, annotations }, spec: { ...vol.spec, claimRef: claimRefFor(pvc) } });
    }
    if (phaseOf(vol) !== "Bound") vol = this.write(this.r.pvs, { ...vol, status: { phase: "Bound" } }, true);
    let claim = pvc;
    const ann = claim.metadata.annotations ?? {};
    if (claim.spec.volumeName !== vol.metadata.name || ann[ANN_BIND_COMPLETED] !== "yes") {
      const annotations: Record<string, string> = { ...ann, [ANN_BIND_COMPLETED]: "yes" };
      if (!claim.spec.volumeName) annotations[ANN_BOUND_BY_CONTROLLER] = "yes";
      claim = this.write(this.r.pvcs, { ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName: vol.metadata.name } });
    }
    const status = { ...claim.status, phase: "Bound", accessModes: vol.spec.accessModes ?? [], capacity: vol.spec.capacity ?? {} };
    if (JSON.stringify(status) !== JSON.stringify(claim.status)) {
      this.write(this.r.pvcs, { ...claim, status }, true);
      this.ctx.log.info({ controller: this.name, claim: `${claim.metadata.namespace}/${claim.metadata.name}`, volume: vol.metadata.name }, "bound claim");
    }
  }

  // --- volumes ---

  private async syncVolume(key: string): Promise<void> {
    const { name } = splitKey(key);
    let pv = this.api.tryGet(this.r.pvs, undefined, name) as Pv | undefined;
    if (!pv) return;
    if (pv.metadata.deletionTimestamp) return this.releaseVolumeProtection(pv);
    if (!(pv.metadata.finalizers ?? []).includes(PV_PROTECTION)) {
      pv = this.write(this.r.pvs, { ...pv, metadata: { ...pv.metadata, finalizers: [...(pv.metadata.finalizers ?? []), PV_PROTECTION] } });
    }
    const ref = pv.spec.claimRef;
    const claim = ref?.name ? (this.api.tryGet(this.r.pvcs, ref.namespace, ref.name) as Pvc | undefined) : undefined;
    if (!ref || (!ref.uid && !claim)) {
      if (phaseOf(pv) !== "Available") this.write(this.r.pvs, { ...pv, status: { phase: "Available" } }, true);
      return;
    }
    if (claim && (!ref.uid || ref.uid === claim.metadata.uid)) {
      if (claim.spec.volumeName === pv.metadata.name) {
        if (phaseOf(pv) !== "Bound") this.write(this.r.pvs, { ...pv, status: { phase: "Bound" } }, true);
      } else if (!claim.spec.volumeName) {
        this.claims.enqueue(`${claim.metadata.namespace}/${claim.metadata.name}`);
      }
      return;
    }
    await this.reclaim(pv);
  }

  private releaseVolumeProtection(pv: Pv): void {
    if (!(pv.metadata.finalizers ?? []).includes(PV_PROTECTION)) return;
    const ref = pv.spec.claimRef;
    const claim = ref?.name ? (this.api.tryGet(this.r.pvcs, ref.namespace, ref.name) as Pvc | undefined) : undefined;
    if (claim && ref && refersToClaim(ref, claim) && claim.spec.volumeName === pv.metadata.name) return; // still bound
    this.write(this.r.pvs, { ...pv, metadata: { ...pv.metadata, finalizers: (pv.metadata.finalizers ?? []).filter((f) => f !== PV_PROTECTION) } });
  }

  /** The claim is gone: Released, then deleted (Delete, sandbox-provisioned) or kept (Retain). */
  private async reclaim(pv: Pv): Promise<void> {
    const policy = pv.spec.persistentVolumeReclaimPolicy ?? "Retain";
    if (phaseOf(pv) === "Failed") return;
    if (phaseOf(pv) !== "Released") pv = this.write(this.r.pvs, { ...pv, status: { phase: "Released" } }, true);
    if (policy === "Retain") return;
    const fail = (reason: string, message: string) => {
      this.write(this.r.pvs, { ...pv, status: { phase: "Failed", message } }, true);
      this.pvEvents.record(pv, "Warning", reason, message);
    };
    if (policy === "Recycle") return fail("VolumeFailedRecycle", "No recycler plugin found for the volume!");
    if (!ownedBySandbox(pv)) {
      return fail("VolumeFailedDelete", `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`);
    }
    try {
      this.api.delete(this.r.pvs, undefined, pv.metadata.name ?? "");
      this.ctx.log.info({ controller: this.name, volume: pv.metadata.name }, "deleting released volume");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Once a sandbox-provisioned Delete volume is gone, its bytes go too. */
  private afterVolumeRemoved(pv: Pv): void {
    if (!ownedBySandbox(pv) || pv.spec.persistentVolumeReclaimPolicy !== "Delete" || !pv.spec.csi) return;
    const dir = volumeDir(this.ctx.dataDir, pv.spec.csi.volumeHandle);
    const p = removeDir(dir).catch((err: unknown) => {
      this.ctx.log.warn({ controller: this.name, dir, err: err instanceof Error ? err.message : String(err) }, "removing volume data failed");
    });
    this.cleanups.add(p);
    void p.finally(() => this.cleanups.delete(p));
  }

  private write<T extends KObject>(info: ResourceInfo, obj: T, status = false): T {
    return this.api.update(info, obj.metadata.namespace, obj.metadata.name ?? "", obj, status ? { subresource: "status" } : {}).object as T;
  }
}
