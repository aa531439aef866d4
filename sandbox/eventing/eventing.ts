// The local Knative Eventing stand-in, wired from the knative/ manifests: broker ingress (HTTP), per-trigger
// delivery queues, the functions as local processes, PingSources and ApiServerSources, the event log.
import { setMaxListeners } from "node:events";
import { existsSync } from "node:fs";
import type { Api } from "../apiserver/api.ts";
import type { Logger } from "../controllers/framework.ts";
import { ApiServerSources } from "./apiserversource.ts";
import { close, createBrokerServer, listen } from "./broker.ts";
import { TriggerDelivery } from "./delivery.ts";
import { EventLog, eventLogPath } from "./eventlog.ts";
import { FaultInjector, type Faults } from "./faults.ts";
import { Functions } from "./functions.ts";
import { Ingress, type RoutedTrigger } from "./ingress.ts";
import { emptyManifests, loadManifestDir } from "./manifests.ts";
import { compileModel } from "./model.ts";
import { PingSources } from "./pingsource.ts";
import { resolveDestination, type ResolveContext } from "./subscribers.ts";

export interface EventingOptions {
  /** The sandbox directory: events.jsonl and functions/<name>.log go here. */
  dir: string;
  /** The knative/ manifests (read recursively). A missing directory means no triggers, with a warning. */
  manifestsDir: string;
  api: Api;
  /** The sandbox API server URL: the `source` of ApiServerSource events. */
  apiServerUrl: string;
  /** Given to the functions as KUBECONFIG. */
  kubeconfig: string;
  projectRoot: string;
  log: Logger;
  /** Multiplies backoff waits, the PingSource jitter and source retries (tests: 0.01). Default 1. */
  timeScale?: number;
  /** Start the manifests' Knative Services as local processes (default true). */
  startFunctions?: boolean;
  /** Service base URLs by "namespace/name" or "name" (tests, or functions run elsewhere); wins over started ones. */
  services?: Record<string, string>;
  /** Ingress port; 0 (default) picks a free one. */
  port?: number;
  faults?: Faults;
  /** Run the PingSource crons (default true); ticks can always be fired by hand. */
  schedulePings?: boolean;
  /** Namespace for manifests without one (and no kustomization namespace). Default "backup". */
  defaultNamespace?: string;
  /** The broker that brokerUrl points at, served even if no manifest defines it. Default "backup/rafdir". */
  mainBroker?: string;
  /** Parallel deliveries per trigger (default 8). */
  concurrency?: number;
  random?: () => number;
  now?: () => Date;
}

