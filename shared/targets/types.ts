// Inputs and outputs of target resolution. The inputs are the few fields rafdir reads from Kubernetes objects, so
// both plain JSON (what the Kube port returns) and @kubernetes/client-node's V1 types fit (see types.test.ts).

export interface OwnerRefLike {
  kind: string;
  name: string;
  uid?: string;
}

export interface MetaLike {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: ReadonlyArray<OwnerRefLike>;
  /** Set while the object is being deleted (a string in JSON, a Date in client-node). */
  deletionTimestamp?: unknown;
}

export interface VolumeMountLike {
  name: string;
  mountPath: string;
  subPath?: string;
  subPathExpr?: string;
  readOnly?: boolean;
}

export interface ContainerLike {
  name: string;
  volumeMounts?: ReadonlyArray<VolumeMountLike>;
}

/** A pod volume: only the sources rafdir can back up are typed; others are recognised by their key. */
export interface VolumeLike {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  /** A generic ephemeral volume: its PVC is `<pod>-<volume>`. */
  ephemeral?: object;
  nfs?: { server: string; path: string; readOnly?: boolean };
  hostPath?: { path: string; type?: string };
}

export interface PodLike {
  metadata?: MetaLike;
  spec?: { nodeName?: string; containers: ReadonlyArray<ContainerLike>; volumes?: ReadonlyArray<VolumeLike> };
  status?: { phase?: string };
}

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: string[] }>;
}

/** A Deployment, StatefulSet or ReplicaSet: name, ownership and `spec.selector`. */
export interface WorkloadLike {
  metadata?: MetaLike;
  spec?: { selector?: LabelSelectorLike; replicas?: number };
}

export interface PvcLike {
  metadata?: MetaLike;
  spec?: { storageClassName?: string; volumeName?: string; resources?: { requests?: Record<string, unknown> } };
  status?: { phase?: string; capacity?: Record<string, unknown> };
}

export interface PvLike {
  metadata?: MetaLike;
  spec?: { storageClassName?: string; csi?: { driver: string }; nfs?: { server: string; path: string }; nodeAffinity?: { required?: unknown } };
}

export interface NodeLike {
  metadata?: MetaLike;
  status?: { conditions?: ReadonlyArray<{ type: string; status: string }> };
}

/**
 * What the caller observed: the pods of the profile's namespace (and of the stdin namespace), the workloads, PVCs,
 * PVs and nodes. Objects of other namespaces are ignored. `replicaSets` undefined: deployment pods are found by the
 * deployment's selector instead of ownership. `nodes` undefined: node targets are not checked.
 */
export interface Observed {
  pods: ReadonlyArray<PodLike>;
  deployments?: ReadonlyArray<WorkloadLike>;
  statefulSets?: ReadonlyArray<WorkloadLike>;
  replicaSets?: ReadonlyArray<WorkloadLike>;
  pvcs?: ReadonlyArray<PvcLike>;
  pvs?: ReadonlyArray<PvLike>;
  nodes?: ReadonlyArray<NodeLike>;
}

/** One configured folder and where the backup pod mounts its volume: at the application's own path. */
export interface FolderMount {
  folder: string;
  /** The application's mountPath that holds the folder (the folder itself or its longest parent). */
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

/** A source to back up; several folders (and subPath mounts) of one PVC, NFS export or host path are one source. */
export type VolumeSource =
  | {
      kind: "pvc";
      /** The application's PVC (in the profile's namespace): snapshot it once. */
      pvc: string;
      storageClass?: string;
      /** The bound PV, its CSI driver and the claim's capacity, for choosing a snapshot class and sizing copies. */
      volumeName?: string;
      driver?: string;
      capacity?: string;
      /** The PV is reachable from some nodes only (spec.nodeAffinity: TopoLVM, local volumes): so is a copy of it. */
      nodeLocal?: boolean;
      mounts: FolderMount[];
    }
  | {
      kind: "nfs";
      /** Backed up directly: the backup pod mounts the export itself. */
      nfs: { server: string; path: string };
      /** Set when the export came through a PVC bound to an in-tree NFS PV (no CSI snapshot possible). */
      pvc?: string;
      mounts: FolderMount[];
    }
  | { kind: "hostPath"; hostPath: string; mounts: FolderMount[] };

export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

export interface BackupTarget {
  /** The application pod; absent for node targets and stdin-only profiles. */
  pod?: PodRef;
  /** Where hostPath sources live (the backup pod must run there); the pod's node, or the profile's node. */
  node?: string;
  volumes: VolumeSource[];
  /** Worth logging, not failing: e.g. a mount nested below a folder that is not backed up. */
  notes: string[];
}

/** Where a command (stdin-command, command-before/after) runs. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}

export type TargetFailureReason =
  | "no-target"
  | "workload-not-found"
  | "workload-selector"
  | "no-pod"
  | "several-pods"
  | "pod-not-scheduled"
  | "pod-not-running"
  | "node-not-found"
  | "node-not-ready"
  | "folder-not-mounted"
  | "ambiguous-mount"
  | "unsupported-volume"
  | "pvc-not-found"
  | "pvc-not-bound"
  | "container-not-found"
  | "container-ambiguous"
  | "no-stdin-command";

export interface TargetFailure {
  ok: false;
  reason: TargetFailureReason;
  /** Names the profile's target and every object involved, e.g. the folder and the pod. */
  message: string;
}

export type Outcome<T> = ({ ok: true } & T) | TargetFailure;

export const failure = (reason: TargetFailureReason, message: string): TargetFailure => ({ ok: false, reason, message });
