// The one Kubernetes port every function gets injected: a narrow set of verbs over @kubernetes/client-node.
// Tests point it at the sandbox (a kubeconfig), production at the in-cluster config.
import { Readable, Writable } from "node:stream";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Exec,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1Status,
} from "@kubernetes/client-node";
import { isAlreadyExists, isNotFound } from "../errors.ts";

/** Any object: apiVersion, kind, metadata (with name; namespace when namespaced). */
export interface Obj extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: NonNullable<KubernetesObject["metadata"]> & { name: string };
  [key: string]: unknown;
}

export interface Ref {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Kube {
  get<T extends Obj = Obj>(ref: Ref): Promise<T | undefined>;
  list<T extends Obj = Obj>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]>;
  /** Creates the object; when it already exists, returns the existing one ("already exists" is success). */
  ensure<T extends Obj = Obj>(obj: T): Promise<{ object: T; created: boolean }>;
  /** JSON merge patch of the main resource. */
  patch<T extends Obj = Obj>(ref: Ref, patch: Record<string, unknown>): Promise<T>;
  /**
   * JSON merge patch of the status subresource of a custom resource (group/version/plural from the ref). With
   * `resourceVersion`, the patch applies only to that version of the object (409 Conflict otherwise).
   */
  patchStatus(ref: Ref & { plural: string }, status: Record<string, unknown>, opts?: { resourceVersion?: string }): Promise<Obj>;
  /** Deletes the object; a missing object is success. Returns whether it existed. */
  remove(ref: Ref, opts?: { propagationPolicy?: "Background" | "Foreground" | "Orphan" }): Promise<boolean>;
  getScale(kind: "Deployment" | "StatefulSet", namespace: string, name: string): Promise<number>;
  setScale(kind: "Deployment" | "StatefulSet", namespace: string, name: string, replicas: number): Promise<void>;
  /** Runs a command in a container; with `timeoutMs`, gives up (rejects, closes the stream) when no exit status came by then. */
  exec(namespace: string, pod: string, container: string | undefined, command: string[], stdin?: string, opts?: { timeoutMs?: number }): Promise<ExecResult>;
  recordEvent(involved: Obj, type: "Normal" | "Warning", reason: string, message: string, component: string): Promise<void>;
}

const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** KUBECONFIG when set (the sandbox, a developer), the in-cluster service account otherwise. */
export function loadKubeConfig(kubeconfigPath?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return kc;
}

function header(ref: Ref): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}

function groupVersion(apiVersion: string): { group: string; version: string } {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return { group: group ?? "", version: version ?? "" };
}

/** Objects come back as plain JSON (not client-node model classes), so they round-trip unchanged. */
function plain<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export function createKube(kc: KubeConfig): Kube {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);

  return {
    async get<T extends Obj>(ref: Ref) {
      try {
        return plain<T>(await objects.read(header(ref)));
      } catch (e) {
        if (isNotFound(e)) return undefined;
        throw e;
      }
    },
    async list<T extends Obj>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string) {
      const list = await objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
      return plain<{ items: T[] }>(list).items.map((i) => ({ ...i, apiVersion, kind }));
    },
    async ensure<T extends Obj>(obj: T) {
      try {
        return { object: plain<T>(await objects.create(obj)), created: true };
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        return { object: plain<T>(await objects.read(header({ ...obj, name: obj.metadata.name, namespace: obj.metadata.namespace }))), created: false };
      }
    },
    async patch<T extends Obj>(ref: Ref, patch: Record<string, unknown>) {
      const body = { ...patch, apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...(patch["metadata"] as object), name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
      return plain<T>(await objects.patch(body, undefined, undefined, undefined, undefined, PatchStrategy.MergePatch));
    },
    async patchStatus(ref, status, opts = {}) {
      const { group, version } = groupVersion(ref.apiVersion);
      const body = { status, ...(opts.resourceVersion ? { metadata: { resourceVersion: opts.resourceVersion } } : {}) };
      const out = ref.namespace
        ? await custom.patchNamespacedCustomObjectStatus({ group, version, namespace: ref.namespace, plural: ref.plural, name: ref.name, body }, MERGE)
        : await custom.patchClusterCustomObjectStatus({ group, version, plural: ref.plural, name: ref.name, body }, MERGE);
      return plain<Obj>(out);
    },
    async remove(ref, opts = {}) {
      try {
        await objects.delete(header(ref), undefined, undefined, undefined, undefined, opts.propagationPolicy ?? "Background");
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        throw e;
      }
    },
    async getScale(kind, namespace, name) {
      const scale = kind === "Deployment" ? await apps.readNamespacedDeploymentScale({ namespace, name }) : await apps.readNamespacedStatefulSetScale({ namespace, name });
      return scale.spec?.replicas ?? 0;
    },
    async setScale(kind, namespace, name, replicas) {
      const body = { spec: { replicas } };
      if (kind === "Deployment") await apps.patchNamespacedDeploymentScale({ namespace, name, body }, MERGE);
      else await apps.patchNamespacedStatefulSetScale({ namespace, name, body }, MERGE);
    },
    exec(namespace, pod, container, command, stdin, opts) {
      return execInPod(kc, namespace, pod, container, command, stdin, opts?.timeoutMs);
    },
    async recordEvent(involved, type, reason, message, component) {
      const namespace = involved.metadata.namespace ?? "default";
      const now = new Date();
      await core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${involved.metadata.name}.`, namespace },
          involvedObject: { apiVersion: involved.apiVersion, kind: involved.kind, name: involved.metadata.name, namespace: involved.metadata.namespace, uid: involved.metadata.uid },
          type,
          reason,
          message,
          source: { component },
          reportingComponent: component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    },
  };
}

/** Runs a command in a container over the exec WebSocket; the exit code comes from the Status on the error channel. */
function execInPod(kc: KubeConfig, namespace: string, pod: string, container: string | undefined, command: string[], stdin?: string, timeoutMs?: number): Promise<ExecResult> {
  const exec = new Exec(kc);
  let stdout = "";
  let stderr = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  let timer: NodeJS.Timeout | undefined;
  return new Promise<ExecResult>((resolve, reject) => {
    const input = stdin === undefined ? null : Readable.from([Buffer.from(stdin)]);
    exec
      .exec(namespace, pod, container ?? "", command, sink((s) => (stdout += s)), sink((s) => (stderr += s)), input, false, (status: V1Status) => {
        resolve({ exitCode: exitCodeOf(status), stdout, stderr });
      })
      .then((ws) => {
        ws.on("error", reject);
        // A connection that ends without the exit status (API server or node gone) must not hang the step forever;
        // after a resolve this is a no-op.
        ws.on("close", () => reject(new Error(`exec in pod ${namespace}/${pod}: the connection closed before the command's exit status arrived`)));
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            reject(new Error(`exec in pod ${namespace}/${pod}: no exit status within ${Math.round(timeoutMs / 1000)} s; gave up waiting (the command may still be running)`));
            ws.close();
          }, timeoutMs);
        }
      })
      .catch(reject);
  }).finally(() => clearTimeout(timer));
}

export function exitCodeOf(status: V1Status): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : 1;
}
