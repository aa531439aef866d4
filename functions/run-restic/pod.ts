// The objects of a backup, pure (runner/README.md "Wiring"): the per-run ConfigMap holding the generated
// resticprofile configuration and the runner's job, and the backup pod — the rafdir image running rafdir-runner,
// the repository password from its Secret, every backup PVC mounted where the application mounts its source (so
// restic stores the original paths), NFS / hostPath sources mounted directly at their original paths, and the
// repository volumes of settings.backupPod.
import type { Obj } from "../../shared/kube/port.ts";
import { isWithin } from "../../shared/profiles/index.ts";
import type { BackupPodSettings } from "../../shared/profiles/index.ts";
import { runLabels, type RunStatus, type RunVolume } from "../../shared/runs/run.ts";
import type { RunnerJob } from "../../runner/job.ts";
import { RUNNER_CONTAINER } from "../common/pod-result.ts";

export type Direct = NonNullable<RunStatus["direct"]>[number];

export const RUN_DIR = "/etc/rafdir";
export const CONFIG_KEY = "resticprofile.yaml";
export const JOB_KEY = "job.json";
export const CONFIG_PATH = `${RUN_DIR}/${CONFIG_KEY}`;
export const JOB_PATH = `${RUN_DIR}/${JOB_KEY}`;
export const CACHE_DIR = "/var/cache/restic";
export const RUNNER_COMMAND = "rafdir-runner";

export interface RunIdent {
  run: string;
  profile: string;
  /** Where the ConfigMap and the pod live: the backup namespace. */
  namespace: string;
  /** objectName(run): the ConfigMap's and the pod's name. */
  name: string;
}

export function runConfigMap(id: RunIdent, yaml: string, job: RunnerJob): Obj {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: id.name, namespace: id.namespace, labels: runLabels(id.run, id.profile) },
    data: { [CONFIG_KEY]: yaml, [JOB_KEY]: `${JSON.stringify(job, null, 2)}\n` },
  };
}

export interface BackupPodInput {
  settings: BackupPodSettings;
  volumes: readonly RunVolume[];
  direct: readonly Direct[];
  /** The node of the target (status.target.node); the pod is pinned there when it mounts a hostPath or a node-local volume's copy. */
  node?: string;
  /** The profile's pod-wait-timeout: the kubelet stops the pod after it. */
  timeoutMs: number;
  /** Folders + dump: the runner writes the dump here, so the mount holding it must be writable. */
  stdinPath?: string;
}

interface Volume {
  name: string;
  [source: string]: unknown;
}
interface Mount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

/** The pod's volumes and the runner's mounts; one mount per mountPath (the first wins: data, then settings). */
export function podVolumes(id: RunIdent, input: BackupPodInput): { volumes: Volume[]; mounts: Mount[] } {
  const volumes: Volume[] = [
    { name: "rafdir-run", configMap: { name: id.name } },
    { name: "rafdir-cache", emptyDir: {} },
  ];
  const mounts: Mount[] = [
    { name: "rafdir-run", mountPath: RUN_DIR, readOnly: true },
    { name: "rafdir-cache", mountPath: CACHE_DIR },
  ];
  const seen = new Set(mounts.map((m) => m.mountPath));
  const mount = (m: Mount): void => {
    if (seen.has(m.mountPath)) return;
    seen.add(m.mountPath);
    mounts.push(m);
  };
  const readOnly = (mountPath: string): boolean => input.stdinPath === undefined || !isWithin(mountPath, input.stdinPath);
  input.volumes.forEach((v, i) => {
    if (!v.backupPvc) return;
    const name = `rafdir-data-${i}`;
    volumes.push({ name, persistentVolumeClaim: { claimName: v.backupPvc } });
    for (const m of v.mounts) mount({ name, mountPath: m.mountPath, ...(m.subPath ? { subPath: m.subPath } : {}), readOnly: readOnly(m.mountPath) });
  });
  input.direct.forEach((d, j) => {
    const name = `rafdir-direct-${j}`;
    if (d.kind === "nfs") volumes.push({ name, nfs: d.nfs ?? nfsFrom(d.source) });
    else volumes.push({ name, hostPath: { path: d.hostPath ?? d.source, type: "Directory" } });
    mount({ name, mountPath: d.mountPath, ...(d.subPath ? { subPath: d.subPath } : {}), readOnly: readOnly(d.mountPath) });
  });
  const names = new Set(volumes.map((v) => v.name));
  for (const v of input.settings.volumes) if (!names.has(v.name)) volumes.push({ ...v });
  for (const m of input.settings.volumeMounts) mount({ ...m });
  return { volumes, mounts };
}

function nfsFrom(source: string): { server: string; path: string } {
  const at = source.indexOf(":");
  return { server: source.slice(0, at), path: source.slice(at + 1) };
}

/**
 * The runner's environment in a pod that reaches the repository (backup, restore): the password from its Secret,
 * the Secrets of settings.backupPod.envFromSecrets, the restic cache and the job file. Only pods in the backup
 * namespace get it.
 */
export function repositoryEnv(settings: BackupPodSettings, jobPath: string): { env: unknown[]; envFrom?: unknown[] } {
  const { passwordSecret, envFromSecrets } = settings;
  return {
    env: [
      { name: "RESTIC_PASSWORD", valueFrom: { secretKeyRef: { name: passwordSecret.name, key: passwordSecret.key } } },
      { name: "RESTIC_CACHE_DIR", value: CACHE_DIR },
      { name: "RAFDIR_RUNNER_JOB", value: jobPath },
    ],
    ...(envFromSecrets.length ? { envFrom: envFromSecrets.map((name) => ({ secretRef: { name } })) } : {}),
  };
}

/**
 * Backup, restore and copy pods run as root: a volume holds files of any owner and mode (a database's 0700 data
 * directory), and the image's own user (uid 1000) would read only part of it — restic would warn and skip the rest.
 * The backup pod mounts the volumes read-only (all but the PVC clone a dump beside folders is written into);
 * restic and the copy set each file's owner only as root.
 */
export const RUN_AS_ROOT = { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false };

/** A required node selector for exactly one node (by its kubernetes.io/hostname label). */
export const onNode = (node: string) => ({ nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] });

export function backupPod(id: RunIdent, input: BackupPodInput): Obj {
  const { volumes, mounts } = podVolumes(id, input);
  const { image } = input.settings;
  // On the node of its host paths, or of node-local source volumes (a snapshot of a TopoLVM volume is restored on
  // that node only: reference/snapshots.md §4). Affinity, not nodeName: a WaitForFirstConsumer backup PVC is
  // provisioned only for a pod the scheduler places.
  const pinned = input.node !== undefined && (input.direct.some((d) => d.kind === "hostPath") || input.volumes.some((v) => v.nodeLocal));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: id.name, namespace: id.namespace, labels: runLabels(id.run, id.profile) },
    spec: {
      serviceAccountName: input.settings.serviceAccountName,
      restartPolicy: "Never",
      activeDeadlineSeconds: Math.max(1, Math.ceil(input.timeoutMs / 1000)),
      ...(pinned ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: onNode(input.node ?? "") } } } : {}),
      containers: [
        {
          name: RUNNER_CONTAINER,
          image,
          command: [RUNNER_COMMAND],
          ...repositoryEnv(input.settings, JOB_PATH),
          securityContext: RUN_AS_ROOT,
          volumeMounts: mounts,
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      volumes,
    },
  };
}
