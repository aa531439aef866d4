// rafdir-runner as the entry point of a backup pod (image ghcr.io/rafdir/rafdir) in the sandbox, wired the way the
// run-restic function is meant to: the sandbox's rafdir-config (base profiles.yaml + repositories), a per-run
// ConfigMap with job.json and the generated resticprofile.yaml at /etc/rafdir, the repository password from Secret
// `rafdir`, the result in the pod's termination message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { testSandbox, waitFor, type TestSandbox } from "../test/support/sandbox.ts";
import { dumpArgv, restic } from "../shared/restic/argv.ts";
import { buildResticprofileConfig } from "../shared/restic/resticprofile-config.ts";
import { dbPodYaml, dumpBytes, sha256 } from "./fixture.test-util.ts";
import type { RunnerJob } from "./job.ts";
import { RunnerResult } from "./result.ts";

const APP = dbPodYaml();

const runnerPod = (configMap: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${configMap}, namespace: backup}
spec:
  restartPolicy: Never
  containers:
  - name: runner
    image: ghcr.io/rafdir/rafdir:0.1.0
    command: ["rafdir-runner"]
    env:
    - name: RESTIC_PASSWORD
      valueFrom: {secretKeyRef: {name: rafdir, key: restic-repo-password}}
    - {name: RESTIC_CACHE_DIR, value: /tmp/restic-cache}
    volumeMounts:
    - {name: run, mountPath: /etc/rafdir}
    - {name: restic-repo, mountPath: /mnt/restic-repo}
  volumes:
  - {name: run, configMap: {name: ${configMap}}}
  - {name: restic-repo, nfs: {server: sandbox, path: /restic-repo}}
`;

describe("rafdir-runner in a backup pod", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await testSandbox();
    expect((await sb.kubectl(["apply", "-f", "-"], APP)).code).toBe(0);
    await waitFor("the dump file", async () => (await sb.kubectl(["-n", "app", "exec", "db", "--", "sh", "-c", "test -f /work/ready"])).code === 0, 60_000);
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("streams a dump from the app pod into the sandbox repository and reports it in the termination message", async () => {
    const config = JSON.parse((await sb.kubectl(["-n", "backup", "get", "configmap", "rafdir-config", "-o", "json"])).stdout) as { data: Record<string, string> };
    const cfg = buildResticprofileConfig(parse(config.data["profiles.yaml"] ?? ""), parse(config.data["repositories"] ?? "") as Record<string, unknown>, {
      profile: "db",
      host: "db.example.com",
      stdin: { filename: "db.dump" },
    });
    const job: RunnerJob = {
      run: "pod-run-1",
      profile: "db",
      host: "db.example.com",
      resticprofileConfigPath: "/etc/rafdir/resticprofile.yaml",
      profiles: cfg.profiles,
      stdin: { namespace: "app", pod: "db", container: "db", command: "cat /work/dump.bin", filename: "db.dump" },
    };
    const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "rafdir-run-pod-run-1", namespace: "backup" }, data: { "job.json": JSON.stringify(job), "resticprofile.yaml": cfg.yaml } };
    expect((await sb.kubectl(["apply", "-f", "-"], JSON.stringify(configMap))).code).toBe(0);
    expect((await sb.kubectl(["apply", "-f", "-"], runnerPod("rafdir-run-pod-run-1"))).code).toBe(0);

    const phase = await waitFor(
      "the backup pod to finish",
      async () => {
        const p = (await sb.kubectl(["-n", "backup", "get", "pod", "rafdir-run-pod-run-1", "-o", "jsonpath={.status.phase}"])).stdout;
        return p === "Succeeded" || p === "Failed" ? p : undefined;
      },
      90_000,
    );
    const logs = (await sb.kubectl(["-n", "backup", "logs", "rafdir-run-pod-run-1"])).stdout;
    expect(phase, logs).toBe("Succeeded");
    const message = (await sb.kubectl(["-n", "backup", "get", "pod", "rafdir-run-pod-run-1", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.message}"])).stdout;
    const result = RunnerResult.parse(JSON.parse(message));
    expect(result).toMatchObject({ run: "pod-run-1", profile: "db", ok: true, stdin: { bytes: 500_000, exitCode: 0 } });
    const snapshotId = result.repositories[0]?.snapshotId;
    expect(snapshotId).toMatch(/^[0-9a-f]{64}$/);

    const want = (await sb.kubectl(["-n", "app", "exec", "db", "--", "sha256sum", "/work/dump.bin"])).stdout.split(" ")[0];
    const out = await dumpBytes(restic(dumpArgv({ snapshot: snapshotId, path: "/db.dump", host: "db.example.com", tag: "db" }), { repo: sb.repository.path, passwordFile: sb.repository.passwordFile }), { PATH: process.env["PATH"] ?? "", RESTIC_CACHE_DIR: `${sb.dir}/restic-cache` });
    expect(sha256(out.bytes)).toBe(want);

    const password = (await sb.kubectl(["-n", "backup", "get", "secret", "rafdir", "-o", "jsonpath={.data.restic-repo-password}"])).stdout;
    expect(logs).toContain('"msg":"result written"');
    expect(logs).not.toContain(Buffer.from(password, "base64").toString());
  });
});
