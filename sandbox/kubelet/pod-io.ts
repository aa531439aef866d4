// pods/log and pods/exec for the API server, served from the kubelet's running containers.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Api } from "../apiserver/api.ts";
import type { PodIo } from "../apiserver/server.ts";
import { ApiError, errors, type KObject } from "../apiserver/types.ts";
import { execErrors, upgradeExec } from "./exec-protocol.ts";
import type { PodRuntime } from "./kubelet.ts";
import { parsePodLogQuery, readLogs } from "./logs.ts";
import type { Container } from "./runtime.ts";

function pickContainer(pod: KObject, rt: PodRuntime | undefined, requested: string | undefined): { name: string; instance?: Container } {
  const spec = (pod["spec"] ?? {}) as { containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }> };
  const names = (spec.containers ?? []).map((c) => c.name);
  const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name)];
  const podName = pod.metadata.name ?? "";
  let name = requested;
  if (!name) {
    if (names.length !== 1) throw execErrors.containerNameRequired(podName, names);
    name = names[0] ?? "";
  }
  if (!all.includes(name)) throw execErrors.containerNotValid(name, podName);
  const slot = rt ? [...rt.main, ...rt.init].find((s) => s.def.name === name) : undefined;
  return { name, instance: slot?.instance };
}

export function podIo(api: Api, runtimeOf: (uid: string) => PodRuntime | undefined): PodIo {
  const podInfo = () => api.resource("", "v1", "pods");
  return {
    async logs(namespace: string, name: string, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
      const pod = api.get(podInfo(), namespace, name);
      const q = parsePodLogQuery(query);
      const { name: container, instance } = pickContainer(pod, runtimeOf(pod.metadata.uid ?? ""), q.container);
      if (!instance) throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
      const abort = new AbortController();
      req.on("close", () => abort.abort());
      res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
      res.flushHeaders();
      const stream = readLogs(instance.logPath(), { ...q, exited: instance.exited }, abort.signal);
      await new Promise<void>((done) => {
        stream.on("error", () => done());
        stream.on("end", () => done());
        stream.pipe(res);
      });
    },
    exec(namespace: string, name: string, _query: URLSearchParams, req: IncomingMessage, socket: Duplex, head: Buffer): void {
      void upgradeExec(req, socket, head, {
        async resolve(ns, podName, container) {
          const pod = api.tryGet(podInfo(), ns, podName);
          if (!pod) throw execErrors.podNotFound(podName);
          const phase = (pod["status"] as { phase?: string } | undefined)?.phase;
          const picked = pickContainer(pod, runtimeOf(pod.metadata.uid ?? ""), container);
          if (phase !== "Running") throw execErrors.podNotRunning(podName, phase);
          if (!picked.instance?.running) throw execErrors.containerNotRunning(picked.name, podName);
          return picked.instance;
        },
      }).catch((e: unknown) => {
        if (!(e instanceof ApiError)) socket.destroy();
      });
      void namespace;
      void name;
    },
  };
}
