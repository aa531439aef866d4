// Sandbox fixtures for the snapshot tests: an app (Deployment + PVC), a BackupRun, CloudEvents over supertest.
import { HTTP, type CloudEvent } from "cloudevents";
import request from "supertest";
import { EventTypes, newEvent } from "../../shared/events.ts";
import type { Kube, Obj } from "../../shared/kube/port.ts";
import { RUN_API_VERSION, RUN_KIND, runLabels, runName, statusOf, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { waitFor } from "../../test/support/sandbox.ts";
import { getRun, patchRunStatus } from "../common/index.ts";
import type { TestDeps } from "../common/testing.test-util.ts";
import { createSnapshotApp } from "./app.ts";

export const APPS = "apps";

export const BASE_CONFIG = { "profiles.yaml": "version: '1'\n", repositories: "local: {repository: /srv/restic}\n" };

export interface AppOptions {
  replicas?: number;
  storageClass?: string;
  /** The container's shell command (default: write /data/hello, then sleep). */
  script?: string;
}

/** PVC `<name>-data` (1Gi) and Deployment `<name>` mounting it at /data; waits for its pods to run. */
export async function deployApp(kube: Kube, name: string, o: AppOptions = {}): Promise<void> {
  const replicas = o.replicas ?? 1;
  await kube.ensure({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: `${name}-data`, namespace: APPS },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: o.storageClass ?? "standard", resources: { requests: { storage: "1Gi" } } },
  });
  await kube.ensure({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: APPS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: "main", image: "busybox", command: ["sh", "-c", o.script ?? "echo hi > /data/hello && exec sleep infinity"], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: `${name}-data` } }],
        },
      },
    },
  });
  await waitFor(`${replicas} running pod(s) of ${name}`, async () => (await appPods(kube, name)).filter((p) => (p["status"] as { phase?: string }).phase === "Running").length === replicas);
}

export const appPods = (kube: Kube, name: string): Promise<Obj[]> => kube.list("v1", "Pod", APPS, `app=${name}`);

/** A BackupRun as plan creates it: Pending, started now, deadline in 10 minutes. */
export async function newRun(deps: TestDeps, profile: string, status: Partial<RunStatus> = {}): Promise<string> {
  const now = deps.now();
  const name = runName(profile, now);
  await deps.kube.ensure({ apiVersion: RUN_API_VERSION, kind: RUN_KIND, metadata: { name, namespace: deps.namespace, labels: runLabels(name, profile) }, spec: { profile, trigger: "manual" } });
  await patchRunStatus(deps, name, { phase: "Pending", startedAt: now.toISOString(), deadline: new Date(now.getTime() + 600_000).toISOString(), ...status });
  return name;
}

export async function runStatus(deps: TestDeps, name: string): Promise<RunStatus> {
  const run = await getRun(deps, name);
  if (!run) throw new Error(`BackupRun ${name} not found`);
  return statusOf(run);
}

export async function fetchRun(deps: TestDeps, name: string): Promise<BackupRun> {
  const run = await getRun(deps, name);
  if (!run) throw new Error(`BackupRun ${name} not found`);
  return run;
}

export function post(deps: TestDeps, ev: CloudEvent<unknown>) {
  const m = HTTP.binary(ev) as { headers: Record<string, string>; body: string };
  return request(createSnapshotApp(deps)).post("/").set(m.headers).send(m.body);
}

/** A binary-mode request with any type and data, bypassing the catalog (for malformed events). */
export function postRaw(deps: TestDeps, type: string, data: unknown) {
  const headers = { "ce-id": "raw-1", "ce-specversion": "1.0", "ce-source": "/test", "ce-type": type, "content-type": "application/json" };
  return request(createSnapshotApp(deps)).post("/").set(headers).send(JSON.stringify(data));
}

export const planned = (run: string, profile: string, id?: string) => newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run, profile }, id ? { id } : {});

/** An ApiServerSource (Resource mode) event for an object as it is now. */
export function resourceEvent(obj: Obj, type: typeof EventTypes.resourceUpdated | typeof EventTypes.resourceAdded = EventTypes.resourceUpdated) {
  return newEvent(type, "https://127.0.0.1:6443", obj, { subject: `/apis/v1/namespaces/${obj.metadata.namespace ?? ""}/${obj.kind.toLowerCase()}s/${obj.metadata.name}` });
}

/** Posts the event until the answer is not 503 (the broker's retries while a stopped app's pods go away). */
export async function postUntilSettled(deps: TestDeps, ev: CloudEvent<unknown>, attempts = 60) {
  for (let i = 0; ; i++) {
    const res = await post(deps, ev);
    if (res.status !== 503 || i >= attempts) return res;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function readySnapshot(kube: Kube, name: string, namespace = APPS): Promise<Obj> {
  return waitFor(`VolumeSnapshot ${namespace}/${name} ready`, async () => {
    const vs = await kube.get({ apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", name, namespace });
    return (vs?.["status"] as { readyToUse?: boolean } | undefined)?.readyToUse ? vs : undefined;
  });
}
