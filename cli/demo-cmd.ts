// `rafdir demo`: the main job on the sandbox, end to end. Starts the sandbox (detached) if needed, deploys a small
// app with a PVC, configures a profile for it, asks for a backup through the broker, follows the BackupRun to its
// end, shows the snapshot with plain restic, restores it through the broker into a new PVC (rafdir restore) and
// compares the checksums a pod reads from that PVC with the app's files at backup time.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { createKube, loadKubeConfig, type Kube, type Obj } from "../shared/kube/port.ts";
import { RUN_API_VERSION, RUN_KIND, statusOf, type BackupRun } from "../shared/runs/run.ts";
import { backupCommand } from "./backup-cmd.ts";
import { parseSums, pvcChecksums } from "./pvc-checksums.ts";
import { restoreCommand } from "./restore-cmd.ts";
import { readRunInfo, sandboxUp } from "./sandbox-cmd.ts";

const NS = "demo";
const FOLDER = "/var/lib/demo";
const PROFILE = "demo";
const RESTORED = "demo-restored";

const APP: Obj[] = [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
  {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "demo-data", namespace: NS },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "demo", namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "demo" } },
      template: {
        metadata: { labels: { app: "demo" } },
        spec: {
          containers: [
            {
              name: "app",
              image: "busybox",
              command: ["sh", "-c", `mkdir -p ${FOLDER}/notes && [ -f ${FOLDER}/seed.bin ] || head -c 2000000 /dev/urandom > ${FOLDER}/seed.bin; date > ${FOLDER}/notes/started-at; exec sleep infinity`],
              volumeMounts: [{ name: "data", mountPath: FOLDER }],
            },
          ],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "demo-data" } }],
        },
      },
    },
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function configureProfile(kube: Kube): Promise<void> {
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: "rafdir-config", namespace: "backup" };
  const cm = await kube.get(ref);
  if (!cm) throw new Error("ConfigMap backup/rafdir-config is missing; is this a rafdir sandbox?");
  const profiles = { [PROFILE]: { namespace: NS, deployment: "demo", folders: [FOLDER], host: "demo.sandbox" } };
  await kube.patch(ref, { data: { profiles: stringify(profiles) } });
}

async function appChecksums(kube: Kube): Promise<string> {
  const pod = await until("the demo pod", 60_000, async () => {
    const pods = await kube.list("v1", "Pod", NS, "app=demo");
    return pods.find((p) => (p["status"] as { phase?: string } | undefined)?.phase === "Running");
  });
  const sums = await kube.exec(NS, pod.metadata.name, "app", ["sh", "-c", `cd ${FOLDER} && find . -type f | sort | xargs sha256sum`]);
  if (sums.exitCode !== 0) throw new Error(`checksums in the app failed: ${sums.stderr}`);
  return sums.stdout;
}

/** Deletes a PVC left by an earlier demo and waits until it is gone. */
async function removePvc(kube: Kube, namespace: string, name: string): Promise<void> {
  const ref = { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name };
  if (!(await kube.remove(ref))) return;
  await until(`PVC ${namespace}/${name} from an earlier demo to go`, 60_000, async () => ((await kube.get(ref)) ? undefined : true));
}

export async function demoCommand(dirArg: string): Promise<number> {
  const dir = resolve(dirArg);
  if (!readRunInfo(dir)) {
    const code = await sandboxUp(dirArg, true);
    if (code !== 0) return code;
  }
  const info = readRunInfo(dir);
  if (!info?.repository) throw new Error("the sandbox did not report its repository");
  const kube = createKube(loadKubeConfig(info.kubeconfig));

  process.stdout.write(`\n1. deploying the demo app (namespace ${NS}, a Deployment writing to PVC demo-data at ${FOLDER})\n`);
  for (const obj of APP) await kube.ensure(obj);
  const before = await appChecksums(kube);
  process.stdout.write(`   ${before.trim().split("\n").length} files in the app volume\n`);

  process.stdout.write(`2. configuring profile "${PROFILE}" in backup/rafdir-config\n`);
  await configureProfile(kube);

  process.stdout.write(`3. requesting a backup through the broker\n   `);
  const started = new Date();
  const code = await backupCommand({ dir: dirArg, profiles: [PROFILE], repositories: [], force: true });
  if (code !== 0) return code;

  process.stdout.write(`4. following the BackupRun\n`);
  let lastPhase = "";
  const run = await until("the backup run to finish", 10 * 60_000, async () => {
    const runs = (await kube.list<BackupRun & Obj>(RUN_API_VERSION, RUN_KIND, "backup", `rafdir.io/profile=${PROFILE}`)).filter(
      (r) => new Date(r.metadata.creationTimestamp ?? 0).getTime() >= started.getTime() - 2000,
    );
    const newest = runs.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)).at(-1);
    if (!newest) return undefined;
    const status = statusOf(newest);
    if (status.phase !== lastPhase) {
      lastPhase = status.phase;
      process.stdout.write(`   ${new Date().toISOString()}  ${newest.metadata.name}  ${status.phase}${status.message ? `  (${status.message})` : ""}\n`);
    }
    return status.phase === "Succeeded" || status.phase === "Failed" ? newest : undefined;
  });
  const status = statusOf(run);
  if (status.phase !== "Succeeded") {
    process.stderr.write(`backup failed: ${status.error?.message ?? status.message ?? "see rafdir events"}\n`);
    return 1;
  }

  process.stdout.write(`5. the snapshot in the repository, as plain restic sees it\n`);
  const restic = join(process.cwd(), ".tools", "bin", "restic");
  const repo = ["-r", info.repository.path, "--password-file", info.repository.passwordFile];
  const snapshots = execFileSync(restic, [...repo, "snapshots", "--host", "demo.sandbox", "--tag", PROFILE, "--latest", "1"], { encoding: "utf8" });
  process.stdout.write(snapshots.split("\n").map((l) => `   ${l}`).join("\n") + "\n");

  process.stdout.write(`6. restoring it through the broker into a new PVC ${NS}/${RESTORED} (rafdir restore)\n`);
  await removePvc(kube, NS, RESTORED);
  const restored = await restoreCommand({ dir: dirArg, profile: PROFILE, namespace: NS, pvc: RESTORED, existing: false, force: false, wait: true, timeoutMs: 10 * 60_000 });
  if (restored !== 0) return restored;

  process.stdout.write(`7. comparing checksums: the app's volume at backup time vs the restored PVC\n`);
  const after = await pvcChecksums(kube, NS, RESTORED);
  const want = parseSums(before);
  if (JSON.stringify(after) !== JSON.stringify(want)) {
    process.stderr.write(`checksums differ between the app and the restored PVC\n--- app\n${JSON.stringify(want, null, 1)}\n--- restored\n${JSON.stringify(after, null, 1)}\n`);
    return 1;
  }
  process.stdout.write(`   verified: all ${Object.keys(after).length} files restored with identical sha256\n`);
  process.stdout.write(`\ndone. kubectl --kubeconfig ${info.kubeconfig} -n backup get backupruns,restoreruns   |   rafdir events   |   rafdir sandbox down\n`);
  return 0;
}
