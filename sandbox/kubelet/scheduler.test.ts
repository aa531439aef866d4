import { describe, expect, it } from "vitest";
import type { KObject } from "../apiserver/types.ts";
import { decideNode } from "./scheduler.ts";
import type { PodSpec } from "./pod-types.ts";

const pvc = (phase: string): KObject => ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, status: { phase } });
const spec: PodSpec = { containers: [{ name: "c", image: "busybox" }] };
const nodes = ["n1", "n2"];

describe("decideNode", () => {
  it.each([
    ["no volumes", spec, [], { kind: "bind", node: "n1" }],
    ["a nodeSelector", { ...spec, nodeSelector: { "kubernetes.io/hostname": "n2" } }, [], { kind: "bind", node: "n2" }],
    ["a nodeSelector naming no node", { ...spec, nodeSelector: { "kubernetes.io/hostname": "n9" } }, [], { kind: "unschedulable" }],
    ["a missing claim", spec, [{ name: "data", wffc: false }], { kind: "unschedulable", message: 'persistentvolumeclaim "data" not found' }],
    ["a bound claim pinned to n2", spec, [{ name: "data", pvc: pvc("Bound"), wffc: false, pvNodes: ["n2"] }], { kind: "bind", node: "n2" }],
    ["an unbound immediate claim", spec, [{ name: "data", pvc: pvc("Pending"), wffc: false }], { kind: "wait", reason: "Unschedulable" }],
    ["an unbound WaitForFirstConsumer claim", spec, [{ name: "data", pvc: pvc("Pending"), wffc: true }], { kind: "wait", reason: "WaitingForVolumes" }],
  ])("given %s, decides %j", (_what, podSpec, claims, expected) => {
    expect(decideNode(podSpec as PodSpec, nodes, claims, "n1")).toMatchObject(expected);
  });
});
