// Where the sandbox's data plane keeps bytes, below the sandbox directory. One place, so the provisioner,
// the snapshotter and the kubelet agree.
import { join } from "node:path";

/** The provisioner / CSI driver name of the sandbox's storage. */
export const SANDBOX_DRIVER = "csi.sandbox.rafdir.io";

/** A provisioned volume's directory, by CSI volumeHandle. */
export function volumeDir(dataDir: string, volumeHandle: string): string {
  return join(dataDir, "volumes", safe(volumeHandle));
}

/** A snapshot's directory, by snapshotHandle: `data/` holds the point-in-time copy, `meta.json` its facts. */
export function snapshotDir(dataDir: string, snapshotHandle: string): string {
  return join(dataDir, "snapshots", safe(snapshotHandle));
}

/** What a node's `/` looks like to hostPath volumes. */
export function nodeRoot(dataDir: string, nodeName: string): string {
  return join(dataDir, "nodes", safe(nodeName), "root");
}

/** An NFS export `server:path`, as a local directory. */
export function nfsDir(dataDir: string, server: string, path: string): string {
  return join(dataDir, "nfs", safe(server), path);
}

/** A pod's own state: emptyDirs, projected configMaps and secrets, container state and logs. */
export function podDir(dataDir: string, podUid: string): string {
  return join(dataDir, "pods", safe(podUid));
}

function safe(part: string): string {
  if (part === "" || part.includes("/") || part === "." || part === "..") throw new Error(`unsafe path component "${part}"`);
  return part;
}
