import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, type BackupPodSettings } from "../../shared/profiles/index.ts";
import { backupPod, onNode, podVolumes, runConfigMap, type RunIdent } from "./pod.ts";

const id: RunIdent = { run: "db-1", profile: "db", namespace: "backup", name: "rafdir-db-1" };
const settings: BackupPodSettings = {
  ...DEFAULT_SETTINGS.backupPod,
  envFromSecrets: ["s3-creds"],
  volumes: [{ name: "restic-repo", nfs: { server: "nas", path: "/repo" } }],
  volumeMounts: [{ name: "restic-repo", mountPath: "/mnt/restic-repo" }],
};
const volumes = [
  { sourcePvc: "data", sourceSnapshot: "s0", backupPvc: "rafdir-db-1-0", mounts: [{ mountPath: "/var/lib/db" }, { mountPath: "/etc/db", subPath: "conf" }] },
  { sourcePvc: "logs", sourceSnapshot: "s1", backupPvc: "rafdir-db-1-1", mounts: [{ mountPath: "/var/lib/db" }, { mountPath: "/var/log/db" }] },
];

describe("the backup pod", () => {
  it("mounts every backup PVC at the application's paths (one mount per path), the run's files and the repository", () => {
    const { volumes: vols, mounts } = podVolumes(id, { settings, volumes, direct: [], timeoutMs: 60_000 });
    expect(vols.map((v) => v.name)).toEqual(["rafdir-run", "rafdir-cache", "rafdir-data-0", "rafdir-data-1", "restic-repo"]);
    expect(mounts).toEqual([
      { name: "rafdir-run", mountPath: "/etc/rafdir", readOnly: true },
      { name: "rafdir-cache", mountPath: "/var/cache/restic" },
      { name: "rafdir-data-0", mountPath: "/var/lib/db", readOnly: true },
      { name: "rafdir-data-0", mountPath: "/etc/db", subPath: "conf", readOnly: true },
      { name: "rafdir-data-1", mountPath: "/var/log/db", readOnly: true },
      { name: "restic-repo", mountPath: "/mnt/restic-repo" },
    ]);
  });

  it("mounts NFS and hostPath sources directly, makes the dump's mount writable, and pins the pod to a hostPath's node", () => {
    const direct = [
      { kind: "nfs" as const, source: "nas:/exports/a", nfs: { server: "nas", path: "/exports/a" }, mountPath: "/srv/a" },
      { kind: "hostPath" as const, source: "/data", hostPath: "/data", mountPath: "/data" },
    ];
    const pod = backupPod(id, { settings, volumes: [], direct, node: "node-2", timeoutMs: 90_500, stdinPath: "/srv/a/db.sql" });
    const spec = pod["spec"] as { affinity?: unknown; activeDeadlineSeconds: number; volumes: unknown[]; containers: Array<{ volumeMounts: unknown[]; env: unknown[]; envFrom: unknown[]; command: string[]; securityContext: unknown }> };
    expect(spec.affinity).toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: onNode("node-2") } });
    expect(spec.activeDeadlineSeconds).toBe(91);
    expect(spec.volumes).toContainEqual({ name: "rafdir-direct-0", nfs: { server: "nas", path: "/exports/a" } });
    expect(spec.volumes).toContainEqual({ name: "rafdir-direct-1", hostPath: { path: "/data", type: "Directory" } });
    const [c] = spec.containers;
    expect(c?.volumeMounts).toContainEqual({ name: "rafdir-direct-0", mountPath: "/srv/a", readOnly: false });
    expect(c?.volumeMounts).toContainEqual({ name: "rafdir-direct-1", mountPath: "/data", readOnly: true });
    expect(c?.command).toEqual(["rafdir-runner"]);
    expect(c?.securityContext).toEqual({ runAsUser: 0, runAsGroup: 0, runAsNonRoot: false }); // reads files of every owner
    expect(c?.env).toContainEqual({ name: "RESTIC_PASSWORD", valueFrom: { secretKeyRef: { name: "rafdir", key: "restic-repo-password" } } });
    expect(c?.envFrom).toEqual([{ secretRef: { name: "s3-creds" } }]);
    expect(pod.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "rafdir", "rafdir.io/run": "db-1", "rafdir.io/profile": "db" });
  });

  it("is not pinned when no source is node-bound", () => {
    const pod = backupPod(id, { settings, volumes, direct: [], node: "node-2", timeoutMs: 1000 });
    expect((pod["spec"] as { affinity?: unknown }).affinity).toBeUndefined();
  });

  it("is pinned to the application's node by affinity (not nodeName: a WaitForFirstConsumer copy needs the scheduler) when a source volume is node-local", () => {
    const local = [{ ...volumes[0], nodeLocal: true }, volumes[1]] as typeof volumes;
    const pod = backupPod(id, { settings, volumes: local, direct: [], node: "node-2", timeoutMs: 1000 });
    const spec = pod["spec"] as { affinity?: unknown; nodeName?: string };
    expect(spec.nodeName).toBeUndefined();
    expect(spec.affinity).toEqual({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-2"] }] }] } },
    });
  });

  it("the ConfigMap holds the configuration and the job, labelled for the run", () => {
    const cm = runConfigMap(id, "version: '1'\n", { run: "db-1", profile: "db", host: "h", resticprofileConfigPath: "/etc/rafdir/resticprofile.yaml", profiles: [{ name: "db-local", repository: "local", kind: "folders" }] });
    expect(Object.keys(cm["data"] as object)).toEqual(["resticprofile.yaml", "job.json"]);
    expect(cm.metadata).toMatchObject({ name: "rafdir-db-1", namespace: "backup", labels: { "rafdir.io/run": "db-1" } });
  });
});
