// The rafdir image in the sandbox: a pod runs the pinned restic from .tools/bin, with the repository password
// from a Secret, backs up a volume at its mount path and restores it; checksums match.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testSandbox, waitFor, type TestSandbox } from "../support/sandbox.ts";

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata: {name: backup}
---
apiVersion: v1
kind: Secret
metadata: {name: repo, namespace: backup}
stringData: {password: "correct horse battery staple"}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: repo, namespace: backup}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: backup}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: roundtrip, namespace: backup}
spec:
  restartPolicy: Never
  containers:
  - name: restic
    image: ghcr.io/rafdir/rafdir:0.1.0
    env:
    - name: RESTIC_PASSWORD
      valueFrom: {secretKeyRef: {name: repo, key: password}}
    - {name: RESTIC_REPOSITORY, value: /repo}
    - {name: RESTIC_CACHE_DIR, value: /tmp/restic-cache}
    command:
    - sh
    - -c
    - |
      set -e
      mkdir -p /var/lib/app/nested && head -c 200000 /dev/urandom > /var/lib/app/nested/blob && echo hello > /var/lib/app/hello.txt
      (cd /var/lib/app && find . -type f | sort | xargs sha256sum) > /tmp/before
      restic init --quiet
      restic backup --quiet --host sandbox --tag roundtrip /var/lib/app
      restic restore latest --target /tmp/restore --host sandbox
      (cd /tmp/restore/var/lib/app && find . -type f | sort | xargs sha256sum) > /tmp/after
      cmp /tmp/before /tmp/after
      restic version | cut -d' ' -f1-2 > /dev/termination-log
    volumeMounts:
    - {name: repo, mountPath: /repo}
    - {name: data, mountPath: /var/lib/app}
  volumes:
  - {name: repo, persistentVolumeClaim: {claimName: repo}}
  - {name: data, persistentVolumeClaim: {claimName: data}}
`;

describe("restic inside a sandbox pod", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await testSandbox();
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("backs up a mounted volume into a repository and restores identical bytes", async () => {
    expect((await sb.kubectl(["apply", "-f", "-"], MANIFESTS)).code).toBe(0);
    const phase = await waitFor(
      "the pod to finish",
      async () => {
        const p = (await sb.kubectl(["-n", "backup", "get", "pod", "roundtrip", "-o", "jsonpath={.status.phase}"])).stdout;
        return p === "Succeeded" || p === "Failed" ? p : undefined;
      },
      60_000,
    );
    const logs = await sb.kubectl(["-n", "backup", "logs", "roundtrip"]);
    expect(phase, logs.stdout).toBe("Succeeded");
    const message = await sb.kubectl(["-n", "backup", "get", "pod", "roundtrip", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.message}"]);
    expect(message.stdout.trim()).toBe("restic 0.19.1");
    expect(logs.stdout).not.toContain("correct horse");
  });
});
