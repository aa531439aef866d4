// The parts of core/v1 Pod the sandbox kubelet reads, typed once.

export interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: KeyRef;
    configMapKeyRef?: KeyRef;
    fieldRef?: { fieldPath: string };
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface VolumeMountSpec {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface ContainerDef {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  workingDir?: string;
  volumeMounts?: VolumeMountSpec[];
  terminationMessagePath?: string;
}

export interface KeyToPath {
  key: string;
  path: string;
}

export interface VolumeDef {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  hostPath?: { path: string; type?: string };
  emptyDir?: Record<string, unknown>;
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; optional?: boolean };
  nfs?: { server: string; path: string; readOnly?: boolean };
  projected?: { sources?: Array<{ configMap?: { name: string; items?: KeyToPath[] }; secret?: { name: string; items?: KeyToPath[] } }> };
}

export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  restartPolicy?: "Always" | "OnFailure" | "Never";
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  containers: ContainerDef[];
  initContainers?: ContainerDef[];
  volumes?: VolumeDef[];
  hostname?: string;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms?: Array<{ matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> }>;
      };
    };
  };
}

export function podSpec(pod: { spec?: unknown } & Record<string, unknown>): PodSpec {
  return (pod["spec"] ?? { containers: [] }) as PodSpec;
}
