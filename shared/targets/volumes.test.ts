import { describe, expect, it } from "vitest";
import { container, csiPv, hostPathVolume, mount, nfsPv, nfsVolume, NS, otherVolume, pod, pvc, pvcVolume, type PodOptions } from "./fixtures.test-util.ts";
import type { Observed, PodLike, VolumeSource } from "./types.ts";
import { mapFolders } from "./volumes.ts";

const observed: Observed = {
  pods: [],
  pvcs: [
    pvc("data", { storageClass: "standard", volumeName: "pv-data", size: "5Gi" }),
    pvc("logs", { storageClass: "fast" }),
    pvc("static-nfs", { volumeName: "pv-nfs" }),
    pvc("app-1-scratch", { storageClass: "standard" }),
    pvc("pending", { phase: "Pending" }),
    pvc("local", { storageClass: "topolvm", volumeName: "pv-local" }),
  ],
  pvs: [
    csiPv("pv-data", "csi.sandbox.rafdir.io"),
    nfsPv("pv-nfs", "nas.lan", "/export/static"),
    { ...csiPv("pv-local", "topolvm.io"), spec: { ...csiPv("pv-local", "topolvm.io").spec, nodeAffinity: { required: { nodeSelectorTerms: [] } } } },
  ],
};

const app = (containers: ReturnType<typeof container>[], volumes: PodOptions["volumes"]): PodLike => pod("app-1", { containers, volumes });

const pvcSource = (pvcName: string, mounts: VolumeSource["mounts"], extra: object = {}): VolumeSource => ({ kind: "pvc", pvc: pvcName, mounts, ...extra });
const DATA = { storageClass: "standard", volumeName: "pv-data", driver: "csi.sandbox.rafdir.io", capacity: "5Gi" };

