// Object builders shared by the workload and garbage-collector tests.
import type { KObject, OwnerReference } from "../apiserver/types.ts";

export interface PodOpts {
  phase?: string;
  ready?: boolean;
  readySince?: string;
  node?: string;
  deleting?: boolean;
  created?: string;
  labels?: Record<string, string>;
  owners?: OwnerReference[];
}

export function pod(name: string, opts: PodOpts = {}): KObject {
  const conditions = opts.ready === undefined ? [] : [{ type: "Ready", status: opts.ready ? "True" : "False", lastTransitionTime: opts.readySince ?? "2024-01-01T00:00:00Z" }];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      creationTimestamp: opts.created ?? "2024-01-01T00:00:00Z",
      ...(opts.labels ? { labels: opts.labels } : {}),
      ...(opts.owners ? { ownerReferences: opts.owners } : {}),
      ...(opts.deleting ? { deletionTimestamp: "2024-01-01T00:10:00Z" } : {}),
    },
    spec: { containers: [{ name: "c", image: "busybox" }], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: { phase: opts.phase ?? "Pending", conditions },
  };
}

export function running(name: string, opts: PodOpts = {}): KObject {
  return pod(name, { phase: "Running", ready: true, node: "node-1", ...opts });
}
