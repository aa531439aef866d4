// Pure decisions of the sandbox's PV controller and CSI provisioner: object shapes, quantities, claim/volume matching,
// protection checks and the PersistentVolume a provisioned claim gets. No I/O here.
import { parseQuantity } from "../apiserver/validation/quantity.ts";
import type { KObject } from "../apiserver/types.ts";
import { SANDBOX_DRIVER } from "./paths.ts";

export const PVC_PROTECTION = "kubernetes.io/pvc-protection";
export const PV_PROTECTION = "kubernetes.io/pv-protection";
export const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
export const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
export const ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
export const NO_PROVISIONER = "kubernetes.io/no-provisioner";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";
export const SNAPSHOT_GROUP = "snapshot.storage.k8s.io";

export interface TypedRef {
  apiGroup?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface ClaimRef {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface Pvc extends KObject {
  spec: {
    accessModes?: string[];
    resources?: { requests?: Record<string, string | number> };
    storageClassName?: string;
    volumeMode?: string;
    volumeName?: string;
    selector?: LabelSelector;
    dataSource?: TypedRef;
    dataSourceRef?: TypedRef;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string | number> };
}

export interface NodeSelectorTerm {
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface Pv extends KObject {
  spec: {
    capacity?: Record<string, string | number>;
    accessModes?: string[];
    volumeMode?: string;
    storageClassName?: string;
    persistentVolumeReclaimPolicy?: string;
    mountOptions?: string[];
    claimRef?: ClaimRef;
    csi?: { driver: string; volumeHandle: string; fsType?: string; volumeAttributes?: Record<string, string> };
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
    [key: string]: unknown;
  };
  status?: { phase?: string; message?: string; reason?: string };
}

export interface StorageClass extends KObject {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  mountOptions?: string[];
}

export interface PodLike extends KObject {
  spec?: { volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> };
  status?: { phase?: string };
}

// --- quantities ---

/** A quantity's value in whole bytes (rounded up, as resource.Quantity.Value() does), or undefined. */
export function quantityBytes(q: unknown): number | undefined {
  const v = parseQuantity(q);
  return v === undefined ? undefined : Math.ceil(v);
}

const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** resource.NewQuantity(n, BinarySI).String(): "1Gi", "1536", "1k" (below 1024 the decimal form is used). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || !Number.isInteger(n)) return String(n);
  if (Math.abs(n) < 1024) return n !== 0 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
  let value = n;
  let i = 0;
  while (i < BINARY_SUFFIXES.length - 1 && value % 1024 === 0) {
    value /= 1024;
    i++;
  }
  return `${value}${BINARY_SUFFIXES[i]}`;
}

export function requestBytes(pvc: Pvc): number {
  return quantityBytes(pvc.spec.resources?.requests?.["storage"]) ?? 0;
}

export function capacityBytes(pv: Pv): number {
  return quantityBytes(pv.spec.capacity?.["storage"]) ?? 0;
}

// --- claims and volumes ---

export function claimClass(pvc: Pvc): string {
  return pvc.spec.storageClassName ?? "";
}

export function phaseOf(obj: { status?: { phase?: string } }): string {
  return obj.status?.phase ?? "";
}

/** Whether the claimRef names this claim (by namespace/name, and by uid when the ref carries one). */
export function refersToClaim(ref: ClaimRef | undefined, pvc: Pvc): boolean {
  if (!ref || ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

export function claimRefFor(pvc: Pvc): ClaimRef {
  return {
    kind: "PersistentVolumeClaim",
    namespace: pvc.metadata.namespace,
    name: pvc.metadata.name,
    uid: pvc.metadata.uid,
    apiVersion: "v1",
    resourceVersion: pvc.metadata.resourceVersion,
  };
}

/** A pod keeps a claim in use unless it has finished (pvc-protection). */
export function claimInUse(pvc: Pvc, pods: PodLike[]): boolean {
  return pods.some((pod) => {
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") return false;
    return (pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
  });
}

function labelsMatch(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels;
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === "In" && !(has && values.includes(value ?? ""))) return false;
    if (e.operator === "NotIn" && has && values.includes(value ?? "")) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

/** Whether a volume's node affinity (hostname terms only) admits the node; volumes without affinity admit every node. */
export function volumeAdmitsNode(pv: Pv, node: string | undefined): boolean {
  const terms = pv.spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms || terms.length === 0 || node === undefined) return true;
  return terms.some((t) =>
    (t.matchExpressions ?? []).every((e) => e.key !== HOSTNAME_LABEL || e.operator !== "In" || (e.values ?? []).includes(node)),
  );
}

/** The smallest Available volume that satisfies the claim (class, mode, access modes, size, selector, node), as findBestMatchForClaim. */
export function bestStaticMatch(pvc: Pvc, volumes: Pv[], selectedNode: string | undefined): Pv | undefined {
  const want = requestBytes(pvc);
  const modes = pvc.spec.accessModes ?? [];
  const candidates = volumes.filter((pv) => {
    if (pv.metadata.deletionTimestamp || pv.spec.claimRef) return false;
    if (phaseOf(pv) !== "Available" && phaseOf(pv) !== "Pending" && phaseOf(pv) !== "") return false;
    if ((pv.spec.storageClassName ?? "") !== claimClass(pvc)) return false;
    if ((pv.spec.volumeMode ?? "Filesystem") !== (pvc.spec.volumeMode ?? "Filesystem")) return false;
    if (!modes.every((m) => (pv.spec.accessModes ?? []).includes(m))) return false;
    if (capacityBytes(pv) < want) return false;
    if (!labelsMatch(pvc.spec.selector, pv.metadata.labels ?? {})) return false;
    return volumeAdmitsNode(pv, selectedNode);
  });
  candidates.sort((a, b) => capacityBytes(a) - capacityBytes(b));
  return candidates[0];
}

/** The volume pre-bound to this claim by its claimRef, if any. */
export function preBoundVolume(pvc: Pvc, volumes: Pv[]): Pv | undefined {
  return volumes.find((pv) => !pv.metadata.deletionTimestamp && refersToClaim(pv.spec.claimRef, pvc));
}

// --- provisioning ---

export function provisionedVolumeName(pvc: Pvc): string {
  return `pvc-${pvc.metadata.uid ?? ""}`;
}

export function volumeHandleFor(pvc: Pvc): string {
  return `vol-${pvc.metadata.uid ?? ""}`;
}

/** The PersistentVolume the provisioner creates for a claim (external-provisioner's Provision + the PV it returns). */
export function provisionedVolume(pvc: Pvc, sc: StorageClass, selectedNode: string | undefined, hostname: string | undefined): Pv {
  const spec: Pv["spec"] = {
    capacity: { storage: pvc.spec.resources?.requests?.["storage"] ?? "0" },
    accessModes: pvc.spec.accessModes ?? [],
    volumeMode: pvc.spec.volumeMode ?? "Filesystem",
    storageClassName: sc.metadata.name,
    persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
    claimRef: claimRefFor(pvc),
    csi: { driver: SANDBOX_DRIVER, volumeHandle: volumeHandleFor(pvc), fsType: "ext4", volumeAttributes: {} },
  };
  if (sc.mountOptions && sc.mountOptions.length > 0) spec.mountOptions = [...sc.mountOptions];
  if (selectedNode) {
    spec.nodeAffinity = {
      required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [hostname ?? selectedNode] }] }] },
    };
  }
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: provisionedVolumeName(pvc), annotations: { [ANN_PROVISIONED_BY]: SANDBOX_DRIVER }, finalizers: [PV_PROTECTION] },
    spec,
  };
}

/** Whether the sandbox provisioned this volume and owns its bytes. */
export function ownedBySandbox(pv: Pv): boolean {
  return pv.metadata.annotations?.[ANN_PROVISIONED_BY] === SANDBOX_DRIVER && pv.spec.csi?.driver === SANDBOX_DRIVER;
}

export const events = {
  waitForConsumer: "waiting for first consumer to be created before binding",
  noClassNoVolume: "no persistent volumes available for this claim and no storage class is set",
  externalProvisioning: (provisioner: string) =>
    `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  provisioning: (pvc: Pvc) => `External provisioner is provisioning volume for claim "${pvc.metadata.namespace}/${pvc.metadata.name}"`,
  provisioningFailed: (sc: string, err: string) => `failed to provision volume with StorageClass "${sc}": ${err}`,
  provisioned: (pvName: string) => `Successfully provisioned volume ${pvName}`,
};