export interface Eventing {
  /** http://127.0.0.1:<port>/backup/rafdir — K_SINK of the functions. */
  brokerUrl: string;
  /** http://127.0.0.1:<port> — POST /<ns>/<broker>, admin under /_sandbox/. */
  ingressUrl: string;
  eventLogPath: string;
  /** Local base URLs of the functions that started, by "namespace/name". */
  functions: ReadonlyMap<string, string>;
  /** Fires a PingSource now; resolves with the event id once the broker answered (undefined: no such source). */
  tick(namespace: string, name: string): Promise<string | undefined>;
  setFaults(faults: Faults): void;
  /** Resolves when no delivery or source event is queued or running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEventing(opts: EventingOptions): Promise<Eventing> {
  const { log } = opts;
  const timeScale = opts.timeScale ?? 1;
  const now = opts.now ?? (() => new Date());
  const mainBroker = opts.mainBroker ?? "backup/rafdir";
  let manifests = emptyManifests();
  if (existsSync(opts.manifestsDir)) manifests = loadManifestDir(opts.manifestsDir, opts.defaultNamespace ?? "backup");
  else log.warn({ dir: opts.manifestsDir }, "no Knative manifests directory; eventing runs without triggers or sources");
  const model = compileModel(manifests, { fallbackBroker: mainBroker });
  for (const w of model.warnings) log.warn({ manifests: opts.manifestsDir }, w);

  const eventLog = new EventLog(eventLogPath(opts.dir), now);
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // every in-flight delivery and backoff wait listens to it
  const services = new Map<string, string>();
  const ctx: ResolveContext = { ingressBase: "", brokers: new Set(model.brokers.keys()), services };
  const resolve = (dest: Parameters<typeof resolveDestination>[0], ns: string) => resolveDestination(dest, ns, ctx);
  const faults = new FaultInjector(opts.faults ?? {}, opts.random);

  const routes = new Map<string, RoutedTrigger[]>([...model.brokers.keys()].map((k) => [k, []]));
  const deliveries: TriggerDelivery[] = [];
  let ingress: Ingress | undefined;
  for (const t of model.triggers) {
    const delivery = new TriggerDelivery(
      { key: t.key, namespace: t.namespace, subscriber: t.subscriber, delivery: t.delivery },
      {
        resolve,
        republish: (reply) => ingress?.publish(reply, t.broker, `reply from ${t.key}`),
        eventLog,
        log,
        timeScale,
        signal: abort.signal,
      },
      opts.concurrency,
    );
    deliveries.push(delivery);
    routes.get(t.broker)?.push({ match: t.match, delivery });
  }
  ingress = new Ingress({ routes, faults, eventLog, log, now });

  const sourceDeps = { resolve, eventLog, log, timeScale, signal: abort.signal };
  const pings = new PingSources(model.pingSources, { ...sourceDeps, random: opts.random ?? Math.random, now });
  const apiSources = new ApiServerSources(model.apiServerSources, { ...sourceDeps, api: opts.api, apiServerUrl: opts.apiServerUrl, now });

  const server = createBrokerServer(
    ingress,
    {
      getFaults: () => faults.get(),
      setFaults: (body) => {
        faults.set(body as Faults);
        return faults.get();
      },
      tick: (ns, name) => pings.tick(ns, name),
      status: () => ({
        brokers: [...model.brokers.keys()],
        triggers: model.triggers.map((t) => ({ trigger: t.key, broker: t.broker, subscriber: resolve(t.subscriber, t.namespace), origin: t.origin })),
        pingSources: pings.names,
        apiServerSources: model.apiServerSources.map((a) => `${a.namespace}/${a.name}`),
        functions: Object.fromEntries(services),
        faults: faults.get(),
      }),
    },
    log,
  );
  const port = await listen(server, opts.port ?? 0);
  const ingressUrl = `http://127.0.0.1:${port}`;
  ctx.ingressBase = ingressUrl;
  const brokerUrl = `${ingressUrl}/${mainBroker}`;

  const functions = new Functions(opts.startFunctions === false ? [] : model.services, {
    projectRoot: opts.projectRoot,
    dir: opts.dir,
    sink: brokerUrl,
    kubeconfig: opts.kubeconfig,
    log,
    api: opts.api,
    restartDelayMs: Math.max(50, 1000 * timeScale),
  });
  const started = await functions.start();
  for (const [k, url] of started) services.set(k, url);
  for (const [k, url] of Object.entries(opts.services ?? {})) services.set(k, url);

  apiSources.start();
  if (opts.schedulePings !== false) pings.start();
  log.info({ brokerUrl, triggers: model.triggers.length, functions: [...started.keys()], eventLog: eventLog.path }, "sandbox eventing ready");

  let stopped = false;
  return {
    brokerUrl,
    ingressUrl,
    eventLogPath: eventLog.path,
    functions: started,
    tick: (ns, name) => pings.tick(ns, name),
    setFaults: (f) => faults.set(f),
    async idle() {
      for (;;) {
        await Promise.all([...deliveries.map((d) => d.idle()), apiSources.idle()]);
        if (deliveries.every((d) => d.size === 0)) return;
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      pings.stop();
      apiSources.stop();
      await close(server);
      abort.abort();
      for (const d of deliveries) d.stop();
      await Promise.all(deliveries.map((d) => d.idle()));
      await functions.stop();
    },
  };
}