describe("mapFolders", () => {
  it.each<[string, PodLike, string[], VolumeSource[]]>([
    ["one folder that is a mountPath", app([container("app", mount("d", "/data"))], [pvcVolume("d", "data")]), ["/data"], [
      pvcSource("data", [{ folder: "/data", mountPath: "/data" }], DATA),
    ]],
    ["a folder below a mountPath (its longest parent)", app([container("app", mount("d", "/var/lib"), mount("l", "/var/lib/app/logs"))], [pvcVolume("d", "data"), pvcVolume("l", "logs")]), ["/var/lib/app/db"], [
      pvcSource("data", [{ folder: "/var/lib/app/db", mountPath: "/var/lib" }], DATA),
    ]],
    ["nested mount paths, each folder on its own volume", app([container("app", mount("d", "/srv"), mount("l", "/srv/logs"))], [pvcVolume("d", "data"), pvcVolume("l", "logs")]), ["/srv", "/srv/logs/2025"], [
      pvcSource("data", [{ folder: "/srv", mountPath: "/srv" }], DATA),
      pvcSource("logs", [{ folder: "/srv/logs/2025", mountPath: "/srv/logs" }], { storageClass: "fast" }),
    ]],
    ["several subPath mounts of one PVC: one snapshot", app([container("app", mount("d", "/etc/app", { subPath: "config", readOnly: true }), mount("d", "/var/app", { subPath: "state" }))], [pvcVolume("d", "data")]), ["/etc/app", "/var/app"], [
      pvcSource("data", [
        { folder: "/etc/app", mountPath: "/etc/app", subPath: "config", readOnly: true },
        { folder: "/var/app", mountPath: "/var/app", subPath: "state" },
      ], DATA),
    ]],
    ["one PVC through two pod volumes: still one snapshot", app([container("app", mount("a", "/a"), mount("b", "/b"))], [pvcVolume("a", "data"), pvcVolume("b", "data")]), ["/a", "/b"], [
      pvcSource("data", [{ folder: "/a", mountPath: "/a" }, { folder: "/b", mountPath: "/b" }], DATA),
    ]],
    ["an NFS volume: backed up directly", app([container("app", mount("n", "/media"))], [nfsVolume("n", "nas.lan", "/export/media")]), ["/media/photos"], [
      { kind: "nfs", nfs: { server: "nas.lan", path: "/export/media" }, mounts: [{ folder: "/media/photos", mountPath: "/media" }] },
    ]],
    ["a PVC bound to an in-tree NFS PV: the export, directly", app([container("app", mount("s", "/static"))], [pvcVolume("s", "static-nfs")]), ["/static"], [
      { kind: "nfs", nfs: { server: "nas.lan", path: "/export/static" }, pvc: "static-nfs", mounts: [{ folder: "/static", mountPath: "/static" }] },
    ]],
    ["a PVC and an NFS volume", app([container("app", mount("d", "/data"), mount("n", "/data/media"))], [pvcVolume("d", "data"), nfsVolume("n", "nas.lan", "/m")]), ["/data", "/data/media"], [
      pvcSource("data", [{ folder: "/data", mountPath: "/data" }], DATA),
      { kind: "nfs", nfs: { server: "nas.lan", path: "/m" }, mounts: [{ folder: "/data/media", mountPath: "/data/media" }] },
    ]],
    ["a hostPath volume of the pod", app([container("app", mount("h", "/host/etc"))], [hostPathVolume("h", "/etc")]), ["/host/etc"], [
      { kind: "hostPath", hostPath: "/etc", mounts: [{ folder: "/host/etc", mountPath: "/host/etc" }] },
    ]],
    ["a generic ephemeral volume: its PVC is <pod>-<volume>", app([container("app", mount("scratch", "/scratch"))], [{ name: "scratch", ephemeral: {} }]), ["/scratch"], [
      pvcSource("app-1-scratch", [{ folder: "/scratch", mountPath: "/scratch" }], { storageClass: "standard" }),
    ]],
    ["the mount in a sidecar container", app([container("app"), container("backup-helper", mount("d", "/data/"))], [pvcVolume("d", "data")]), ["/data"], [
      pvcSource("data", [{ folder: "/data", mountPath: "/data" }], DATA),
    ]],
    ["a node-local PV (TopoLVM): marked, so the backup pod runs on the app's node", app([container("app", mount("l", "/db"))], [pvcVolume("l", "local")]), ["/db"], [
      pvcSource("local", [{ folder: "/db", mountPath: "/db" }], { storageClass: "topolvm", volumeName: "pv-local", driver: "topolvm.io", nodeLocal: true }),
    ]],
    ["the same mount in two containers", app([container("a", mount("d", "/data")), container("b", mount("d", "/data"))], [pvcVolume("d", "data")]), ["/data"], [
      pvcSource("data", [{ folder: "/data", mountPath: "/data" }], DATA),
    ]],
  ])("given %s, returns its sources", (_, p, folders, volumes) => {
    expect(mapFolders(p, folders, NS, observed)).toEqual({ ok: true, volumes, notes: [] });
  });

  it.each<[string, PodLike, string[], string, string]>([
    ["a folder not mounted anywhere", app([container("app", mount("d", "/data"))], [pvcVolume("d", "data")]), ["/data", "/srv"], "folder-not-mounted",
      `folder "/srv" is not on any volume mounted in pod "apps/app-1" (mount paths: /data)`],
    ["a folder above the mounts", app([container("app", mount("d", "/var/lib/app"))], [pvcVolume("d", "data")]), ["/var/lib"], "folder-not-mounted",
      `folder "/var/lib" is not on any volume mounted in pod "apps/app-1"`],
    ["a pod without mounts", app([container("app")], []), ["/data"], "folder-not-mounted", "(mount paths: none)"],
    ["a folder on an emptyDir", app([container("app", mount("tmp", "/cache"))], [otherVolume("tmp", "emptyDir")]), ["/cache"], "unsupported-volume",
      `folder "/cache" of pod "apps/app-1" is on volume "tmp" (emptyDir); rafdir backs up PVC, NFS and hostPath volumes`],
    ["a mount of an undefined volume", app([container("app", mount("ghost", "/data"))], []), ["/data"], "unsupported-volume", `volume "ghost", which the pod does not define`],
    ["a subPathExpr mount", app([container("app", mount("d", "/data", { subPathExpr: "$(POD_NAME)" }))], [pvcVolume("d", "data")]), ["/data"], "unsupported-volume", "subPathExpr"],
    ["two containers mounting different volumes at the folder", app([container("a", mount("d", "/data")), container("b", mount("l", "/data"))], [pvcVolume("d", "data"), pvcVolume("l", "logs")]), ["/data"],
      "ambiguous-mount", `folder "/data" is mounted from volume "d" in container "a" and from volume "l" in container "b" of pod "apps/app-1"`],
    ["a PVC that does not exist", app([container("app", mount("d", "/data"))], [pvcVolume("d", "gone")]), ["/data"], "pvc-not-found",
      `folder "/data" of pod "apps/app-1" is on PVC "gone", which was not found in namespace "apps"`],
    ["a PVC that is not bound", app([container("app", mount("d", "/data"))], [pvcVolume("d", "pending")]), ["/data"], "pvc-not-bound", `PVC "pending", which is Pending, not Bound`],
  ])("given %s, fails with %s", (_, p, folders, reason, message) => {
    const r = mapFolders(p, folders, NS, observed);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message).toContain(message);
    }
  });

  it("given a PVC mounted below a folder that is not itself a folder, notes it", () => {
    const p = app([container("app", mount("d", "/srv"), mount("l", "/srv/logs"), mount("cfg", "/srv/conf"))], [pvcVolume("d", "data"), pvcVolume("l", "logs"), otherVolume("cfg", "configMap")]);
    const r = mapFolders(p, ["/srv"], NS, observed);
    expect(r.ok && r.notes).toEqual([
      `folder "/srv" contains mount "/srv/logs" (volume "l"), which is not backed up; add it to folders to include it`,
    ]);
  });
});
