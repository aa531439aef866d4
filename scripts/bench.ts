// Benchmark: a full backup, an incremental backup and a restore of one volume on the sandbox, through the broker and
// the five functions, with real restic. Prints figures; asserts nothing (tests do that).
//   npm run bench -- [--mb 200] [--files 50]
import { parseArgs } from "node:util";
import { startPipeline, type Pipeline } from "../test/pipeline/harness.ts";

const { values } = parseArgs({ options: { mb: { type: "string", default: "200" }, files: { type: "string", default: "50" } } });
const MB = Number(values.mb);
const FILES = Number(values.files);
const PER_FILE_KB = Math.max(1, Math.round((MB * 1024) / FILES));

const app = `
apiVersion: v1
kind: Namespace
metadata: {name: bench}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: bench-data, namespace: bench}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: ${Math.ceil(MB / 1024) + 1}Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bench, namespace: bench}
spec:
  replicas: 1
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "[ -f /data/ready ] || { i=0; while [ $$i -lt ${FILES} ]; do head -c ${PER_FILE_KB}k /dev/urandom > /data/f$$i; i=$$((i+1)); done; touch /data/ready; }; exec sleep infinity"]
        volumeMounts: [{name: data, mountPath: /data}]
      volumes:
      - {name: data, persistentVolumeClaim: {claimName: bench-data}}
`;

const seconds = (from: number): number => (performance.now() - from) / 1000;
const rate = (s: number): string => `${(MB / s).toFixed(1)} MB/s`;

async function backup(p: Pipeline): Promise<number> {
  const since = new Date();
  const t = performance.now();
  await p.request({ profiles: ["bench"], force: true });
  const run = await p.finished("bench", since, 30 * 60_000);
  if (run.status.phase !== "Succeeded") throw new Error(`backup failed: ${JSON.stringify(run.status.error)}`);
  return seconds(t);
}

async function main(): Promise<void> {
  process.stdout.write(`rafdir benchmark: ${MB} MB in ${FILES} files of ${PER_FILE_KB} KiB (random, incompressible)\n`);
  const p = await startPipeline();
  try {
    await p.apply(app);
    await p.sb.kubectl(["-n", "bench", "rollout", "status", "deploy/bench", "--timeout=600s"]);
    for (let ready = false; !ready; ) {
      ready = (await p.exec("bench", "app=bench", ["test", "-f", "/data/ready"])).exitCode === 0;
      if (!ready) await new Promise((r) => setTimeout(r, 500));
    }
    await p.setProfiles({ bench: { namespace: "bench", deployment: "bench", folders: ["/data"], host: "bench" } });
    const source = await p.podSums("bench", "app=bench", "/data");

    const full = await backup(p);
    const incremental = await backup(p);
    const t = performance.now();
    const restored = await p.restoreAndWait({ profile: "bench", target: { namespace: "bench", pvc: `bench-restored-${Date.now()}` } }, 30 * 60_000);
    const restore = seconds(t);
    if (restored.status.phase !== "Succeeded") throw new Error(`restore failed: ${JSON.stringify(restored.status.error)}`);
    const same = JSON.stringify(await p.pvcSums("bench", restored.spec.target.pvc)) === JSON.stringify(source);

    const rows: Array<[string, number, boolean]> = [
      ["full backup (request → Succeeded)", full, true],
      ["incremental backup, unchanged data", incremental, false],
      ["restore into a new PVC (request → Succeeded)", restore, true],
    ];
    for (const [what, s, moved] of rows) process.stdout.write(`  ${what.padEnd(46)} ${s.toFixed(1).padStart(7)} s  ${(moved ? rate(s) : "").padStart(11)}\n`);
    process.stdout.write(`  restored data identical (sha256 of ${Object.keys(source).length} files): ${same ? "yes" : "NO"}\n`);
  } finally {
    await p.close();
  }
}

await main();
