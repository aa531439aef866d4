// Test fixture for run-restic and cleanup on a real sandbox: an application (a Deployment with a PVC full of files),
// rafdir-config with its profile, and a BackupRun prepared the way snapshot leaves it at io.rafdir.pvc.bound — source
// snapshot ready, Retain copy content, backup snapshot and backup PVC bound (built with snapshot's own object
// builders). Also: checksums in the app pod, and a restore of a restic snapshot on this machine.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { Kube, Obj } from "../../shared/kube/port.ts";
import { CONFIG_MAP_NAME } from "../../shared/profiles/index.ts";
import { restic, restoreArgv, snapshotsArgv } from "../../shared/restic/argv.ts";
import { runCommand } from "../../shared/restic/run.ts";
import { parseSnapshots, type Snapshot } from "../../shared/restic/summary.ts";
import { Labels, objectName, RUN_API_VERSION, RUN_KIND, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { checksumsOnHost, waitFor, type TestSandbox } from "../../test/support/sandbox.ts";
import { backupPvc, backupSnapshot, contentFacts, copyContent, copyNames, sourceSnapshot, type ContentLike, type SnapshotLike } from "../snapshot/objects.ts";
import { writeRafdirConfig } from "./testing.test-util.ts";

export const APP_NS = "app";
const SNAP = "snapshot.storage.k8s.io/v1";

/** A Deployment whose pod fills PVC `<name>-data` at /data, then marks it ready. */
export function appManifests(name: string, replicas = 1): Obj[] {
  const labels = { app: name };
  return [
    { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: `${name}-data`, namespace: APP_NS }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "standard", resources: { requests: { storage: "1Gi" } } } },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: APP_NS },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "main",
                image: "busybox",
                command: ["sh", "-c", "mkdir -p /data/nested && echo hello > /data/hello.txt && head -c 300000 /dev/urandom > /data/nested/blob.bin && touch /data/ready && exec sleep infinity"],
                volumeMounts: [{ name: "data", mountPath: "/data" }],
              },
            ],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: `${name}-data` } }],
          },
        },
      },
    },
  ];
}

export async function startApp(kube: Kube, name: string, replicas = 1): Promise<string> {
  await kube.ensure({ apiVersion: "v1", kind: "Namespace", metadata: { name: APP_NS } });
  for (const o of appManifests(name, replicas)) await kube.ensure(o);
  return waitFor(`a ready pod of ${name}`, async () => {
    const pods = await kube.list("v1", "Pod", APP_NS, `app=${name}`);
    for (const p of pods) {
      if ((p["status"] as { phase?: string }).phase !== "Running") continue;
      if ((await kube.exec(APP_NS, p.metadata.name, "main", ["sh", "-c", "test -f /data/ready"])).exitCode === 0) return p.metadata.name;
    }
    return undefined;
  }, 60_000);
}

/** sha256 of every file below `dir` in the pod, sorted by path (the format of checksumsOnHost). */
export async function checksumsInPod(kube: Kube, pod: string, dir: string): Promise<string> {
  const out = await kube.exec(APP_NS, pod, "main", ["sh", "-c", `cd "${dir}" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum`]);
  if (out.exitCode !== 0) throw new Error(`checksums in ${pod}: ${out.stderr}`);
  return out.stdout;
}

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);
const mergeDocs = (a: Doc, b: Doc): Doc => Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [k, isDoc(a[k]) && isDoc(b[k]) ? mergeDocs(a[k], b[k]) : k in b ? b[k] : a[k]]));

/** rafdir-config: the sandbox's defaults plus these profiles (YAML); settings and repositories merged into the sandbox's. */
export async function configure(kube: Kube, profiles: string, settings: Doc = {}, repositories: Doc = {}): Promise<void> {
  const cm = await kube.get<Obj & { data?: Record<string, string> }>({ apiVersion: "v1", kind: "ConfigMap", name: CONFIG_MAP_NAME, namespace: "backup" });
  const data = cm?.data ?? {};
  const read = (key: string): Doc => {
    const v: unknown = parse(data[key] ?? "{}");
    return isDoc(v) ? v : {};
  };
  await writeRafdirConfig(kube, { ...data, profiles, settings: stringify(mergeDocs(read("settings"), settings)), repositories: stringify(mergeDocs(read("repositories"), repositories)) });
}

export async function createRun(kube: Kube, run: string, profile: string, status: RunStatus, repositories?: string[]): Promise<BackupRun> {
  const spec = { profile, trigger: "manual", ...(repositories ? { repositories } : {}) };
  await kube.ensure({ apiVersion: RUN_API_VERSION, kind: RUN_KIND, metadata: { name: run, namespace: "backup", labels: { [Labels.profile]: profile, [Labels.run]: run } }, spec });
  return (await kube.patchStatus({ apiVersion: RUN_API_VERSION, kind: RUN_KIND, plural: "backupruns", name: run, namespace: "backup" }, status)) as unknown as BackupRun;
}

