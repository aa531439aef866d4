// Test scaffolding for the storage and snapshot controllers: an in-process API with the snapshot CRDs, the sandbox's
// storage and snapshot classes, both controllers on a temporary data directory, and small polling helpers.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { Api } from "../apiserver/api.ts";
import { Store } from "../apiserver/store.ts";
import type { KObject } from "../apiserver/types.ts";
import { resources, snapshotResources, type ControllerContext, type Logger } from "./framework.ts";
import { SANDBOX_DRIVER, volumeDir } from "./paths.ts";
import { SnapshotController, type SnapshotControllerOptions } from "./snapshots.ts";
import { StorageController } from "./storage.ts";

const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "crds");

/** Quiet unless STORAGE_TEST_LOG is set ("debug" shows everything). */
export const silentLog: Logger = {
  info: () => {},
  warn: (o, m) => show("warn", o, m),
  error: (o, m) => show("error", o, m),
  debug: (o, m) => show("debug", o, m),
};

function show(level: string, obj: Record<string, unknown>, msg: string): void {
  const want = process.env["STORAGE_TEST_LOG"];
  if (want && (level !== "debug" || want === "debug")) console.log(level.toUpperCase(), msg, JSON.stringify(obj));
}

export interface Harness {
  api: Api;
  dataDir: string;
  r: ReturnType<typeof resources>;
  s: ReturnType<typeof snapshotResources>;
  stop(): Promise<void>;
}

export function installSnapshotCrds(api: Api): void {
  const info = api.resource("apiextensions.k8s.io", "v1", "customresourcedefinitions");
  for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(CRD_DIR, file), "utf8"))) {
      const crd = doc.toJSON() as KObject | null;
      if (crd) api.create(info, undefined, crd);
    }
  }
}

/** An API with namespaces `app` and `backup`, classes `standard` (default), `wffc`, `retain`, snapshot classes, and both controllers. */
export async function startHarness(opts: SnapshotControllerOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), "rafdir-storage-"));
  const api = new Api(new Store());
  installSnapshotCrds(api);
  const r = resources(api);
  const s = snapshotResources(api);
  for (const ns of ["app", "backup"]) api.create(r.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const sc = (name: string, extra: Record<string, unknown>) =>
    api.create(r.storageclasses, undefined, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name }, provisioner: SANDBOX_DRIVER, ...extra });
  sc("standard", { metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, volumeBindingMode: "Immediate" });
  sc("wffc", { volumeBindingMode: "WaitForFirstConsumer" });
  sc("retain", { reclaimPolicy: "Retain" });
  const vsc = (name: string, extra: Record<string, unknown>) =>
    api.create(s.classes, undefined, { apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshotClass", metadata: { name }, driver: SANDBOX_DRIVER, deletionPolicy: "Delete", ...extra });
  vsc("sandbox-snapclass", { metadata: { name: "sandbox-snapclass", annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } } });
  vsc("sandbox-retain", { deletionPolicy: "Retain" });
  const ctx: ControllerContext = { api, dataDir, log: silentLog, now: () => new Date() };
  const controllers = [new StorageController(ctx, { resyncMs: 200 }), new SnapshotController(ctx, { resyncMs: 200, ...opts })];
  for (const c of controllers) c.start();
  return {
    api,
    dataDir,
    r,
    s,
    async stop() {
      for (const c of controllers) await c.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function pvcObject(namespace: string, name: string, size: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...spec },
  };
}

export function phase(obj: KObject | undefined): string | undefined {
  return (obj?.["status"] as { phase?: string } | undefined)?.phase;
}

export async function boundClaim(h: Harness, namespace: string, name: string): Promise<KObject> {
  return waitFor(`claim ${namespace}/${name} Bound`, () => {
    const pvc = h.api.tryGet(h.r.pvcs, namespace, name);
    return phase(pvc) === "Bound" ? pvc : undefined;
  });
}

/** The data directory behind a bound claim. */
export function claimDir(h: Harness, namespace: string, name: string): string {
  const pvc = h.api.get(h.r.pvcs, namespace, name);
  const pv = h.api.get(h.r.pvs, undefined, (pvc["spec"] as { volumeName: string }).volumeName);
  return volumeDir(h.dataDir, (pv["spec"] as { csi: { volumeHandle: string } }).csi.volumeHandle);
}

export async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

export function eventsFor(h: Harness, namespace: string, name: string): Array<{ reason: string; message: string; type: string }> {
  return h.api
    .list(h.api.resource("", "v1", "events"), namespace)
    .items.filter((e) => (e["involvedObject"] as { name?: string }).name === name)
    .map((e) => ({ reason: String(e["reason"]), message: String(e["message"]), type: String(e["type"]) }));
}
