// An in-process sandbox for controller tests: Store + Api, the controllers under test, and a fake kubelet that
// binds pods, marks them Running+Ready and finishes their graceful deletion.
import { Api } from "../apiserver/api.ts";
import { Store } from "../apiserver/store.ts";
import type { KObject } from "../apiserver/types.ts";
import { resources, type Controller, type ControllerContext, type Logger } from "./framework.ts";

/** Collects warnings and errors (set RAFDIR_TEST_LOG=1 to print them). */
function testLogger(problems: string[]): Logger {
  const note = (level: string) => (obj: Record<string, unknown>, msg: string) => {
    problems.push(`${level}: ${msg} ${JSON.stringify(obj)}`);
    if (process.env["RAFDIR_TEST_LOG"]) console.log(level, msg, obj);
  };
  return { info: () => {}, debug: () => {}, warn: note("warn"), error: note("error") };
}

export class FakeKubelet {
  /** Pods are made ready this many ms after they appear. */
  readyDelayMs = 0;
  /** Pods for which this returns false stay Pending. */
  admit: (pod: KObject) => boolean = () => true;
  private readonly stop: () => void;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly api: Api) {
    const pods = resources(api).pods;
    this.stop = api.store.subscribe((e) => {
      if (e.resource !== "/pods" || e.type === "DELETED") return;
      const { namespace, name } = e.object.metadata;
      if (e.object.metadata.deletionTimestamp) this.later(0, () => api.delete(pods, namespace, name ?? "", { gracePeriodSeconds: 0 }));
      else if (e.type === "ADDED") this.later(this.readyDelayMs, () => this.run(namespace ?? "", name ?? ""));
    });
  }

  /** Binds and starts a pod: phase Running, Ready=True. */
  run(namespace: string, name: string): void {
    const info = resources(this.api).pods;
    let pod = this.api.tryGet(info, namespace, name);
    if (!pod || pod.metadata.deletionTimestamp || !this.admit(pod)) return;
    if (!(pod["spec"] as { nodeName?: string }).nodeName) pod = this.api.bindPod(namespace, name, "node-1");
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const cond = (type: string) => ({ type, status: "True", lastTransitionTime: now });
    const status = { ...(pod["status"] as object), phase: "Running", conditions: ["PodScheduled", "Initialized", "ContainersReady", "Ready"].map(cond), startTime: now };
    this.api.update(info, namespace, name, { ...pod, status }, { subresource: "status" });
  }

  close(): void {
    this.stop();
    for (const t of this.timers) clearTimeout(t);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      try {
        fn();
      } catch {
        // gone meanwhile
      }
    }, ms);
    this.timers.add(t);
  }
}

export interface Harness {
  api: Api;
  ctx: ControllerContext;
  r: ReturnType<typeof resources>;
  kubelet: FakeKubelet;
  /** Warnings and errors the controllers logged. */
  problems: string[];
  start(...make: Array<(ctx: ControllerContext) => Controller>): void;
  close(): Promise<void>;
}

export function harness(): Harness {
  const api = new Api(new Store());
  const problems: string[] = [];
  const ctx: ControllerContext = { api, dataDir: "/nonexistent", log: testLogger(problems), now: () => new Date() };
  const kubelet = new FakeKubelet(api);
  const running: Controller[] = [];
  return {
    api,
    ctx,
    r: resources(api),
    kubelet,
    problems,
    start(...make) {
      for (const m of make) {
        const c = m(ctx);
        c.start();
        running.push(c);
      }
    },
    async close() {
      kubelet.close();
      await Promise.all(running.map((c) => c.stop()));
    },
  };
}

/** Polls `fn` until it returns a truthy value without throwing; fails after `timeoutMs` with the last error. */
export async function waitFor<T>(fn: () => T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = fn();
      if (v) return v as NonNullable<T>;
      last = new Error("condition not met");
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function createNamespace(api: Api, name: string): void {
  api.create(resources(api).namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

export const container = (image = "nginx:1.25") => ({ name: "main", image });

export function deployment(name: string, replicas: number, image = "nginx:1.25", extraSpec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [container(image)] } },
      ...extraSpec,
    },
  };
}

export function statefulSet(name: string, replicas: number, extraSpec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [container("postgres:16")] } },
      volumeClaimTemplates: [
        { metadata: { name: "data", labels: { role: "storage" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
      ],
      ...extraSpec,
    },
  };
}