/** Source snapshot of `pvc` (ready), its Retain copy and a bound backup PVC; the run's status as snapshot leaves it. */
export async function prepareCopiedRun(kube: Kube, opts: { run: string; profile: string; pvc: string; pod: string; mountPath: string; repositories?: string[] }): Promise<BackupRun> {
  const id = { run: opts.run, profile: opts.profile };
  const v = { sourcePvc: opts.pvc, sourceSnapshot: objectName(opts.run, 0), mounts: [{ mountPath: opts.mountPath }], storageClass: "standard" };
  await kube.ensure(sourceSnapshot(id, v, APP_NS));
  const { vs, content } = await waitFor("the source snapshot to be ready", async () => {
    const s = await kube.get<Obj & SnapshotLike>({ apiVersion: SNAP, kind: "VolumeSnapshot", name: v.sourceSnapshot, namespace: APP_NS });
    const bound = s?.status?.boundVolumeSnapshotContentName;
    const c = bound ? await kube.get<Obj & ContentLike>({ apiVersion: SNAP, kind: "VolumeSnapshotContent", name: bound }) : undefined;
    return s?.status?.readyToUse && c ? { vs: s, content: c } : undefined;
  });
  const facts = contentFacts(content);
  if (!facts.ok) throw new Error(facts.reason);
  const names = copyNames(opts.run, 0, APP_NS, "backup");
  const size = String(vs.status?.restoreSize ?? "1Gi");
  for (const o of [copyContent(id, names, content, facts, "backup"), backupSnapshot(id, names, "backup"), backupPvc(id, names, "standard", size, "backup")]) await kube.ensure(o);
  await waitFor("the backup PVC to bind", async () => (await kube.get<Obj & { status?: { phase?: string } }>({ apiVersion: "v1", kind: "PersistentVolumeClaim", name: names.backupPvc, namespace: "backup" }))?.status?.phase === "Bound");
  const t = new Date().toISOString();
  return createRun(kube, opts.run, opts.profile, {
    phase: "Copying",
    startedAt: t,
    deadline: new Date(Date.now() + 600_000).toISOString(),
    steps: { planned: t, targetResolved: t, snapshotsRequested: t, unquiesced: t, snapshotsReady: t, copied: t, pvcsReady: t },
    target: { namespace: APP_NS, pod: opts.pod },
    volumes: [{ ...v, content: names.content, backupSnapshot: names.backupSnapshot, backupPvc: names.backupPvc }],
  }, opts.repositories);
}

export async function repositorySnapshots(sb: TestSandbox, host: string, tag: string): Promise<Snapshot[]> {
  const r = await runCommand(restic(snapshotsArgv({ host, tags: [tag] }), { repo: sb.repository.path, passwordFile: sb.repository.passwordFile }), { env: resticEnv(sb) });
  if (r.code !== 0) throw new Error(`restic snapshots: ${r.stderr}`);
  return parseSnapshots(r.stdout);
}

/** Restores snapshot `id` on this machine and returns the checksums of `path` inside it. */
export async function restoredChecksums(sb: TestSandbox, snapshot: string, host: string, tag: string, path: string): Promise<string> {
  const target = mkdtempSync(join(tmpdir(), "rafdir-restore-"));
  const r = await runCommand(restic(restoreArgv({ snapshot, host, tag, target }), { repo: sb.repository.path, passwordFile: sb.repository.passwordFile }), { env: resticEnv(sb) });
  if (r.code !== 0) throw new Error(`restic restore: ${r.stderr}`);
  return checksumsOnHost(join(target, path));
}

const resticEnv = (sb: TestSandbox): NodeJS.ProcessEnv => ({ PATH: process.env["PATH"] ?? "", HOME: sb.dir, RESTIC_CACHE_DIR: join(sb.dir, "restic-cache") });

/** Every object labelled for `run`: pods, ConfigMaps, PVCs, VolumeSnapshots in any namespace, contents. */
export async function leftovers(kube: Kube, run: string): Promise<string[]> {
  const selector = `${Labels.run}=${run}`;
  const kinds: Array<[string, string]> = [["v1", "Pod"], ["v1", "ConfigMap"], ["v1", "PersistentVolumeClaim"], [SNAP, "VolumeSnapshot"], [SNAP, "VolumeSnapshotContent"]];
  const found = await Promise.all(kinds.map(([a, k]) => kube.list(a, k, undefined, selector)));
  return found.flat().map((o) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
}
