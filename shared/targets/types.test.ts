// The input shapes accept @kubernetes/client-node's model types as they are (a compile-time check, run by tsc).
import type { V1Deployment, V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1ReplicaSet, V1StatefulSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { Observed } from "./types.ts";

describe("Observed", () => {
  it("given client-node V1 objects, accepts them without conversion", () => {
    const fromClient = (o: {
      pods: V1Pod[];
      deployments: V1Deployment[];
      statefulSets: V1StatefulSet[];
      replicaSets: V1ReplicaSet[];
      pvcs: V1PersistentVolumeClaim[];
      pvs: V1PersistentVolume[];
      nodes: V1Node[];
    }): Observed => o;
    expect(fromClient({ pods: [], deployments: [], statefulSets: [], replicaSets: [], pvcs: [], pvs: [], nodes: [] }).pods).toEqual([]);
  });
});
