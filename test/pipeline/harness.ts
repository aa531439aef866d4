// A sandbox with the whole system running: API server, data plane, local broker wired from knative/, and the five
// functions as real processes. Scenarios deploy an app, configure profiles, request backups through the broker,
// then prove the data by restoring the restic snapshot on this machine and comparing checksums.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse as parseYaml, stringify } from "yaml";
import { parseSums, pvcChecksums } from "../../cli/pvc-checksums.ts";
import type { CloudEvent } from "cloudevents";
import { createEmitter } from "../../shared/cloudevents/emitter.ts";
import { EventTypes, newEvent, type EventData } from "../../shared/events.ts";
import { createKube, type Kube, type Obj } from "../../shared/kube/port.ts";
import { createLogger } from "../../shared/log.ts";
import { RUN_API_VERSION, RUN_KIND, statusOf, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { parseRestoreStatus, REQUEST_LABEL, RESTORE_KIND, requestHash, type RestoreRun, type RestoreStatus } from "../../shared/runs/restore-run.ts";
import { testSandbox, waitFor, type TestSandbox } from "../support/sandbox.ts";

const run = promisify(execFile);
const RESTIC = join(import.meta.dirname, "..", "..", ".tools", "bin", "restic");

/** One line of the sandbox's event log (kind "event" records carry the CloudEvent's type, extensions and data). */
export interface LoggedEvent {
  kind?: string;
  type?: string;
  id?: string;
  source?: string;
  rafdirrun?: string;
  rafdirprofile?: string;
  data?: unknown;
}

/** `sha256sum` output → path → digest (paths as printed, `./a/b`). */
export type Sums = Record<string, string>;


export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
  metadata: { name: string; creationTimestamp?: string };
  lastTimestamp?: string;
}

export interface Pipeline {
  sb: TestSandbox;
  /** The sandbox's data plane directory (volumes, nodes' roots, NFS exports). */
  dataDir: string;
  kube: Kube;
  apply(yaml: string): Promise<void>;
  setProfiles(profiles: Record<string, unknown>, extra?: Record<string, string>): Promise<void>;
  request(data: EventData<typeof EventTypes.backupRequested>): Promise<string>;
  /** Waits for the newest run of a profile created after `since` to end; returns it. */
  finished(profile: string, since: Date, timeoutMs?: number): Promise<BackupRun & { status: RunStatus }>;
  /** sha256 of every file below `dir` in a running pod of `namespace` matching `selector`. */
  podChecksums(namespace: string, selector: string, dir: string, container?: string): Promise<string>;
  /** Restores the latest restic snapshot of host+tag into a temp dir; sha256 of every file below `path` in it. */
  restoredChecksums(host: string, tag: string, path: string): Promise<string>;
  restic(args: string[]): Promise<string>;
  /** restic against another repository on this machine (same password). */
  resticAt(repoPath: string, args: string[]): Promise<string>;
  /** Restores the latest snapshot of host+tag (from `repoPath`, default the sandbox repository) into a new temp dir; the caller removes it. */
  restore(host: string, tag: string, repoPath?: string): Promise<string>;
  /** sha256 of every file below `dir` on this machine, parsed. */
  hostSums(dir: string): Promise<Sums>;
  /** sha256 of every file below `dir` in a running pod, parsed. */
  podSums(namespace: string, selector: string, dir: string, container?: string): Promise<Sums>;
  /** `restic dump latest <file>` for host+tag, as bytes. */
  dump(host: string, tag: string, file: string, repoPath?: string): Promise<Buffer>;
  /** `restic snapshots --json` for a host (default repository unless `repoPath`). */
  snapshots(host: string, repoPath?: string): Promise<Array<{ id: string; hostname: string; tags?: string[]; paths: string[]; summary?: Record<string, number> }>>;
  /** Runs a command in the running pod of `namespace` matching `selector`. */
  exec(namespace: string, selector: string, command: string[], container?: string): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** The BackupRuns of a profile, oldest first. */
  runs(profile: string): Promise<Array<BackupRun & { status: RunStatus }>>;
  /** Kubernetes Events on ConfigMap backup/rafdir-config (plan's notices: planned, skipped with reasons). */
  configEvents(): Promise<KubeEvent[]>;
  /**
   * A second repository: an NFS export of the sandbox (server `sandbox`, `exportPath`) initialised with the sandbox
   * password, mounted into backup pods at `mountPath`, configured as `name` next to `local`. Returns its host path.
   */
  addRepository(name: string, exportPath: string, mountPath: string): Promise<string>;
  /** Sets `repositories` of rafdir-config (name → resticprofile section), keeping settings. */
  setRepositories(repositories: Record<string, Record<string, unknown>>): Promise<void>;
  /** The last `lines` lines of a function's log (for diagnosis in assertion messages). */
  functionLog(name: string, lines?: number): string;
  /** Every object carrying the rafdir managed-by label, as "Kind ns/name". */
  leftovers(): Promise<string[]>;
  events(): LoggedEvent[];
  /** Posts any event to the broker. */
  emit(event: CloudEvent<unknown>): Promise<void>;
  /** Posts io.rafdir.restore.requested and waits for its RestoreRun to end; returns it with its parsed status. */
  restoreAndWait(data: EventData<typeof EventTypes.restoreRequested>, timeoutMs?: number): Promise<RestoreRun & { status: RestoreStatus }>;
  /** sha256 of every file on a PVC, read by a short-lived pod in its namespace (as a user would check it). */
  pvcSums(namespace: string, pvc: string): Promise<Sums>;
  close(): Promise<void>;
}

