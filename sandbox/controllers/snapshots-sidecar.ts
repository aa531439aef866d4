// The csi-snapshotter sidecar of the sandbox driver, with the driver's snapshot store built in: cuts point-in-time
// copies of volumes into snapshotDir(handle), reports them on VolumeSnapshotContents, and deletes them.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Api } from "../apiserver/api.ts";
import type { KObject } from "../apiserver/types.ts";
import type { Logger } from "./framework.ts";
import { SANDBOX_DRIVER, snapshotDir, volumeDir } from "./paths.ts";
import { Backoff, exists, materializeDir, removeDir, type EventRecorder } from "./storage-effects.ts";
import { capacityBytes, type Pv } from "./storage-model.ts";
import {
  GROUP, goQuote, PARAM_FAIL_MESSAGE, readyDelayMs, sidecarShouldDelete, VSC_BOUND, withoutFinalizers,
  type VolumeSnapshotClass, type VolumeSnapshotContent,
} from "./snapshots-model.ts";

/** What meta.json beside a snapshot's data/ records. */
export interface SnapshotMeta {
  snapshotHandle: string;
  sourceVolumeHandle: string;
  /** Bytes: the source volume's capacity. */
  restoreSize: number;
  createdAt: string;
  creationTimeNanos: number;
  /** When the snapshot reports readyToUse (creation plus the class's readiness delay). */
  readyAt: string;
}

export async function readSnapshot(dataDir: string, handle: string): Promise<{ exists: false } | { exists: true; meta?: SnapshotMeta }> {
  const dir = snapshotDir(dataDir, handle);
  if (!(await exists(dir))) return { exists: false };
  try {
    return { exists: true, meta: JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as SnapshotMeta };
  } catch {
    return { exists: true };
  }
}

/** CreateSnapshot: copies the volume now into a staging directory, then renames it into place (idempotent by handle). */
export async function cutSnapshot(dataDir: string, meta: SnapshotMeta): Promise<void> {
  const dir = snapshotDir(dataDir, meta.snapshotHandle);
  if (await exists(dir)) return;
  const staging = `${dir}.partial-${randomBytes(4).toString("hex")}`;
  await mkdir(staging, { recursive: true });
  try {
    await materializeDir(join(staging, "data"), volumeDir(dataDir, meta.sourceVolumeHandle));
    await writeFile(join(staging, "meta.json"), JSON.stringify(meta, null, 2));
    await rename(staging, dir);
  } catch (err) {
    await removeDir(staging);
    if (!(await exists(dir))) throw err;
  }
}

export interface SidecarDeps {
  api: Api;
  dataDir: string;
  now: () => Date;
  log: Logger;
  events: EventRecorder;
  defaultReadyDelayMs: number;
  failMessage?: (content: VolumeSnapshotContent) => string | undefined;
}

type ContentStatus = NonNullable<VolumeSnapshotContent["status"]>;

export class SnapshotSidecar {
  private readonly backoff = new Backoff(200, 5000);

  constructor(private readonly d: SidecarDeps) {}

  /** syncContent of the sidecar; returns when to look again (ms), if the content is not settled. */
  async sync(content: VolumeSnapshotContent): Promise<number | undefined> {
    const src = content.spec.source;
    if (content.spec.driver !== SANDBOX_DRIVER || (!src.volumeHandle && !src.snapshotHandle)) return undefined;
    const cls = this.classOf(content);
    if (cls && cls.driver !== SANDBOX_DRIVER) return undefined;
    if (sidecarShouldDelete(content)) return this.deleteSnapshot(content);
    if (src.volumeHandle && !content.status) return this.createSnapshot(content, "SnapshotCreationFailed", "Failed to create snapshot");
    if (content.status?.readyToUse === true) return undefined;
    if (!src.snapshotHandle) return this.createSnapshot(content, "SnapshotContentCheckandUpdateFailed", "Failed to check and update snapshot content");
    return this.checkPreProvisioned(content, src.snapshotHandle);
  }

  /**
   * A content removed from the API (e.g. an unbound pre-provisioned one, which has no finalizer): like the real
   * sidecar's delete handler, a Delete policy still deletes the snapshot behind it.
   */
  async contentRemoved(content: VolumeSnapshotContent): Promise<void> {
    if (content.spec.driver !== SANDBOX_DRIVER || content.spec.deletionPolicy !== "Delete") return;
    const handle = content.status?.snapshotHandle ?? content.spec.source.snapshotHandle;
    if (!handle) return;
    const dir = snapshotDir(this.d.dataDir, handle);
    if (!(await exists(dir))) return;
    await removeDir(dir);
    this.d.log.info({ controller: "csi-snapshotter", content: content.metadata.name, snapshotHandle: handle }, "deleted snapshot of a removed content");
  }

  private async deleteSnapshot(content: VolumeSnapshotContent): Promise<number | undefined> {
    const handle = content.status?.snapshotHandle;
    if (content.spec.deletionPolicy === "Delete" && handle) {
      await removeDir(snapshotDir(this.d.dataDir, handle));
      this.d.log.info({ controller: "csi-snapshotter", content: content.metadata.name, snapshotHandle: handle }, "deleted snapshot");
      const status: ContentStatus = { ...content.status };
      delete status.snapshotHandle;
      delete status.readyToUse;
      delete status.creationTime;
      delete status.restoreSize;
      this.write({ ...content, status }, true);
      return 0;
    }
    if ((content.metadata.finalizers ?? []).includes(VSC_BOUND)) this.write(withoutFinalizers(content, [VSC_BOUND]));
    return undefined;
  }

