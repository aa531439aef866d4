// What every function's handlers get: the Kubernetes port, an emitter, a logger, a clock, the backup namespace and
// the rafdir configuration. createDeps builds the production set from the environment; tests build their own
// (functions/common/testing.ts) around a sandbox.
import type { CloudEvent } from "cloudevents";
import { z } from "zod";
import { createEmitter } from "../../shared/cloudevents/emitter.ts";
import { FunctionEnvSchema, type Env, loadConfig as loadEnv } from "../../shared/config.ts";
import type { FunctionName } from "../../shared/events.ts";
import { createKube, loadKubeConfig, type Kube } from "../../shared/kube/port.ts";
import type { Logger } from "../../shared/log.ts";
import { CONFIG_MAP_NAME, parseRafdirConfig, type RafdirConfig } from "../../shared/profiles/index.ts";

export interface FunctionDeps {
  /** The function this is (its CloudEvent source is `/rafdir/<name>`, its Kubernetes Events' component `rafdir-<name>`). */
  name: FunctionName;
  kube: Kube;
  /** Sends an event to the broker (K_SINK) beyond the one reply; resolves once the broker accepted it. */
  emit(event: CloudEvent<unknown>): Promise<void>;
  log: Logger;
  now(): Date;
  /** The backup namespace (RAFDIR_NAMESPACE, default "backup"): BackupRuns, rafdir-config, backup PVCs live here. */
  namespace: string;
  /** Reads and parses ConfigMap rafdir-config in `namespace`, fresh on every call; ConfigMissingError when absent. */
  loadConfig(): Promise<RafdirConfig>;
}

/** Every function's environment: FunctionEnvSchema plus KUBECONFIG (set: that file; unset: in-cluster). */
export const CommonEnvSchema = FunctionEnvSchema.extend({ KUBECONFIG: z.string().min(1).optional() });
export type CommonEnv = z.output<typeof CommonEnvSchema>;

/** ConfigMap rafdir-config does not exist: nothing can be planned or resolved until an operator creates it. */
export class ConfigMissingError extends Error {
  override readonly name = "ConfigMissingError";
  constructor(readonly namespace: string) {
    super(
      `ConfigMap ${namespace}/${CONFIG_MAP_NAME} not found: create it with the keys profiles.yaml, repositories and profiles ` +
        `(shared/profiles/README.md), in the namespace the functions run in (RAFDIR_NAMESPACE=${namespace})`,
    );
  }
}

/** Reads rafdir-config through the port and parses it (problems are in the result's `errors` / `invalid`). */
export async function readRafdirConfig(kube: Kube, namespace: string, now: Date): Promise<RafdirConfig> {
  const cm = await kube.get<{ apiVersion: string; kind: string; metadata: { name: string }; data?: Record<string, string> }>({
    apiVersion: "v1",
    kind: "ConfigMap",
    name: CONFIG_MAP_NAME,
    namespace,
  });
  if (!cm) throw new ConfigMissingError(namespace);
  return parseRafdirConfig(cm.data ?? {}, now);
}

export interface CreateDepsOptions {
  name: FunctionName;
  log: Logger;
  /** Parsed environment (runFunction parses it once). */
  env: CommonEnv;
  now?: () => Date;
  /** Tests: a port on a sandbox instead of KUBECONFIG / in-cluster. */
  kube?: Kube;
}

/** Production dependencies: KUBECONFIG if set, else the in-cluster service account; events go to K_SINK. */
export function createDeps(opts: CreateDepsOptions): FunctionDeps {
  const { env, log, name } = opts;
  const now = opts.now ?? (() => new Date());
  const kube = opts.kube ?? createKube(loadKubeConfig(env.KUBECONFIG));
  const emitter = env.K_SINK ? createEmitter({ sink: env.K_SINK, log, ...(env.K_CE_OVERRIDES ? { overrides: env.K_CE_OVERRIDES } : {}) }) : undefined;
  const namespace = env.RAFDIR_NAMESPACE;
  return {
    name,
    kube,
    log,
    now,
    namespace,
    async emit(event) {
      if (!emitter) throw new Error(`K_SINK is not set: rafdir-${name} cannot send ${event.type} (bind it to the broker with a SinkBinding)`);
      await emitter.emit(event);
    },
    loadConfig: () => readRafdirConfig(kube, namespace, now()),
  };
}

/** Parses the environment for a function (throws ConfigError naming each bad variable). */
export function loadCommonEnv(env: Env = process.env): CommonEnv {
  return loadEnv(CommonEnvSchema, env);
}
