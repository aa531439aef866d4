// What a fresh sandbox cluster holds before anyone uses it: the snapshot CRDs, storage and snapshot classes, nodes.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { Api } from "./apiserver/api.ts";
import { ApiError, type KObject } from "./apiserver/types.ts";
import { SANDBOX_DRIVER } from "./controllers/paths.ts";

const CRD_DIR = fileURLToPath(new URL("./crds/", import.meta.url));

export const DEFAULT_STORAGE_CLASS = "standard";
export const WFFC_STORAGE_CLASS = "standard-wffc";
export const DEFAULT_SNAPSHOT_CLASS = "sandbox-snapshots";

/** Creates an object unless it exists already. */
export function ensure(api: Api, obj: KObject): void {
  const info = api.forKind(obj.apiVersion, obj.kind);
  if (api.tryGet(info, obj.metadata.namespace, obj.metadata.name ?? "")) return;
  try {
    api.create(info, obj.metadata.namespace, obj);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
  }
}

export function installCrds(api: Api): void {
  for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml")).sort()) {
    ensure(api, parseYaml(readFileSync(join(CRD_DIR, file), "utf8")) as KObject);
  }
}

export function bootstrap(api: Api, nodes: string[]): void {
  installCrds(api);
  ensure(api, {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: SANDBOX_DRIVER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "Immediate",
    allowVolumeExpansion: true,
  });
  ensure(api, {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: WFFC_STORAGE_CLASS },
    provisioner: SANDBOX_DRIVER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: true,
  });
  ensure(api, {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshotClass",
    metadata: { name: DEFAULT_SNAPSHOT_CLASS, annotations: { "snapshot.storage.kubernetes.io/is-default-class": "true" } },
    driver: SANDBOX_DRIVER,
    deletionPolicy: "Delete",
  });
  for (const name of nodes) {
    ensure(api, {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" } },
      spec: {},
    });
  }
}