  private async createSnapshot(content: VolumeSnapshotContent, reason: string, prefix: string): Promise<number | undefined> {
    const name = content.metadata.name ?? "";
    const fail = (msg: string) => this.fail(content, reason, `${prefix}: ${msg}`);
    const className = content.spec.volumeSnapshotClassName;
    const cls = this.classOf(content);
    if (!className || !cls) {
      const why = className ? `volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found` : `failed to take snapshot ${name} without a snapshot class`;
      return fail(`failed to get input parameters to create snapshot for content ${name}: ${goQuote(why)}`);
    }
    const volumeHandle = content.spec.source.volumeHandle ?? "";
    const handle = `snapshot-${content.spec.volumeSnapshotRef.uid || content.metadata.uid || ""}`;
    const found = await readSnapshot(this.d.dataDir, handle);
    let meta = found.exists ? found.meta : undefined;
    if (!found.exists) {
      const injected = cls.parameters?.[PARAM_FAIL_MESSAGE] ?? this.d.failMessage?.(content);
      const rpcError = injected
        ? `rpc error: code = Internal desc = ${injected}`
        : !(await exists(volumeDir(this.d.dataDir, volumeHandle)))
          ? `rpc error: code = NotFound desc = source volume ${volumeHandle} not found`
          : undefined;
      if (rpcError) return fail(`failed to take snapshot of the volume ${volumeHandle}: ${goQuote(rpcError)}`);
      const now = this.d.now();
      meta = {
        snapshotHandle: handle,
        sourceVolumeHandle: volumeHandle,
        restoreSize: this.sourceCapacity(volumeHandle),
        createdAt: now.toISOString(),
        creationTimeNanos: now.getTime() * 1e6,
        readyAt: new Date(now.getTime() + readyDelayMs(cls, this.d.defaultReadyDelayMs)).toISOString(),
      };
      await cutSnapshot(this.d.dataDir, meta);
      this.d.log.info({ controller: "csi-snapshotter", content: name, snapshotHandle: handle, volumeHandle }, "cut snapshot");
    }
    return this.report(content, handle, meta);
  }

  private async checkPreProvisioned(content: VolumeSnapshotContent, handle: string): Promise<number | undefined> {
    const name = content.metadata.name ?? "";
    const prefix = "Failed to check and update snapshot content";
    const className = content.spec.volumeSnapshotClassName;
    if (className && !this.classOf(content)) {
      const why = `volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found`;
      return this.fail(content, "SnapshotContentCheckandUpdateFailed", `${prefix}: failed to get snapshot class ${className} for snapshot content ${name}: ${why}`);
    }
    const found = await readSnapshot(this.d.dataDir, handle);
    if (!found.exists) {
      const why = goQuote(`can not find snapshot for snapshotID ${handle}`);
      return this.fail(content, "SnapshotContentCheckandUpdateFailed", `${prefix}: failed to list snapshot for content ${name}: ${why}`);
    }
    return this.report(content, handle, found.meta);
  }

  /** updateSnapshotContentStatus: fills what is missing, flips readyToUse (clearing the error once ready). */
  private report(content: VolumeSnapshotContent, handle: string, meta: SnapshotMeta | undefined): number | undefined {
    const now = this.d.now().getTime();
    const readyAt = meta ? Date.parse(meta.readyAt) : now;
    const ready = now >= readyAt;
    const created = meta?.creationTimeNanos ?? now * 1e6;
    const size = meta?.restoreSize ?? 0;
    const current = content.status;
    const next: ContentStatus = current ? { ...current } : { snapshotHandle: handle, readyToUse: ready, creationTime: created };
    if (next.snapshotHandle === undefined) next.snapshotHandle = handle;
    if (next.creationTime === undefined) next.creationTime = created;
    if (next.readyToUse !== ready) {
      next.readyToUse = ready;
      if (ready) delete next.error;
    }
    if (next.restoreSize === undefined && size > 0) next.restoreSize = size;
    if (JSON.stringify(next) !== JSON.stringify(current)) this.write({ ...content, status: next }, true);
    this.backoff.reset(content.metadata.name ?? "");
    return ready ? undefined : Math.max(10, readyAt - now);
  }

  /** updateContentErrorStatusWithEvent: readyToUse false plus the error, once per distinct message. */
  private fail(content: VolumeSnapshotContent, reason: string, message: string): number {
    if (content.status?.error?.message !== message) {
      const error = { time: this.d.now().toISOString().replace(/\.\d{3}Z$/, "Z"), message };
      this.write({ ...content, status: { ...content.status, readyToUse: false, error } }, true);
      this.d.events.record(content, "Warning", reason, message);
    }
    return this.backoff.next(content.metadata.name ?? "");
  }

  private sourceCapacity(volumeHandle: string): number {
    const pvs = this.d.api.list(this.d.api.resource("", "v1", "persistentvolumes"), undefined).items as Pv[];
    const pv = pvs.find((p) => p.spec.csi?.driver === SANDBOX_DRIVER && p.spec.csi.volumeHandle === volumeHandle);
    return pv ? capacityBytes(pv) : 0;
  }

  private classOf(content: VolumeSnapshotContent): VolumeSnapshotClass | undefined {
    const name = content.spec.volumeSnapshotClassName;
    const info = this.d.api.registry.get(GROUP, "v1", "volumesnapshotclasses");
    return name && info ? (this.d.api.tryGet(info, undefined, name) as VolumeSnapshotClass | undefined) : undefined;
  }

  private write(obj: KObject, status = false): void {
    const info = this.d.api.resource(GROUP, "v1", "volumesnapshotcontents");
    this.d.api.update(info, undefined, obj.metadata.name ?? "", obj, status ? { subresource: "status" } : {});
  }
}
