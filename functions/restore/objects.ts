// The objects of a restore, pure (docs/adr/0004): the ConfigMap with the resticprofile configuration and the pods'
// jobs, the inspect and restore pods and the staging PVC in the backup namespace (the only pods that see the
// repository secret), and in the target namespace the PVC the staging volume moves to and, for an existing target,
// the copy pod (no secret, no service-account token).
import type { Obj } from "../../shared/kube/port.ts";
import type { BackupPodSettings } from "../../shared/profiles/index.ts";
import { runLabels } from "../../shared/runs/run.ts";
import { RESTORED_FROM, restoreObjects, type RestoreSpec } from "../../shared/runs/restore-run.ts";
import { COPY_FROM, COPY_TO, RESTORE_TARGET, type InspectJob, type RestoreJob } from "../../runner/restore-job.ts";
import { RUNNER_CONTAINER } from "../common/pod-result.ts";
import { CACHE_DIR, CONFIG_KEY, repositoryEnv, RUN_AS_ROOT, RUN_DIR, RUNNER_COMMAND } from "../run-restic/pod.ts";

export const INSPECT_KEY = "inspect.json";
export const RESTORE_KEY = "restore.json";
export const CONFIG_PATH = `${RUN_DIR}/${CONFIG_KEY}`;

export interface RestoreIdent {
  run: string;
  profile: string;
  /** The backup namespace. */
  namespace: string;
}

const labels = (id: RestoreIdent): Record<string, string> => runLabels(id.run, id.profile);

export function restoreConfigMap(id: RestoreIdent, yaml: string, inspect: InspectJob): Obj {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: restoreObjects(id.run).configMap, namespace: id.namespace, labels: labels(id) },
    data: { [CONFIG_KEY]: yaml, [INSPECT_KEY]: json(inspect) },
  };
}

/** The merge patch adding the restore pod's job to the ConfigMap (before the pod exists, so it mounts it). */
export const restoreJobPatch = (job: RestoreJob): Record<string, unknown> => ({ data: { [RESTORE_KEY]: json(job) } });

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

export function stagingPvc(id: RestoreIdent, storageClass: string, size: string): Obj {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: restoreObjects(id.run).stagingPvc, namespace: id.namespace, labels: labels(id) },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage: size } } },
  };
}

interface RunnerPodInput {
  settings: BackupPodSettings;
  name: string;
  jobKey: string;
  timeoutMs: number;
  /** The staging PVC, for the restore pod. */
  claim?: string;
  /** Required node affinity (an existing target's PV's): the staging volume is provisioned where the copy can mount both. */
  nodeAffinity?: unknown;
}

/** A pod in the backup namespace running rafdir-runner on one job of the ConfigMap, with the repository's credentials. */
function runnerPod(id: RestoreIdent, input: RunnerPodInput): Obj {
  const { settings } = input;
  const volumes: Array<Record<string, unknown>> = [
    { name: "rafdir-run", configMap: { name: restoreObjects(id.run).configMap } },
    { name: "rafdir-cache", emptyDir: {} },
  ];
  const mounts: Array<Record<string, unknown>> = [
    { name: "rafdir-run", mountPath: RUN_DIR, readOnly: true },
    { name: "rafdir-cache", mountPath: CACHE_DIR },
  ];
  if (input.claim) {
    volumes.push({ name: "rafdir-restore", persistentVolumeClaim: { claimName: input.claim } });
    mounts.push({ name: "rafdir-restore", mountPath: RESTORE_TARGET });
  }
  const taken = new Set(mounts.map((m) => m.mountPath));
  for (const v of settings.volumes) if (!volumes.some((x) => x["name"] === v.name)) volumes.push({ ...v });
  for (const m of settings.volumeMounts) if (!taken.has(m.mountPath)) mounts.push({ ...m });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: input.name, namespace: id.namespace, labels: labels(id) },
    spec: {
      serviceAccountName: settings.serviceAccountName,
      // The runner talks to the repository only, never to the API server.
      automountServiceAccountToken: false,
      restartPolicy: "Never",
      activeDeadlineSeconds: Math.max(1, Math.ceil(input.timeoutMs / 1000)),
      ...(input.nodeAffinity ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: input.nodeAffinity } } } : {}),
      containers: [
        {
          name: RUNNER_CONTAINER,
          image: settings.image,
          command: [RUNNER_COMMAND],
          ...repositoryEnv(settings, `${RUN_DIR}/${input.jobKey}`),
          securityContext: RUN_AS_ROOT,
          volumeMounts: mounts,
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      volumes,
    },
  };
}

export const inspectPod = (id: RestoreIdent, settings: BackupPodSettings, timeoutMs: number): Obj =>
  runnerPod(id, { settings, name: restoreObjects(id.run).inspectPod, jobKey: INSPECT_KEY, timeoutMs });

export const restorePod = (id: RestoreIdent, settings: BackupPodSettings, timeoutMs: number, nodeAffinity?: unknown): Obj =>
  runnerPod(id, { settings, name: restoreObjects(id.run).restorePod, jobKey: RESTORE_KEY, timeoutMs, claim: restoreObjects(id.run).stagingPvc, ...(nodeAffinity ? { nodeAffinity } : {}) });

export interface MovedClaimInput {
  namespace: string;
  name: string;
  volume: string;
  storageClass: string;
  size: string;
  /** Set on a new target PVC: the RestoreRun and snapshot it came from. */
  restoredFrom?: string;
}

/** A PVC pre-bound to the staging volume (spec.volumeName), in the target namespace. */
export function movedClaim(id: RestoreIdent, input: MovedClaimInput): Obj {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: labels(id),
      ...(input.restoredFrom ? { annotations: { [RESTORED_FROM]: input.restoredFrom } } : {}),
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: input.storageClass,
      volumeName: input.volume,
      resources: { requests: { storage: input.size } },
    },
  };
}

/** The copy pod of an existing target: rafdir-runner copy from the moved volume (read-only) into the target PVC. */
export function copyPod(id: RestoreIdent, spec: RestoreSpec, image: string, timeoutMs: number): Obj {
  const names = restoreObjects(id.run);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: names.copyPod, namespace: spec.target.namespace, labels: labels(id) },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      activeDeadlineSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
      containers: [
        {
          name: RUNNER_CONTAINER,
          image,
          command: [RUNNER_COMMAND, "copy", COPY_FROM, COPY_TO],
          securityContext: RUN_AS_ROOT,
          volumeMounts: [
            { name: "from", mountPath: COPY_FROM, readOnly: true },
            { name: "to", mountPath: COPY_TO },
          ],
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      volumes: [
        { name: "from", persistentVolumeClaim: { claimName: names.sourcePvc, readOnly: true } },
        { name: "to", persistentVolumeClaim: { claimName: spec.target.pvc } },
      ],
    },
  };
}
