// sha256 of every file on a PVC, read the way a user would check a restore: a short-lived pod in the PVC's namespace
// mounts it read-only and reports `sha256sum` lines in its termination message (≤ 4 KiB: a few dozen files).
import { randomBytes } from "node:crypto";
import type { Kube, Obj } from "../shared/kube/port.ts";

interface PodStatus {
  phase?: string;
  containerStatuses?: Array<{ state?: { terminated?: { exitCode?: number; message?: string } } }>;
}

/** `./path` → sha256, without lost+found. */
export async function pvcChecksums(kube: Kube, namespace: string, pvc: string, timeoutMs = 60_000): Promise<Record<string, string>> {
  const name = `rafdir-sums-${randomBytes(3).toString("hex")}`;
  const script = "cd /data && find . -type f ! -path './lost+found/*' | sort | xargs -r sha256sum > /dev/termination-log";
  await kube.ensure({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      containers: [{ name: "sums", image: "busybox", command: ["sh", "-c", script], volumeMounts: [{ name: "data", mountPath: "/data", readOnly: true }] }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: pvc, readOnly: true } }],
    },
  } as Obj);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await kube.get({ apiVersion: "v1", kind: "Pod", namespace, name }))?.["status"] as PodStatus | undefined;
      const terminated = status?.containerStatuses?.[0]?.state?.terminated;
      if (status?.phase === "Succeeded" && terminated) return parseSums(terminated.message ?? "");
      if (status?.phase === "Failed") throw new Error(`checksum pod ${namespace}/${name} failed (exit ${terminated?.exitCode ?? "?"})`);
      if (Date.now() > deadline) throw new Error(`checksum pod ${namespace}/${name} did not finish in ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await kube.remove({ apiVersion: "v1", kind: "Pod", namespace, name });
  }
}

/** `sha256sum` output → path → digest. */
export function parseSums(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]{64})\s+\*?(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) out[m[2]] = m[1];
  }
  return out;
}