export async function startPipeline(): Promise<Pipeline> {
  // RAFDIR_TEST_KEEP=1 keeps the sandbox directory (function logs, event log, data) after the suite, for diagnosis.
  const keep = process.env["RAFDIR_TEST_KEEP"] ? { dir: mkdtempSync(join(tmpdir(), "rafdir-pipeline-")) } : {};
  if (keep.dir) process.stderr.write(`pipeline sandbox kept in ${keep.dir}\n`);
  const sb = await testSandbox({ snapshotReadyDelayMs: 200, eventing: { startFunctions: true, schedulePings: false }, ...keep });
  const kube = createKube(sb.kc);
  const brokerUrl = sb.eventing?.brokerUrl;
  if (!brokerUrl) throw new Error("the sandbox started without eventing");
  const emitter = createEmitter({ sink: brokerUrl, log: createLogger({ level: "warn" }) });
  const dataDir = join(sb.dir, "data");
  const password = ["--password-file", sb.repository.passwordFile];
  const repo = ["-r", sb.repository.path, ...password];
  const sums = async (dir: string): Promise<Sums> => {
    const { stdout } = await run("sh", ["-c", `cd "${dir}" && find . -type f | sort | xargs -r sha256sum`], { maxBuffer: 64 << 20 });
    return parseSums(stdout);
  };
  const runningPod = (namespace: string, selector: string) =>
    waitFor(`a running pod ${selector} in ${namespace}`, async () => {
      const pods = await kube.list("v1", "Pod", namespace, selector);
      return pods.find((p) => (p["status"] as { phase?: string }).phase === "Running" && !p.metadata.deletionTimestamp);
    });
  const waitForRun = (profile: string, since: Date, timeoutMs: number) =>
    waitFor(
      `a finished run of profile ${profile}`,
      async () => {
        const runs = await kube.list<BackupRun & Obj>(RUN_API_VERSION, RUN_KIND, "backup", `rafdir.io/profile=${profile}`);
        const fresh = runs.filter((r) => new Date(r.metadata.creationTimestamp ?? 0).getTime() >= since.getTime() - 1500);
        const newest = fresh.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).at(-1);
        if (!newest) return undefined;
        const status = statusOf(newest);
        return status.phase === "Succeeded" || status.phase === "Failed" ? { ...newest, status } : undefined;
      },
      timeoutMs,
    );
  const repoArgs = (repoPath?: string): string[] => (repoPath ? ["-r", repoPath, ...password] : repo);

  const self: Pipeline = {
    sb,
    kube,
    dataDir,
    async apply(yaml) {
      const r = await sb.kubectl(["apply", "-f", "-"], yaml);
      if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
    },
    async setProfiles(profiles, extra = {}) {
      await kube.patch({ apiVersion: "v1", kind: "ConfigMap", name: "rafdir-config", namespace: "backup" }, { data: { profiles: stringify(profiles), ...extra } });
    },
    async request(data) {
      const event = newEvent(EventTypes.backupRequested, "/rafdir/test", data);
      await emitter.emit(event);
      return event.id;
    },
    async finished(profile, since, timeoutMs = 50_000) {
      const done = await waitForRun(profile, since, timeoutMs).catch(async (err: unknown) => {
        const runs = await self.runs(profile).catch(() => []);
        const last = runs.at(-1);
        const state = last ? `${last.metadata.name}: ${JSON.stringify(last.status)}` : "no run at all";
        const logs = ["plan", "snapshot", "run-restic", "cleanup"].map((f) => `--- ${f}\n${self.functionLog(f, 15)}`).join("\n");
        throw new Error(`${err instanceof Error ? err.message : String(err)}\nnewest run ${state}\n${logs}`);
      });
      // cleanup records the final phase, then replies with io.rafdir.backup.succeeded/.failed: give the broker a
      // moment to take it, so callers can assert on the event log (a missing event is still theirs to report)
      const outcome = done.status.phase === "Succeeded" ? "io.rafdir.backup.succeeded" : "io.rafdir.backup.failed";
      await waitFor(`${outcome} for ${done.metadata.name}`, () => self.events().some((e) => e.kind === "event" && e.rafdirrun === done.metadata.name && e.type === outcome), 5000).catch(() => undefined);
      return done;
    },
    async podChecksums(namespace, selector, dir, container) {
      const pod = await runningPod(namespace, selector);
      const r = await kube.exec(namespace, pod.metadata.name, container, ["sh", "-c", `cd ${dir} && find . -type f | sort | xargs -r sha256sum`]);
      if (r.exitCode !== 0) throw new Error(`checksums failed: ${r.stderr}`);
      return r.stdout;
    },
    async restoredChecksums(host, tag, path) {
      const target = mkdtempSync(join(tmpdir(), "rafdir-restore-"));
      try {
        await run(RESTIC, [...repo, "restore", "latest", "--host", host, "--tag", tag, "--target", target]);
        const { stdout } = await run("sh", ["-c", `cd "${join(target, path)}" && find . -type f | sort | xargs -r sha256sum`]);
        return stdout;
      } finally {
        rmSync(target, { recursive: true, force: true });
      }
    },
    async restic(args) {
      const { stdout } = await run(RESTIC, [...repo, ...args]);
      return stdout;
    },
    async resticAt(repoPath, args) {
      const { stdout } = await run(RESTIC, [...repoArgs(repoPath), ...args], { maxBuffer: 64 << 20 });
      return stdout;
    },
    async restore(host, tag, repoPath) {
      const target = mkdtempSync(join(tmpdir(), "rafdir-restore-"));
      await run(RESTIC, [...repoArgs(repoPath), "restore", "latest", "--host", host, "--tag", tag, "--target", target]);
      return target;
    },
    hostSums: sums,
    async podSums(namespace, selector, dir, container) {
      return parseSums(await self.podChecksums(namespace, selector, dir, container));
    },
    async dump(host, tag, file, repoPath) {
      const { stdout } = await run(RESTIC, [...repoArgs(repoPath), "dump", "latest", file, "--host", host, "--tag", tag], { encoding: "buffer", maxBuffer: 64 << 20 });
      return stdout;
    },
    async snapshots(host, repoPath) {
      const { stdout } = await run(RESTIC, [...repoArgs(repoPath), "snapshots", "--json", "--host", host]);
      return JSON.parse(stdout) as Awaited<ReturnType<Pipeline["snapshots"]>>;
    },
    async exec(namespace, selector, command, container) {
      const pod = await runningPod(namespace, selector);
      return kube.exec(namespace, pod.metadata.name, container, command);
    },
    async runs(profile) {
      const runs = await kube.list<BackupRun & Obj>(RUN_API_VERSION, RUN_KIND, "backup", `rafdir.io/profile=${profile}`);
      return runs.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).map((r) => ({ ...r, status: statusOf(r) }));
    },
    async configEvents() {
      const events = (await kube.list("v1", "Event", "backup")) as unknown as KubeEvent[];
      return events.filter((e) => e.involvedObject?.kind === "ConfigMap" && e.involvedObject.name === "rafdir-config");
    },
    async addRepository(name, exportPath, mountPath) {
      const path = join(dataDir, "nfs", "sandbox", exportPath);
      if (!existsSync(join(path, "config"))) {
        mkdirSync(path, { recursive: true });
        await run(RESTIC, ["init", "-r", path, ...password]);
      }
      const cm = await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "rafdir-config", namespace: "backup" });
      const data = (cm?.["data"] ?? {}) as Record<string, string>;
      const settings = (parseYaml(data["settings"] ?? "{}") ?? {}) as { backupPod?: { volumes?: Array<{ name: string }>; volumeMounts?: Array<{ name: string }> } };
      const pod = (settings.backupPod ??= {});
      const volume = `repo-${name}`;
      pod.volumes = [...(pod.volumes ?? []).filter((v) => v.name !== volume), { name: volume, nfs: { server: "sandbox", path: exportPath } } as { name: string }];
      pod.volumeMounts = [...(pod.volumeMounts ?? []).filter((m) => m.name !== volume), { name: volume, mountPath } as { name: string }];
      const repositories = (parseYaml(data["repositories"] ?? "{}") ?? {}) as Record<string, unknown>;
      repositories[name] = { inherit: "default_configuration", repository: mountPath };
      await kube.patch({ apiVersion: "v1", kind: "ConfigMap", name: "rafdir-config", namespace: "backup" }, { data: { settings: stringify(settings), repositories: stringify(repositories) } });
      return path;
    },
    async setRepositories(repositories) {
      await kube.patch({ apiVersion: "v1", kind: "ConfigMap", name: "rafdir-config", namespace: "backup" }, { data: { repositories: stringify(repositories) } });
    },
    functionLog(name, lines = 40) {
      const path = [join(sb.dir, "functions", `${name}.log`), join(sb.dir, "functions", `rafdir-${name}.log`)].find((f) => existsSync(f));
      if (!path) return `(no log for ${name} in ${join(sb.dir, "functions")})`;
      return readFileSync(path, "utf8").split("\n").filter(Boolean).slice(-lines).join("\n");
    },
    async leftovers() {
      const kinds: Array<[string, string]> = [
        ["v1", "Pod"],
        ["v1", "ConfigMap"],
        ["v1", "PersistentVolumeClaim"],
        ["v1", "PersistentVolume"],
        ["snapshot.storage.k8s.io/v1", "VolumeSnapshot"],
        ["snapshot.storage.k8s.io/v1", "VolumeSnapshotContent"],
      ];
      const out: string[] = [];
      for (const [apiVersion, kind] of kinds) {
        for (const o of await kube.list(apiVersion, kind, undefined, "app.kubernetes.io/managed-by=rafdir")) {
          out.push(`${kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
        }
      }
      // PVs of rafdir's PVCs carry no label: find them by claim
      for (const pv of await kube.list("v1", "PersistentVolume")) {
        const claim = (pv["spec"] as { claimRef?: { namespace?: string; name?: string } }).claimRef;
        if (claim?.name?.startsWith("rafdir-")) out.push(`PersistentVolume /${pv.metadata.name} (claim ${claim.name})`);
      }
      return out;
    },
    events() {
      const path = sb.eventing?.eventLogPath;
      if (!path) return [];
      return readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LoggedEvent);
    },
    async restoreAndWait(data, timeoutMs = 60_000) {
      const event = newEvent(EventTypes.restoreRequested, "/rafdir/test", data);
      await emitter.emit(event);
      const selector = `${REQUEST_LABEL}=${requestHash(event.source, event.id)}`;
      const done = await waitFor(
        `the RestoreRun of request ${event.id} to end`,
        async () => {
          const [r] = await kube.list<RestoreRun & Obj>(RUN_API_VERSION, RESTORE_KIND, "backup", selector);
          const status = r && parseRestoreStatus(r);
          return r && status && (status.phase === "Succeeded" || status.phase === "Failed") && status.tornDown ? { ...r, status } : undefined;
        },
        timeoutMs,
      ).catch((err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- restore\n${self.functionLog("restore", 30)}`);
      });
      const outcome = done.status.phase === "Succeeded" ? "io.rafdir.restore.succeeded" : "io.rafdir.restore.failed";
      await waitFor(`${outcome} for ${done.metadata.name}`, () => self.events().some((e) => e.kind === "event" && e.rafdirrun === done.metadata.name && e.type === outcome), 5000).catch(() => undefined);
      return done;
    },
    pvcSums: (namespace, pvc) => pvcChecksums(kube, namespace, pvc),
    async emit(event) {
      await emitter.emit(event);
    },
    close: () => sb.close(),
  };
  return self;
}
