// The sandbox's CSI snapshot machinery: the common snapshot-controller and the csi-snapshotter sidecar of
// SANDBOX_DRIVER, fed by store events on VolumeSnapshots, VolumeSnapshotContents, their classes and claims.
import type { Api } from "../apiserver/api.ts";
import type { StoreEvent } from "../apiserver/store.ts";
import { every, onResources, resources, splitKey, WorkQueue, type Controller, type ControllerContext } from "./framework.ts";
import { SANDBOX_DRIVER } from "./paths.ts";
import { SnapshotCommon } from "./snapshots-common.ts";
import { GROUP, snapshotKey, type VolumeSnapshot, type VolumeSnapshotContent } from "./snapshots-model.ts";
import { SnapshotSidecar } from "./snapshots-sidecar.ts";
import { Backoff, DelayedRequeue, EventRecorder } from "./storage-effects.ts";

export interface SnapshotControllerOptions {
  /** Default delay between cutting a snapshot and reporting it readyToUse (class parameter sandbox.rafdir.io/ready-delay-seconds wins). */
  readyDelayMs?: number;
  /** Fault injection: a message makes CreateSnapshot fail with it (like class parameter sandbox.rafdir.io/fail-message). */
  failMessage?: (content: VolumeSnapshotContent) => string | undefined;
  /** How often every snapshot and content is looked at again (default 1000 ms). */
  resyncMs?: number;
}

export class SnapshotController implements Controller {
  readonly name = "snapshots";
  private readonly api: Api;
  private readonly snapshots: WorkQueue;
  private readonly contents: WorkQueue;
  private readonly laterSnapshots: DelayedRequeue;
  private readonly laterContents: DelayedRequeue;
  private readonly backoff = new Backoff(200, 5000);
  private readonly commonEvents: EventRecorder;
  private readonly sidecarEvents: EventRecorder;
  private common: SnapshotCommon | undefined;
  private readonly sidecar: SnapshotSidecar;
  private stops: Array<() => void> = [];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: SnapshotControllerOptions = {},
  ) {
    this.api = ctx.api;
    this.snapshots = new WorkQueue("snapshot-controller", (key) => this.syncSnapshot(key), ctx.log);
    this.contents = new WorkQueue("csi-snapshotter", (key) => this.syncContent(key), ctx.log);
    this.laterSnapshots = new DelayedRequeue((key) => this.snapshots.enqueue(key));
    this.laterContents = new DelayedRequeue((key) => this.contents.enqueue(key));
    this.commonEvents = new EventRecorder(ctx.api, "snapshot-controller", ctx.now);
    this.sidecarEvents = new EventRecorder(ctx.api, `csi-snapshotter ${SANDBOX_DRIVER}`, ctx.now);
    this.sidecar = new SnapshotSidecar({
      api: ctx.api,
      dataDir: ctx.dataDir,
      now: ctx.now,
      log: ctx.log,
      events: this.sidecarEvents,
      defaultReadyDelayMs: opts.readyDelayMs ?? 0,
      failMessage: opts.failMessage,
    });
  }

  start(): void {
    const watched = [`${GROUP}/volumesnapshots`, `${GROUP}/volumesnapshotcontents`, `${GROUP}/volumesnapshotclasses`, "/persistentvolumeclaims"];
    this.stops.push(onResources(this.api, watched, (e) => this.onEvent(e)));
    this.stops.push(every(this.opts.resyncMs ?? 1000, () => this.resync()));
    this.resync();
  }

  async stop(): Promise<void> {
    for (const stop of this.stops) stop();
    this.stops = [];
    this.laterSnapshots.stop();
    this.laterContents.stop();
    await Promise.all([this.snapshots.stop(), this.contents.stop()]);
  }

  private onEvent(e: StoreEvent): void {
    const obj = e.object;
    if (e.resource === `${GROUP}/volumesnapshots`) {
      this.snapshots.enqueue(snapshotKey(obj));
      const bound = (obj as VolumeSnapshot).status?.boundVolumeSnapshotContentName;
      if (bound) this.contents.enqueue(`/${bound}`);
    } else if (e.resource === `${GROUP}/volumesnapshotcontents`) {
      if (e.type === "DELETED") {
        this.sidecar.contentRemoved(obj as VolumeSnapshotContent).catch((err: unknown) => this.ctx.log.warn({ content: obj.metadata.name, err: String(err) }, "deleting a removed content's snapshot failed"));
      }
      this.contents.enqueue(`/${obj.metadata.name}`);
      const ref = (obj as VolumeSnapshotContent).spec?.volumeSnapshotRef;
      if (ref?.name && ref.namespace) this.snapshots.enqueue(`${ref.namespace}/${ref.name}`);
    } else if (e.resource === "/persistentvolumeclaims") {
      this.enqueueSnapshots(obj.metadata.namespace); // sources becoming bound, restores leaving Pending
    } else {
      this.enqueueSnapshots(undefined);
    }
  }

  private resync(): void {
    const infos = this.infos();
    if (!infos) return;
    this.enqueueSnapshots(undefined);
    for (const c of this.api.list(infos.contents, undefined).items) this.contents.enqueue(`/${c.metadata.name}`);
    this.commonEvents.prune();
    this.sidecarEvents.prune();
  }

  private enqueueSnapshots(namespace: string | undefined): void {
    const infos = this.infos();
    if (!infos) return;
    for (const s of this.api.list(infos.snapshots, namespace).items) this.snapshots.enqueue(snapshotKey(s));
  }

  private syncSnapshot(key: string): void {
    const infos = this.infos();
    const common = this.commonController();
    if (!infos || !common) return;
    const { namespace, name } = splitKey(key);
    const vs = this.api.tryGet(infos.snapshots, namespace, name) as VolumeSnapshot | undefined;
    if (!vs) return this.backoff.reset(key);
    if (common.syncSnapshot(vs) === "retry") this.laterSnapshots.after(key, this.backoff.next(key));
    else this.backoff.reset(key);
  }

  private async syncContent(key: string): Promise<void> {
    const infos = this.infos();
    const common = this.commonController();
    if (!infos || !common) return;
    const { name } = splitKey(key);
    const found = this.api.tryGet(infos.contents, undefined, name) as VolumeSnapshotContent | undefined;
    if (!found) return;
    common.syncContent(found);
    const content = this.api.tryGet(infos.contents, undefined, name) as VolumeSnapshotContent | undefined;
    if (!content) return;
    const again = await this.sidecar.sync(content);
    if (again !== undefined) this.laterContents.after(key, again);
  }

  /** The snapshot resources, once the CRDs are installed (undefined before). */
  private infos() {
    const get = (plural: string) => this.api.registry.get(GROUP, "v1", plural);
    const snapshots = get("volumesnapshots");
    const contents = get("volumesnapshotcontents");
    const classes = get("volumesnapshotclasses");
    return snapshots && contents && classes ? { snapshots, contents, classes } : undefined;
  }

  private commonController(): SnapshotCommon | undefined {
    const infos = this.infos();
    if (!infos) return undefined;
    if (!this.common) {
      const r = resources(this.api);
      this.common = new SnapshotCommon({
        api: this.api,
        now: this.ctx.now,
        log: this.ctx.log,
        events: this.commonEvents,
        infos: { ...infos, pvcs: r.pvcs, pvs: r.pvs },
        enqueueSnapshot: (k) => this.snapshots.enqueue(k),
      });
    }
    return this.common;
  }
}
