// Starts and stops a whole sandbox: storage, API server, controllers, kubelet, and the kubeconfig that points at it.
import { mkdirSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../shared/log.ts";
import { Api } from "./apiserver/api.ts";
import { createApiServer } from "./apiserver/server.ts";
import { Store } from "./apiserver/store.ts";
import { ensureTls } from "./apiserver/tls.ts";
import { bootstrap } from "./bootstrap.ts";
import type { Controller, ControllerContext } from "./controllers/framework.ts";
import { GarbageCollector, NamespaceController } from "./controllers/gc.ts";
import { SnapshotController } from "./controllers/snapshots.ts";
import { StorageController } from "./controllers/storage.ts";
import { DeploymentController, ReplicaSetController, StatefulSetController } from "./controllers/workloads.ts";
import { startEventing, type Eventing, type EventingOptions } from "./eventing/eventing.ts";
import { Kubelet } from "./kubelet/kubelet.ts";
import { installRafdirDefaults, type RepositoryInfo } from "./rafdir-defaults.ts";

export const PROJECT_ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** The rafdir image runs the project's own entry points and pinned tools. */
export const RAFDIR_IMAGE = "ghcr.io/rafdir/rafdir";

export interface SandboxOptions {
  dir: string;
  /** 0 = any free port. */
  port?: number;
  nodes?: string[];
  /** Delay before a snapshot becomes readyToUse. */
  snapshotReadyDelayMs?: number;
  /** How many changes a watch can resume across (older resourceVersions get 410 Gone). */
  watchHistory?: number;
  /** Local Knative Eventing wired from knative/ (default on). */
  eventing?: false | Pick<EventingOptions, "startFunctions" | "timeScale" | "port" | "services" | "faults" | "schedulePings">;
  log: Logger;
}

export interface Sandbox {
  url: string;
  kubeconfig: string;
  /** PEM of the CA that signed the API server's certificate. */
  ca: Buffer;
  /** The local restic repository backups go to. */
  repository: RepositoryInfo;
  eventing?: Eventing;
  api: Api;
  stop(): Promise<void>;
}

export function kubeconfigYaml(url: string, ca: Buffer): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: rafdir-sandbox
  cluster:
    server: ${url}
    certificate-authority-data: ${ca.toString("base64")}
users:
- name: rafdir-sandbox
  user:
    token: rafdir-sandbox
contexts:
- name: rafdir-sandbox
  context:
    cluster: rafdir-sandbox
    user: rafdir-sandbox
    namespace: default
current-context: rafdir-sandbox
`;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true });
  const nodes = opts.nodes ?? ["sandbox-node-1"];
  const store = new Store(join(dir, "state.json"), opts.watchHistory);
  const api = new Api(store);
  bootstrap(api, nodes);
  const ctx: ControllerContext = { api, dataDir: join(dir, "data"), log: opts.log, now: () => new Date() };
  const repository = installRafdirDefaults(api, { dir, dataDir: ctx.dataDir, projectRoot: PROJECT_ROOT });
  const kubeconfig = join(dir, "kubeconfig");
  const kubelet = new Kubelet(ctx, {
    nodes,
    images: { [RAFDIR_IMAGE]: [join(PROJECT_ROOT, ".tools", "bin"), join(PROJECT_ROOT, "bin")] },
    baseEnv: { KUBECONFIG: kubeconfig },
  });
  const controllers: Controller[] = [
    new NamespaceController(ctx),
    new GarbageCollector(ctx),
    new StorageController(ctx),
    new SnapshotController(ctx, { readyDelayMs: opts.snapshotReadyDelayMs ?? 0 }),
    new DeploymentController(ctx),
    new ReplicaSetController(ctx),
    new StatefulSetController(ctx),
    kubelet,
  ];
  const tls = ensureTls(dir);
  const server = createApiServer({ api, tls, podIo: kubelet.podIo() });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(opts.port ?? 0, "127.0.0.1", () => ok());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(kubeconfig, kubeconfigYaml(url, tls.ca));
  for (const c of controllers) c.start();
  opts.log.info({ url, kubeconfig, dir }, "sandbox API server listening");
  const eventing =
    opts.eventing === false
      ? undefined
      : await startEventing({ dir, manifestsDir: join(PROJECT_ROOT, "knative"), api, apiServerUrl: url, kubeconfig, projectRoot: PROJECT_ROOT, log: opts.log, ...(opts.eventing ?? {}) });
  let stopped = false;
  return {
    url,
    kubeconfig,
    ca: tls.ca,
    repository,
    api,
    eventing,
    async stop() {
      if (stopped) return;
      stopped = true;
      await eventing?.stop();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      for (const c of [...controllers].reverse()) await c.stop();
      store.close();
    },
  };
}
