import { describe, expect, it } from "vitest";
import { humanDuration, tableVersion, toTable, wantsTable, type CrdColumn } from "./tables.ts";
import type { KObject, ResourceInfo } from "./types.ts";

const NOW = new Date("2025-01-10T12:00:00Z");
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();
const KUBECTL_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

function info(group: string, plural: string, kind: string): ResourceInfo {
  return {
    group,
    version: "v1",
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: [],
    subresources: [],
  };
}

const PODS = info("", "pods", "Pod");

function obj(kind: string, name: string, body: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KObject {
  return { apiVersion: "v1", kind, metadata: { name, namespace: "ns", creationTimestamp: ago(300), ...meta }, ...body };
}

const running = { state: { running: { startedAt: ago(290) } }, ready: true, restartCount: 0, name: "app" };

function cells(i: ResourceInfo, o: KObject, printerColumns?: CrdColumn[]): unknown[] {
  return toTable(i, [o], { now: NOW, printerColumns }).rows[0]?.cells ?? [];
}

describe("humanDuration", () => {
  it.each([
    [0, "0s"],
    [-1500, "0s"],
    [-2000, "<invalid>"],
    [5_000, "5s"],
    [119_999, "119s"],
    [120_000, "2m"],
    [182_000, "3m2s"],
    [599_000, "9m59s"],
    [600_000, "10m"],
    [179 * 60_000, "179m"],
    [3 * 3600_000, "3h"],
    [3 * 3600_000 + 5 * 60_000, "3h5m"],
    [8 * 3600_000 + 59 * 60_000, "8h"],
    [47 * 3600_000, "47h"],
    [48 * 3600_000, "2d"],
    [49 * 3600_000, "2d1h"],
    [8 * 86400_000, "8d"],
    [729 * 86400_000, "729d"],
    [730 * 86400_000, "2y"],
    [731 * 86400_000, "2y1d"],
    [8 * 365 * 86400_000, "8y"],
  ])("given %i ms, returns %j", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe("wantsTable", () => {
  it.each([
    [KUBECTL_ACCEPT, true, "v1"],
    ["application/json;as=Table;v=v1beta1;g=meta.k8s.io", true, "v1beta1"],
    ["application/json; as=Table; g=meta.k8s.io; v=v1", true, "v1"],
    ["application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io", true, "v1"],
    ["application/json", false, undefined],
    ["", false, undefined],
    ["*/*", false, undefined],
    ["application/json;as=Table;v=v2;g=meta.k8s.io", false, undefined],
    ["application/json, application/json;as=Table;v=v1;g=meta.k8s.io", false, undefined],
    ["application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", false, undefined],
  ])("given %j, returns %s", (accept, want, version) => {
    expect(wantsTable(accept)).toBe(want);
    expect(tableVersion(accept)).toBe(version);
  });
});

describe("toTable for pods", () => {
  it("given pods, returns the real pod column definitions", () => {
    const table = toTable(PODS, [], { now: NOW });
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Ready", 0],
      ["Status", 0],
      ["Restarts", 0],
      ["Age", 0],
      ["IP", 1],
      ["Node", 1],
      ["Nominated Node", 1],
      ["Readiness Gates", 1],
    ]);
    expect(table.columnDefinitions[0]).toMatchObject({ type: "string", format: "name" });
  });

  const spec = { containers: [{ name: "app", image: "app:1" }], nodeName: "node-1" };
  it.each([
    [
      "a running pod",
      { spec, status: { phase: "Running", podIP: "10.0.0.5", containerStatuses: [running] } },
      {},
      ["1/1", "Running", "0", "5m", "10.0.0.5", "node-1", "<none>", "<none>"],
    ],
    [
      "a pod whose container is being created",
      { spec, status: { phase: "Pending", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] } },
      {},
      ["0/1", "ContainerCreating", "0", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    ["an unscheduled pod", { spec: { containers: [{ name: "app" }] }, status: { phase: "Pending" } }, {}, ["0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"]],
    [
      "a completed pod",
      { spec, status: { phase: "Succeeded", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { terminated: { reason: "Completed", exitCode: 0 } } }] } },
      {},
      ["0/1", "Completed", "0", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    [
      "a failed pod",
      { spec, status: { phase: "Failed", containerStatuses: [{ name: "app", ready: false, restartCount: 0, state: { terminated: { reason: "Error", exitCode: 1 } } }] } },
      {},
      ["0/1", "Error", "0", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    [
      "a pod killed by a signal",
      { spec, status: { phase: "Failed", containerStatuses: [{ name: "app", restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] } },
      {},
      ["0/1", "Signal:9", "0", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    [
      "a terminating pod",
      { spec, status: { phase: "Running", containerStatuses: [running] } },
      { deletionTimestamp: ago(1) },
      ["1/1", "Terminating", "0", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    [
      "a restarted pod",
      {
        spec,
        status: {
          phase: "Running",
          podIPs: [{ ip: "10.0.0.9" }],
          containerStatuses: [{ ...running, restartCount: 2, lastState: {}, lastTerminationState: { terminated: { finishedAt: ago(180) } } }],
        },
      },
      {},
      ["1/1", "Running", "2 (3m ago)", "5m", "10.0.0.9", "node-1", "<none>", "<none>"],
    ],
    [
      "a crash-looping pod",
      { spec, status: { phase: "Running", containerStatuses: [{ name: "app", ready: false, restartCount: 4, state: { waiting: { reason: "CrashLoopBackOff" } } }] } },
      {},
      ["0/1", "CrashLoopBackOff", "4", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    [
      "an initializing pod",
      {
        spec: { ...spec, initContainers: [{ name: "init" }] },
        status: { phase: "Pending", initContainerStatuses: [{ name: "init", restartCount: 0, state: { waiting: { reason: "PodInitializing" } } }] },
      },
      {},
      ["0/1", "Init:0/1", "0", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    [
      "a pod with a failed init container",
      {
        spec: { ...spec, initContainers: [{ name: "init" }] },
        status: { phase: "Pending", initContainerStatuses: [{ name: "init", restartCount: 1, state: { terminated: { reason: "Error", exitCode: 1 } } }] },
      },
      {},
      ["0/1", "Init:Error", "1", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    [
      "a pod with a running sidecar",
      {
        spec: { ...spec, initContainers: [{ name: "side", restartPolicy: "Always" }] },
        status: {
          phase: "Running",
          conditions: [{ type: "Initialized", status: "True" }],
          initContainerStatuses: [{ name: "side", started: true, ready: true, restartCount: 0, state: { running: {} } }],
          containerStatuses: [running],
        },
      },
      {},
      ["2/2", "Running", "0", "5m", "<none>", "node-1", "<none>", "<none>"],
    ],
    [
      "a pod with readiness gates",
      {
        spec: { ...spec, readinessGates: [{ conditionType: "x/ok" }, { conditionType: "y/ok" }] },
        status: { phase: "Running", conditions: [{ type: "x/ok", status: "True" }], containerStatuses: [running] },
      },
      {},
      ["1/1", "Running", "0", "5m", "<none>", "node-1", "<none>", "1/2"],
    ],
  ])("given %s, returns its cells", (_what, body, meta, want) => {
    expect(cells(PODS, obj("Pod", "p", body, meta))).toEqual(["p", ...want]);
  });

  it.each([
    ["Succeeded", [{ type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." }]],
    ["Failed", [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }]],
    ["Running", undefined],
  ])("given a %s pod, returns row conditions %j", (phase, want) => {
    expect(toTable(PODS, [obj("Pod", "p", { status: { phase } })], { now: NOW }).rows[0]?.conditions).toEqual(want);
  });
});

describe("toTable for other built-in resources", () => {
  const pvcSpec = { storageClassName: "standard", resources: { requests: { storage: "1Gi" } } };
  it.each([
    [
      "a bound PVC",
      info("", "persistentvolumeclaims", "PersistentVolumeClaim"),
      obj("PersistentVolumeClaim", "data", {
        spec: { ...pvcSpec, volumeName: "pvc-1", volumeMode: "Filesystem" },
        status: { phase: "Bound", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce", "ReadWriteOncePod"] },
      }),
      ["data", "Bound", "pvc-1", "1Gi", "RWO,RWOP", "standard", "<unset>", "5m", "Filesystem"],
    ],
    [
      "a pending PVC",
      info("", "persistentvolumeclaims", "PersistentVolumeClaim"),
      obj("PersistentVolumeClaim", "data", { spec: pvcSpec, status: { phase: "Pending" } }),
      ["data", "Pending", "", "", "", "standard", "<unset>", "5m", "<unset>"],
    ],
    [
      "a PV",
      info("", "persistentvolumes", "PersistentVolume"),
      obj("PersistentVolume", "pv-1", {
        spec: {
          capacity: { storage: "5Gi" },
          accessModes: ["ReadWriteMany", "ReadOnlyMany"],
          persistentVolumeReclaimPolicy: "Delete",
          claimRef: { namespace: "ns", name: "data" },
          storageClassName: "fast",
        },
        status: { phase: "Bound" },
      }),
      ["pv-1", "5Gi", "ROX,RWX", "Delete", "Bound", "ns/data", "fast", "<unset>", "", "5m", "<unset>"],
    ],
    [
      "a deployment",
      info("apps", "deployments", "Deployment"),
      obj("Deployment", "web", {
        spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { spec: { containers: [{ name: "app", image: "app:1" }, { name: "s", image: "s:1" }] } } },
        status: { readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
      }),
      ["web", "1/2", 2, 1, "5m", "app,s", "app:1,s:1", "app=web"],
    ],
    [
      "a statefulset without replicas",
      info("apps", "statefulsets", "StatefulSet"),
      obj("StatefulSet", "db", { spec: { template: { spec: { containers: [{ name: "db", image: "postgres" }] } } } }),
      ["db", "0/1", "5m", "db", "postgres"],
    ],
    [
      "a replicaset",
      info("apps", "replicasets", "ReplicaSet"),
      obj("ReplicaSet", "web-1", { spec: { replicas: 3, selector: {}, template: { spec: { containers: [] } } }, status: { replicas: 3, readyReplicas: 2 } }),
      ["web-1", 3, 3, 2, "5m", "", "", "<none>"],
    ],
    [
      "a complete job",
      info("batch", "jobs", "Job"),
      obj("Job", "backup", {
        spec: { completions: 1, selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u" } }, template: { spec: { containers: [{ name: "restic", image: "restic" }] } } },
        status: { succeeded: 1, startTime: ago(200), completionTime: ago(150), conditions: [{ type: "Complete", status: "True" }] },
      }),
      ["backup", "Complete", "1/1", "50s", "5m", "restic", "restic", "batch.kubernetes.io/controller-uid=u"],
    ],
    [
      "a namespace",
      info("", "namespaces", "Namespace"),
      obj("Namespace", "default", { status: { phase: "Active" } }, { creationTimestamp: ago(8 * 86400) }),
      ["default", "Active", "8d"],
    ],
    [
      "a configmap",
      info("", "configmaps", "ConfigMap"),
      obj("ConfigMap", "cfg", { data: { a: "1", b: "2" }, binaryData: { c: "AA==" } }),
      ["cfg", 3, "5m"],
    ],
    ["a secret", info("", "secrets", "Secret"), obj("Secret", "s", { type: "Opaque", data: { a: "MQ==" } }), ["s", "Opaque", 1, "5m"]],
    [
      "a default storage class",
      info("storage.k8s.io", "storageclasses", "StorageClass"),
      obj("StorageClass", "standard", { provisioner: "sandbox.rafdir.io" }, { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }),
      ["standard (default)", "sandbox.rafdir.io", "Delete", "Immediate", false, "5m"],
    ],
    [
      "a ClusterIP service",
      info("", "services", "Service"),
      obj("Service", "web", { spec: { type: "ClusterIP", clusterIP: "10.96.0.10", ports: [{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }], selector: { app: "web" } } }),
      ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,53/UDP", "5m", "app=web"],
    ],
    [
      "a pending LoadBalancer service",
      info("", "services", "Service"),
      obj("Service", "lb", { spec: { type: "LoadBalancer", clusterIPs: ["10.96.0.11"], ports: [{ port: 443, nodePort: 30443 }] } }),
      ["lb", "LoadBalancer", "10.96.0.11", "<pending>", "443:30443/TCP", "5m", "<none>"],
    ],
    [
      "a ready control-plane node",
      info("", "nodes", "Node"),
      obj(
        "Node",
        "node-1",
        {
          status: {
            conditions: [{ type: "Ready", status: "True" }],
            addresses: [{ type: "InternalIP", address: "172.18.0.2" }],
            nodeInfo: { kubeletVersion: "v1.32.0", osImage: "Debian", kernelVersion: "6.1", containerRuntimeVersion: "containerd://1.7" },
          },
        },
        { labels: { "node-role.kubernetes.io/control-plane": "" } },
      ),
      ["node-1", "Ready", "control-plane", "5m", "v1.32.0", "172.18.0.2", "<none>", "Debian", "6.1", "containerd://1.7"],
    ],
    [
      "a core event",
      info("", "events", "Event"),
      obj("Event", "p.1", {
        involvedObject: { kind: "Pod", name: "p", fieldPath: "spec.containers{app}" },
        reason: "Pulled",
        type: "Normal",
        message: " pulled \n",
        source: { component: "kubelet", host: "node-1" },
        firstTimestamp: ago(120),
        lastTimestamp: ago(60),
        count: 3,
      }),
      ["60s", "Normal", "Pulled", "pod/p", "spec.containers{app}", "kubelet, node-1", "pulled", "2m", 3, "p.1"],
    ],
    [
      "an events.k8s.io event",
      info("events.k8s.io", "events", "Event"),
      obj("Event", "p.2", { regarding: { kind: "PersistentVolumeClaim", name: "data" }, reason: "Provisioned", type: "Normal", note: "ok", eventTime: ago(30), reportingController: "rafdir" }),
      ["30s", "Normal", "Provisioned", "persistentvolumeclaim/data", "", "rafdir", "ok", "30s", 1, "p.2"],
    ],
    ["an unknown resource", info("rbac.authorization.k8s.io", "roles", "Role"), obj("Role", "r"), ["r", "5m"]],
  ])("given %s, returns its cells", (_what, i, o, want) => {
    const table = toTable(i, [o], { now: NOW });
    expect(table.rows[0]?.cells).toEqual(want);
    expect(table.columnDefinitions).toHaveLength(want.length);
  });

  it("given PVCs, returns the real PVC column names", () => {
    const names = toTable(info("", "persistentvolumeclaims", "PersistentVolumeClaim"), [], { now: NOW }).columnDefinitions.map((c) => c.name);
    expect(names).toEqual(["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"]);
  });
});

describe("toTable for custom resources", () => {
  const BACKUPS = info("rafdir.io", "backups", "Backup");
  const columns: CrdColumn[] = [
    { name: "Phase", type: "string", jsonPath: ".status.phase" },
    { name: "PVC", type: "string", jsonPath: ".spec.source.persistentVolumeClaimName", priority: 1 },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Files", type: "integer", jsonPath: ".status.files" },
    { name: "Tags", type: "string", jsonPath: ".spec.tags" },
    { name: "First Tag", type: "string", jsonPath: ".spec.tags[0]" },
    { name: "Missing", type: "string", jsonPath: ".status.nope" },
    { name: "Finished", type: "date", jsonPath: ".status.finishedAt" },
    { name: "Bad Date", type: "date", jsonPath: ".status.phase" },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ];
  const backup = obj("Backup", "b-1", {
    spec: { source: { persistentVolumeClaimName: "data" }, tags: ["a", "b"] },
    status: { phase: "Completed", files: 12.7, finishedAt: ago(45), conditions: [{ type: "Other", status: "False" }, { type: "Ready", status: "True" }] },
  });

  it("given printer columns, returns their cells", () => {
    expect(cells(BACKUPS, backup, columns)).toEqual(["b-1", "Completed", "data", "True", 12, '["a","b"]', "a", null, "45s", "<invalid>", "5m"]);
  });

  it("given printer columns, returns column definitions with defaulted descriptions", () => {
    const defs = toTable(BACKUPS, [], { now: NOW, printerColumns: columns }).columnDefinitions;
    expect(defs[0]).toMatchObject({ name: "Name", format: "name" });
    expect(defs[2]).toEqual({
      name: "PVC",
      type: "string",
      format: "",
      description: "Custom resource definition column (in JSONPath format): .spec.source.persistentVolumeClaimName",
      priority: 1,
    });
  });

  it.each([[undefined], [[]]])("given printer columns %j, returns Name and Age", (printerColumns) => {
    const table = toTable(BACKUPS, [backup], { now: NOW, printerColumns });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Age"]);
    expect(table.rows[0]?.cells).toEqual(["b-1", "5m"]);
  });
});

describe("toTable envelope", () => {
  const pod = obj("Pod", "p", { spec: { containers: [] } }, { labels: { a: "b" } });

  it.each([
    [undefined, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: pod.metadata }],
    ["Metadata" as const, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: pod.metadata }],
    ["Object" as const, pod],
    ["None" as const, undefined],
  ])("given includeObject %s, returns the matching row object", (includeObject, want) => {
    expect(toTable(PODS, [pod], { now: NOW, includeObject }).rows[0]?.object).toEqual(want);
  });

  it("given list metadata and v1beta1, returns them in the Table", () => {
    const table = toTable(PODS, [pod], { now: NOW, version: "v1beta1", listMeta: { resourceVersion: "42", continue: "tok" } });
    expect(table).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1beta1", metadata: { resourceVersion: "42", continue: "tok" } });
    expect(table.rows[0]?.object).toMatchObject({ apiVersion: "meta.k8s.io/v1beta1" });
  });

  it("given no list metadata, returns empty Table metadata", () => {
    expect(toTable(PODS, [pod], { now: NOW }).metadata).toEqual({});
  });

  it("given noHeaders, returns rows without column definitions", () => {
    const table = toTable(PODS, [pod], { now: NOW, noHeaders: true });
    expect(table.columnDefinitions).toEqual([]);
    expect(table.rows).toHaveLength(1);
  });
});
