// A sandbox with the whole system running: API server, data plane, local broker wired from knative/, and the five
// functions as real processes. Scenarios deploy an app, configure profiles, request backups through the broker,
// then prove the data by restoring the restic snapshot on this machine and comparing checksums.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { createEmitter } from "../../shared/cloudevents/emitter.ts";
import { EventTypes, newEvent, type EventData } from "../../shared/events.ts";
import { createKube, type Kube, type Obj } from "../../shared/kube/port.ts";
import { createLogger } from "../../shared/log.ts";
import { RUN_API_VERSION, RUN_KIND, statusOf, type BackupRun, type RunStatus } from "../../shared/runs/run.ts";
import { testSandbox, waitFor, type TestSandbox } from "../support/sandbox.ts";

const run = promisify(execFile);
const RESTIC = join(import.meta.dirname, "..", "..", ".tools", "bin", "restic");

export interface Pipeline {
  sb: TestSandbox;
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
  /** Every object carrying the rafdir managed-by label, as "Kind ns/name". */
  leftovers(): Promise<string[]>;
  events(): Array<{ type?: string; rafdirrun?: string; kind?: string }>;
  close(): Promise<void>;
}

export async function startPipeline(): Promise<Pipeline> {
  const sb = await testSandbox({ snapshotReadyDelayMs: 200, eventing: { startFunctions: true, schedulePings: false } });
  const kube = createKube(sb.kc);
  const brokerUrl = sb.eventing?.brokerUrl;
  if (!brokerUrl) throw new Error("the sandbox started without eventing");
  const emitter = createEmitter({ sink: brokerUrl, log: createLogger({ level: "warn" }) });
  const repo = ["-r", sb.repository.path, "--password-file", sb.repository.passwordFile];

  const self: Pipeline = {
    sb,
    kube,
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
    async finished(profile, since, timeoutMs = 120_000) {
      return waitFor(
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
    },
    async podChecksums(namespace, selector, dir, container) {
      const pod = await waitFor(`a running pod ${selector}`, async () => {
        const pods = await kube.list("v1", "Pod", namespace, selector);
        return pods.find((p) => (p["status"] as { phase?: string }).phase === "Running" && !p.metadata.deletionTimestamp);
      });
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
        if (claim?.namespace === "backup" && claim.name?.startsWith("rafdir-")) out.push(`PersistentVolume /${pv.metadata.name} (claim ${claim.name})`);
      }
      return out;
    },
    events() {
      const path = sb.eventing?.eventLogPath;
      if (!path) return [];
      return readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type?: string; rafdirrun?: string; kind?: string });
    },
    close: () => sb.close(),
  };
  return self;
}
