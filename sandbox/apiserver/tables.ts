// Server-side printing: meta.k8s.io Table responses for `kubectl get`, with the columns and cells of
// kubernetes/pkg/printers/internalversion (always the wide set; kubectl hides priority > 0 columns)
// and CRD additionalPrinterColumns evaluated with a small JSONPath subset.

import { labelSelectorFromObject, type LabelSelectorObject } from "./selectors.ts";
import type { KObject, ResourceInfo } from "./types.ts";

/** A CRD version's additionalPrinterColumns entry. */
export interface CrdColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: "Table";
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = "None" | "Metadata" | "Object";
export type TableVersion = "v1" | "v1beta1";

export interface TableOptions {
  /** What each row carries in `object`; kubectl's default is Metadata (a PartialObjectMetadata). */
  includeObject?: IncludeObject;
  listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  /** The served CRD version's additionalPrinterColumns; undefined for built-in resources. */
  printerColumns?: CrdColumn[];
  /** The clock AGE columns are computed against. */
  now: Date;
  /** meta.k8s.io version the client asked for (see tableVersion). */
  version?: TableVersion;
  /** TableOptions.noHeaders: leave columnDefinitions empty. */
  noHeaders?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Accept header negotiation
// ---------------------------------------------------------------------------------------------

/**
 * The meta.k8s.io version of Table an Accept header asks for, or undefined when the first media
 * range the server can serve is not a Table (e.g. `application/json` first, or no Table at all).
 */
export function tableVersion(acceptHeader: string): TableVersion | undefined {
  const ranges = acceptHeader
    .split(",")
    .map((range, index) => {
      const [type = "", ...params] = range.split(";").map((p) => p.trim());
      const map = new Map<string, string>();
      for (const p of params) {
        const eq = p.indexOf("=");
        if (eq > 0) map.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"|"$/g, ""));
      }
      const q = map.has("q") ? Number(map.get("q")) : 1;
      return { type: type.toLowerCase(), params: map, q: Number.isNaN(q) ? 0 : q, index };
    })
    .filter((r) => r.type !== "" && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranges) {
    const as = r.params.get("as");
    if (as === undefined) {
      if (["*/*", "application/*", "application/json", "application/yaml", "application/vnd.kubernetes.protobuf"].includes(r.type)) {
        return undefined;
      }
      continue;
    }
    const v = r.params.get("v");
    if (as === "Table" && r.params.get("g") === "meta.k8s.io" && (v === "v1" || v === "v1beta1")) return v;
  }
  return undefined;
}

/** True when the Accept header asks for a meta.k8s.io v1 or v1beta1 Table. */
export function wantsTable(acceptHeader: string): boolean {
  return tableVersion(acceptHeader) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Durations and small accessors
// ---------------------------------------------------------------------------------------------

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const years = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const rec = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const recs = (v: unknown): Obj[] => list(v).filter(isObj);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const int = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? Math.trunc(v) : 0);
const orNone = (s: string, none = "<none>"): string => (s === "" ? none : s);

function get(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const p of path) cur = isObj(cur) ? cur[p] : undefined;
  return cur;
}

/** Milliseconds of an RFC 3339 timestamp, or undefined when absent or unparsable. */
function timeOf(ts: unknown): number | undefined {
  if (typeof ts !== "string" || ts === "") return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** translateTimestampSince: "<unknown>" for a zero time. */
function since(ts: unknown, now: Date): string {
  const t = timeOf(ts);
  return t === undefined ? "<unknown>" : humanDuration(now.getTime() - t);
}

/** labels.FormatLabels */
function formatLabels(labels: unknown): string {
  const entries = Object.entries(rec(labels)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return orNone(entries.map(([k, v]) => `${k}=${str(v)}`).join(","));
}

/** metav1.FormatLabelSelector */
function formatLabelSelector(sel: unknown): string {
  try {
    return orNone(labelSelectorFromObject(isObj(sel) ? (sel as LabelSelectorObject) : null).toString());
  } catch {
    return "<error>";
  }
}

/** helper.GetAccessModesAsString */
function accessModes(modes: unknown): string {
  const have = list(modes);
  const short: Array<[string, string]> = [
    ["ReadWriteOnce", "RWO"],
    ["ReadOnlyMany", "ROX"],
    ["ReadWriteMany", "RWX"],
    ["ReadWriteOncePod", "RWOP"],
  ];
  return short
    .filter(([mode]) => have.includes(mode))
    .map(([, s]) => s)
    .join(",");
}

/** The storage class of a PV or PVC: the beta annotation wins over spec.storageClassName. */
function storageClassOf(o: KObject): string {
  const beta = o.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"];
  return beta ?? str(get(o, "spec", "storageClassName"));
}

/** layoutContainerCells: comma-joined names and images. */
function containerCells(podSpec: unknown): [string, string] {
  const cs = recs(get(podSpec, "containers"));
  return [cs.map((c) => str(c["name"])).join(","), cs.map((c) => str(c["image"])).join(",")];
}

// ---------------------------------------------------------------------------------------------
// Column definitions
// ---------------------------------------------------------------------------------------------

const NAME_DOC =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DOC =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

function col(name: string, description: string, opts: { type?: string; priority?: number; format?: string } = {}): TableColumnDefinition {
  return { name, type: opts.type ?? "string", format: opts.format ?? "", description, priority: opts.priority ?? 0 };
}

const NAME = col("Name", NAME_DOC, { format: "name" });
const AGE = col("Age", AGE_DOC);
const wide = (name: string, description: string, type = "string"): TableColumnDefinition => col(name, description, { type, priority: 1 });
const CONTAINERS = wide("Containers", "Names of each container in the template.");
const IMAGES = wide("Images", "Images referenced by each container in the template.");

interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

interface Printer {
  columns: TableColumnDefinition[];
  row(o: KObject, now: Date, info: ResourceInfo): PrintedRow;
}

const name = (o: KObject): string => o.metadata.name ?? "";

// ---------------------------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------------------------

const POD_SUCCEEDED: TableRowCondition = { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." };
const POD_FAILED: TableRowCondition = { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." };

function hasCondition(conditions: unknown, type: string): boolean {
  return recs(conditions).some((c) => c["type"] === type && c["status"] === "True");
}

/** printPod: READY, STATUS and RESTARTS exactly as kubectl shows them. */
function printPod(o: KObject, now: Date): PrintedRow {
  const spec = rec(o["spec"]);
  const status = rec(o["status"]);
  const phase = str(status["phase"]);
  let reason = str(status["reason"]) || phase;
  for (const c of recs(status["conditions"])) {
    if (c["type"] === "PodScheduled" && c["reason"] === "SchedulingGated") reason = "SchedulingGated";
  }
  const initSpecs = recs(spec["initContainers"]);
  const restartable = new Set(initSpecs.filter((c) => c["restartPolicy"] === "Always").map((c) => str(c["name"])));
  const total = recs(spec["containers"]).length + restartable.size;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const finishedAt = (c: Obj): number => timeOf(get(c, "lastTerminationState", "terminated", "finishedAt")) ?? 0;

  let initializing = false;
  const initStatuses = recs(status["initContainerStatuses"]);
  for (const [i, c] of initStatuses.entries()) {
    restarts += int(c["restartCount"]);
    lastRestart = Math.max(lastRestart, finishedAt(c));
    const isSidecar = restartable.has(str(c["name"]));
    if (isSidecar) {
      sidecarRestarts += int(c["restartCount"]);
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(c));
    }
    const terminated = get(c, "state", "terminated");
    const waitingReason = str(get(c, "state", "waiting", "reason"));
    if (isObj(terminated) && int(terminated["exitCode"]) === 0) continue;
    if (isSidecar && c["started"] === true) {
      if (c["ready"] === true) ready++;
      continue;
    }
    if (isObj(terminated)) {
      const r = str(terminated["reason"]);
      const signal = int(terminated["signal"]);
      reason = r !== "" ? `Init:${r}` : signal !== 0 ? `Init:Signal:${signal}` : `Init:ExitCode:${int(terminated["exitCode"])}`;
    } else if (waitingReason !== "" && waitingReason !== "PodInitializing") {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(status["conditions"], "Initialized")) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    for (const c of recs(status["containerStatuses"]).reverse()) {
      restarts += int(c["restartCount"]);
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const waiting = str(get(c, "state", "waiting", "reason"));
      const terminated = get(c, "state", "terminated");
      if (waiting !== "") {
        reason = waiting;
      } else if (isObj(terminated)) {
        const r = str(terminated["reason"]);
        const signal = int(terminated["signal"]);
        reason = r !== "" ? r : signal !== 0 ? `Signal:${signal}` : `ExitCode:${int(terminated["exitCode"])}`;
      } else if (c["ready"] === true && isObj(get(c, "state", "running"))) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) reason = hasCondition(status["conditions"], "Ready") ? "Running" : "NotReady";
  }

  if (o.metadata.deletionTimestamp && status["reason"] === "NodeLost") reason = "Unknown";
  else if (o.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";

  const restartsCell = restarts !== 0 && lastRestart !== 0 ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  const podIP = str(get(recs(status["podIPs"])[0], "ip")) || str(status["podIP"]);
  const gates = recs(spec["readinessGates"]);
  const gatesTrue = gates.filter((g) => recs(status["conditions"]).find((c) => c["type"] === g["conditionType"])?.["status"] === "True").length;
  const row: PrintedRow = {
    cells: [
      name(o),
      `${ready}/${total}`,
      reason,
      restartsCell,
      since(o.metadata.creationTimestamp, now),
      orNone(podIP),
      orNone(str(spec["nodeName"])),
      orNone(str(status["nominatedNodeName"])),
      gates.length > 0 ? `${gatesTrue}/${gates.length}` : "<none>",
    ],
  };
  if (phase === "Succeeded") row.conditions = [POD_SUCCEEDED];
  if (phase === "Failed") row.conditions = [POD_FAILED];
  return row;
}

// ---------------------------------------------------------------------------------------------
// Events (core/v1 and events.k8s.io/v1 carry the same data under different names)
// ---------------------------------------------------------------------------------------------

function printEvent(o: KObject, now: Date, info: ResourceInfo): PrintedRow {
  const v1 = info.group === "events.k8s.io";
  const involved = rec(v1 ? o["regarding"] : o["involvedObject"]);
  const source = rec(v1 ? o["deprecatedSource"] : o["source"]);
  const series = o["series"];
  const first = v1 ? o["deprecatedFirstTimestamp"] : o["firstTimestamp"];
  const last = v1 ? o["deprecatedLastTimestamp"] : o["lastTimestamp"];
  const firstSeen = timeOf(first) !== undefined ? since(first, now) : since(o["eventTime"], now);
  let lastSeen = timeOf(last) !== undefined ? since(last, now) : firstSeen;
  let count = int(v1 ? o["deprecatedCount"] : o["count"]);
  if (isObj(series)) {
    lastSeen = since(series["lastObservedTime"], now);
    count = int(series["count"]);
  } else if (count === 0) {
    count = 1;
  }
  const kind = str(involved["kind"]).toLowerCase();
  const target = str(involved["name"]) !== "" ? `${kind}/${str(involved["name"])}` : kind;
  const component = str(source["component"]) || str(o["reportingController"]);
  const instance = str(source["host"]) || str(o["reportingInstance"]);
  return {
    cells: [
      lastSeen,
      str(o["type"]),
      str(o["reason"]),
      target,
      str(involved["fieldPath"]),
      instance === "" ? component : `${component}, ${instance}`,
      str(v1 ? o["note"] : o["message"]).trim(),
      firstSeen,
      count,
      name(o),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Services and nodes
// ---------------------------------------------------------------------------------------------

function serviceExternalIP(spec: Obj, status: Obj): string {
  const externalIPs = list(spec["externalIPs"]).map(str);
  switch (str(spec["type"]) || "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const ingress = recs(get(status, "loadBalancer", "ingress")).map((i) => str(i["ip"]) || str(i["hostname"]));
      const lb = [...new Set(ingress.filter((x) => x !== ""))].sort();
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(",");
      return lb.length > 0 ? lb.join(",") : "<pending>";
    }
    case "ExternalName":
      return str(spec["externalName"]);
    default:
      return "<unknown>";
  }
}

function printService(o: KObject, now: Date): PrintedRow {
  const spec = rec(o["spec"]);
  const clusterIP = str(list(spec["clusterIPs"])[0]) || str(spec["clusterIP"]);
  const ports = recs(spec["ports"]).map((p) => {
    const protocol = str(p["protocol"]) || "TCP";
    return int(p["nodePort"]) > 0 ? `${int(p["port"])}:${int(p["nodePort"])}/${protocol}` : `${int(p["port"])}/${protocol}`;
  });
  return {
    cells: [
      name(o),
      str(spec["type"]) || "ClusterIP",
      orNone(clusterIP),
      serviceExternalIP(spec, rec(o["status"])),
      orNone(ports.join(",")),
      since(o.metadata.creationTimestamp, now),
      formatLabels(spec["selector"]),
    ],
  };
}

function printNode(o: KObject, now: Date): PrintedRow {
  const status = rec(o["status"]);
  const readyCond = recs(status["conditions"]).find((c) => c["type"] === "Ready");
  const states = [readyCond === undefined ? "Unknown" : readyCond["status"] === "True" ? "Ready" : "NotReady"];
  if (get(o, "spec", "unschedulable") === true) states.push("SchedulingDisabled");
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/") && k.length > "node-role.kubernetes.io/".length) roles.add(k.slice("node-role.kubernetes.io/".length));
    else if (k === "kubernetes.io/role" && v !== "") roles.add(v);
  }
  const address = (type: string): string => str(recs(status["addresses"]).find((a) => a["type"] === type)?.["address"]) || "<none>";
  const info = rec(status["nodeInfo"]);
  return {
    cells: [
      name(o),
      states.join(","),
      orNone([...roles].sort().join(",")),
      since(o.metadata.creationTimestamp, now),
      str(info["kubeletVersion"]),
      address("InternalIP"),
      address("ExternalIP"),
      orNone(str(info["osImage"]), "<unknown>"),
      orNone(str(info["kernelVersion"]), "<unknown>"),
      orNone(str(info["containerRuntimeVersion"]), "<unknown>"),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------------------------

/** spec.replicas of apps/v1 workloads defaults to 1. */
const replicas = (o: KObject): number => {
  const r = get(o, "spec", "replicas");
  return typeof r === "number" ? Math.trunc(r) : 1;
};
const statusInt = (o: KObject, field: string): number => int(get(o, "status", field));
const templateSpec = (o: KObject): unknown => get(o, "spec", "template", "spec");

function printDeployment(o: KObject, now: Date): PrintedRow {
  let selector: string;
  try {
    selector = labelSelectorFromObject(isObj(get(o, "spec", "selector")) ? (get(o, "spec", "selector") as LabelSelectorObject) : null).toString();
  } catch {
    selector = "<invalid>";
  }
  return {
    cells: [
      name(o),
      `${statusInt(o, "readyReplicas")}/${replicas(o)}`,
      statusInt(o, "updatedReplicas"),
      statusInt(o, "availableReplicas"),
      since(o.metadata.creationTimestamp, now),
      ...containerCells(templateSpec(o)),
      selector,
    ],
  };
}

function jobCondition(o: KObject, type: string): boolean {
  const c = recs(get(o, "status", "conditions")).find((x) => x["type"] === type);
  return c?.["status"] === "True";
}

function printJob(o: KObject, now: Date): PrintedRow {
  const spec = rec(o["spec"]);
  const succeeded = statusInt(o, "succeeded");
  const parallelism = typeof spec["parallelism"] === "number" ? int(spec["parallelism"]) : 0;
  const completions =
    typeof spec["completions"] === "number"
      ? `${succeeded}/${int(spec["completions"])}`
      : parallelism > 1
        ? `${succeeded}/1 of ${parallelism}`
        : `${succeeded}/1`;
  const start = timeOf(get(o, "status", "startTime"));
  const end = timeOf(get(o, "status", "completionTime"));
  const duration = start === undefined ? "" : humanDuration((end ?? now.getTime()) - start);
  const status = jobCondition(o, "Complete")
    ? "Complete"
    : jobCondition(o, "Failed")
      ? "Failed"
      : o.metadata.deletionTimestamp
        ? "Terminating"
        : jobCondition(o, "Suspended")
          ? "Suspended"
          : jobCondition(o, "FailureTarget")
            ? "FailureTarget"
            : "Running";
  return {
    cells: [
      name(o),
      status,
      completions,
      duration,
      since(o.metadata.creationTimestamp, now),
      ...containerCells(templateSpec(o)),
      formatLabelSelector(spec["selector"]),
    ],
  };
}

function printCronJob(o: KObject, now: Date): PrintedRow {
  const spec = rec(o["spec"]);
  const suspend = spec["suspend"];
  const last = get(o, "status", "lastScheduleTime");
  return {
    cells: [
      name(o),
      str(spec["schedule"]),
      orNone(str(spec["timeZone"])),
      typeof suspend === "boolean" ? (suspend ? "True" : "False") : "<unset>",
      list(get(o, "status", "active")).length,
      timeOf(last) === undefined ? "<none>" : since(last, now),
      since(o.metadata.creationTimestamp, now),
      ...containerCells(get(spec, "jobTemplate", "spec", "template", "spec")),
      formatLabelSelector(get(spec, "jobTemplate", "spec", "selector")),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The printers
// ---------------------------------------------------------------------------------------------

const PRINTERS: Readonly<Record<string, Printer>> = {
  "/pods": {
    columns: [
      NAME,
      col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "The aggregate status of the containers in this pod."),
      col("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
      AGE,
      wide("IP", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
      wide("Node", "NodeName indicates in which node this pod is scheduled."),
      wide("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node."),
      wide("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness."),
    ],
    row: printPod,
  },
  "/persistentvolumeclaims": {
    columns: [
      NAME,
      col("Status", "phase represents the current phase of PersistentVolumeClaim."),
      col("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
      col("Capacity", "capacity represents the actual resources of the underlying volume."),
      col("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has."),
      col("StorageClass", "StorageClass of the pvc"),
      col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
      AGE,
      wide("VolumeMode", "volumeMode defines what type of volume is required by the claim."),
    ],
    row: (o, now) => {
      const bound = str(get(o, "spec", "volumeName"));
      return {
        cells: [
          name(o),
          o.metadata.deletionTimestamp ? "Terminating" : str(get(o, "status", "phase")),
          bound,
          bound === "" ? "" : str(get(o, "status", "capacity", "storage")),
          bound === "" ? "" : accessModes(get(o, "status", "accessModes")),
          storageClassOf(o),
          str(get(o, "spec", "volumeAttributesClassName")) || "<unset>",
          since(o.metadata.creationTimestamp, now),
          str(get(o, "spec", "volumeMode")) || "<unset>",
        ],
      };
    },
  },
  "/persistentvolumes": {
    columns: [
      NAME,
      col("Capacity", "capacity is the description of the persistent volume's resources and capacity."),
      col("Access Modes", "accessModes contains all ways the volume can be mounted."),
      col("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."),
      col("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim."),
      col("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."),
      col("StorageClass", "StorageClass of the pv"),
      col("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
      col("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
      AGE,
      wide("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state."),
    ],
    row: (o, now) => {
      const claim = get(o, "spec", "claimRef");
      return {
        cells: [
          name(o),
          str(get(o, "spec", "capacity", "storage")),
          accessModes(get(o, "spec", "accessModes")),
          str(get(o, "spec", "persistentVolumeReclaimPolicy")),
          o.metadata.deletionTimestamp ? "Terminating" : str(get(o, "status", "phase")),
          isObj(claim) ? `${str(claim["namespace"])}/${str(claim["name"])}` : "",
          storageClassOf(o),
          str(get(o, "spec", "volumeAttributesClassName")) || "<unset>",
          str(get(o, "status", "reason")),
          since(o.metadata.creationTimestamp, now),
          str(get(o, "spec", "volumeMode")) || "<unset>",
        ],
      };
    },
  },
  "apps/deployments": {
    columns: [
      NAME,
      col("Ready", "Number of the pod with ready state"),
      col("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
      col("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
      AGE,
      CONTAINERS,
      IMAGES,
      wide("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment."),
    ],
    row: printDeployment,
  },
  "apps/statefulsets": {
    columns: [NAME, col("Ready", "Number of the pod with ready state"), AGE, CONTAINERS, IMAGES],
    row: (o, now) => ({
      cells: [name(o), `${statusInt(o, "readyReplicas")}/${replicas(o)}`, since(o.metadata.creationTimestamp, now), ...containerCells(templateSpec(o))],
    }),
  },
  "apps/replicasets": {
    columns: [
      NAME,
      col("Desired", "Replicas is the number of desired replicas.", { type: "integer" }),
      col("Current", "Replicas is the most recently observed number of replicas.", { type: "integer" }),
      col("Ready", "The number of ready replicas for this replica set.", { type: "integer" }),
      AGE,
      CONTAINERS,
      IMAGES,
      wide("Selector", "Selector is a label query over pods that should match the replica count."),
    ],
    row: (o, now) => ({
      cells: [
        name(o),
        replicas(o),
        statusInt(o, "replicas"),
        statusInt(o, "readyReplicas"),
        since(o.metadata.creationTimestamp, now),
        ...containerCells(templateSpec(o)),
        formatLabelSelector(get(o, "spec", "selector")),
      ],
    }),
  },
  "apps/daemonsets": {
    columns: [
      NAME,
      col("Desired", "The total number of nodes that should be running the daemon pod.", { type: "integer" }),
      col("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.", { type: "integer" }),
      col("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.", { type: "integer" }),
      col("Up-to-date", "The total number of nodes that are running updated daemon pod", { type: "integer" }),
      col("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.", { type: "integer" }),
      col("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node."),
      AGE,
      CONTAINERS,
      IMAGES,
      wide("Selector", "A label query over pods that are managed by the daemon set."),
    ],
    row: (o, now) => ({
      cells: [
        name(o),
        statusInt(o, "desiredNumberScheduled"),
        statusInt(o, "currentNumberScheduled"),
        statusInt(o, "numberReady"),
        statusInt(o, "updatedNumberScheduled"),
        statusInt(o, "numberAvailable"),
        formatLabels(get(templateSpec(o), "nodeSelector")),
        since(o.metadata.creationTimestamp, now),
        ...containerCells(templateSpec(o)),
        formatLabelSelector(get(o, "spec", "selector")),
      ],
    }),
  },
  "batch/jobs": {
    columns: [
      NAME,
      col("Status", "Status of the job."),
      col("Completions", "The number of pods which reached phase Succeeded."),
      col("Duration", "Time required to complete the job."),
      AGE,
      CONTAINERS,
      IMAGES,
      wide("Selector", "A label query over pods that should match the pod count."),
    ],
    row: printJob,
  },
  "batch/cronjobs": {
    columns: [
      NAME,
      col("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
      col("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
      col("Suspend", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.", { type: "boolean" }),
      col("Active", "A list of pointers to currently running jobs.", { type: "integer" }),
      col("Last Schedule", "Information when was the last time the job was successfully scheduled."),
      AGE,
      CONTAINERS,
      IMAGES,
      wide("Selector", "A label query over pods that should match the pod count."),
    ],
    row: printCronJob,
  },
  "/namespaces": {
    columns: [NAME, col("Status", "The status of the namespace"), AGE],
    row: (o, now) => ({ cells: [name(o), str(get(o, "status", "phase")), since(o.metadata.creationTimestamp, now)] }),
  },
  "/nodes": {
    columns: [
      NAME,
      col("Status", "The status of the node"),
      col("Roles", "The roles of the node"),
      AGE,
      col("Version", "Kubelet Version reported by the node."),
      wide("Internal-IP", "List of addresses reachable to the node."),
      wide("External-IP", "List of addresses reachable to the node."),
      wide("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
      wide("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
      wide("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
    ],
    row: printNode,
  },
  "/configmaps": {
    columns: [NAME, col("Data", "Data contains the configuration data."), AGE],
    row: (o, now) => ({
      cells: [name(o), Object.keys(rec(o["data"])).length + Object.keys(rec(o["binaryData"])).length, since(o.metadata.creationTimestamp, now)],
    }),
  },
  "/secrets": {
    columns: [NAME, col("Type", "Used to facilitate programmatic handling of secret data."), col("Data", "Data contains the secret data."), AGE],
    row: (o, now) => ({ cells: [name(o), str(o["type"]), Object.keys(rec(o["data"])).length, since(o.metadata.creationTimestamp, now)] }),
  },
  "/serviceaccounts": {
    columns: [NAME, col("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), AGE],
    row: (o, now) => ({ cells: [name(o), list(o["secrets"]).length, since(o.metadata.creationTimestamp, now)] }),
  },
  "/services": {
    columns: [
      NAME,
      col("Type", "type determines how the Service is exposed."),
      col("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
      col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
      col("Port(s)", "The list of ports that are exposed by this service."),
      AGE,
      wide("Selector", "Route service traffic to pods with label keys and values matching this selector."),
    ],
    row: printService,
  },
  "/events": {
    columns: [
      col("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
      col("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
      col("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      col("Object", "The object that this event is about."),
      wide("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement."),
      wide("Source", "The component reporting this event. Should be a short machine understandable string."),
      col("Message", "A human-readable description of the status of this operation."),
      wide("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
      wide("Count", "The number of times this event has occurred."),
      col("Name", NAME_DOC, { format: "name", priority: 1 }),
    ],
    row: printEvent,
  },
  "storage.k8s.io/storageclasses": {
    columns: [
      NAME,
      col("Provisioner", "provisioner indicates the type of the provisioner."),
      col("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class."),
      col("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound."),
      col("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
      AGE,
    ],
    row: (o, now) => {
      const ann = o.metadata.annotations ?? {};
      const isDefault =
        ann["storageclass.kubernetes.io/is-default-class"] === "true" || ann["storageclass.beta.kubernetes.io/is-default-class"] === "true";
      return {
        cells: [
          isDefault ? `${name(o)} (default)` : name(o),
          str(o["provisioner"]),
          str(o["reclaimPolicy"]) || "Delete",
          str(o["volumeBindingMode"]) || "Immediate",
          o["allowVolumeExpansion"] === true,
          since(o.metadata.creationTimestamp, now),
        ],
      };
    },
  },
};

const printerFor = (info: ResourceInfo): Printer | undefined =>
  PRINTERS[`${info.group === "events.k8s.io" ? "" : info.group}/${info.plural}`];

/** Name and Age, what a CRD without additionalPrinterColumns (and anything unknown) prints. */
const DEFAULT_PRINTER: Printer = {
  columns: [NAME, col("Age", AGE_DOC, { type: "date" })],
  row: (o, now) => ({ cells: [name(o), since(o.metadata.creationTimestamp, now)] }),
};

// ---------------------------------------------------------------------------------------------
// CRD printer columns and the JSONPath subset they use
// ---------------------------------------------------------------------------------------------

type Segment =
  | { kind: "field"; name: string }
  | { kind: "index"; index: number }
  | { kind: "all" }
  | { kind: "filter"; path: Segment[]; op: "==" | "!="; value: unknown };

/**
 * Parses `.a.b`, `.a[0]`, `.a[*].b`, `.a['x.y']`, `.a[?(@.type=="Ready")].status` (optionally in `{}`).
 * Returns undefined for anything else.
 */
function parseJsonPath(expr: string): Segment[] | undefined {
  let s = expr.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1).trim();
  if (s.startsWith("$")) s = s.slice(1);
  if (s !== "" && !s.startsWith(".") && !s.startsWith("[")) s = `.${s}`;
  const segs: Segment[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charAt(i);
    if (c === ".") {
      if (s.charAt(i + 1) === ".") return undefined;
      let field = "";
      i++;
      while (i < s.length && s.charAt(i) !== "." && s.charAt(i) !== "[") {
        if (s.charAt(i) === "\\" && i + 1 < s.length) i++;
        field += s.charAt(i++);
      }
      if (field === "*") segs.push({ kind: "all" });
      else if (field !== "") segs.push({ kind: "field", name: field });
    } else if (c === "[") {
      const end = s.indexOf("]", s.startsWith("[?(", i) ? s.indexOf(")", i) : i);
      if (end < 0) return undefined;
      const inner = s.slice(i + 1, end).trim();
      i = end + 1;
      const filter = /^\?\(@((?:\.[^=!]+?)+)\s*(==|!=)\s*(.+)\)$/.exec(inner);
      if (inner === "*") segs.push({ kind: "all" });
      else if (/^-?\d+$/.test(inner)) segs.push({ kind: "index", index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) segs.push({ kind: "field", name: inner.slice(1, -1) });
      else if (filter) {
        const path = parseJsonPath(filter[1] ?? "");
        const value = literal((filter[3] ?? "").trim());
        if (path === undefined || value === undefined) return undefined;
        segs.push({ kind: "filter", path, op: filter[2] === "!=" ? "!=" : "==", value });
      } else return undefined;
    } else {
      return undefined;
    }
  }
  return segs;
}

function literal(s: string): unknown {
  if (/^'.*'$|^".*"$/.test(s)) return s.slice(1, -1);
  if (s === "true" || s === "false") return s === "true";
  if (s !== "" && !Number.isNaN(Number(s))) return Number(s);
  return undefined;
}

function evaluate(values: unknown[], segs: readonly Segment[]): unknown[] {
  let cur = values;
  for (const seg of segs) {
    cur = cur.flatMap((v): unknown[] => {
      switch (seg.kind) {
        case "field":
          return isObj(v) && v[seg.name] !== undefined ? [v[seg.name]] : [];
        case "index": {
          if (!Array.isArray(v)) return [];
          const x: unknown = v[seg.index < 0 ? v.length + seg.index : seg.index];
          return x === undefined ? [] : [x];
        }
        case "all":
          return Array.isArray(v) ? v : isObj(v) ? Object.values(v) : [];
        case "filter":
          return list(v).filter((el) => {
            const [got] = evaluate([el], seg.path);
            const same = got === seg.value || (got !== undefined && typeof got !== "object" && String(got) === String(seg.value));
            return seg.op === "==" ? same : got !== undefined && !same;
          });
      }
    });
  }
  return cur;
}

/** cellForJSONValue of the CRD table convertor (strings via JSONPath text output). */
function crdCell(column: CrdColumn, segs: Segment[] | undefined, o: KObject, now: Date): unknown {
  if (segs === undefined) return null;
  const [value] = evaluate([o], segs);
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case "string":
      return typeof value === "object" ? JSON.stringify(value) : String(value);
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date": {
      if (typeof value !== "string") return null;
      const t = timeOf(value);
      return t === undefined ? "<invalid>" : humanDuration(now.getTime() - t);
    }
    default:
      return null;
  }
}

function crdPrinter(columns: CrdColumn[]): Printer {
  const paths = columns.map((c) => parseJsonPath(c.jsonPath));
  return {
    columns: [
      NAME,
      ...columns.map((c) => ({
        name: c.name,
        type: c.type,
        format: c.format ?? "",
        description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
        priority: c.priority ?? 0,
      })),
    ],
    row: (o, now) => ({ cells: [name(o), ...columns.map((c, i) => crdCell(c, paths[i], o, now))] }),
  };
}

// ---------------------------------------------------------------------------------------------
// The Table
// ---------------------------------------------------------------------------------------------

/** Builds the meta.k8s.io Table the real API server returns for `info` and these objects. */
export function toTable(info: ResourceInfo, objs: readonly KObject[], opts: TableOptions): Table {
  const version = opts.version ?? "v1";
  const printer =
    opts.printerColumns !== undefined && opts.printerColumns.length > 0
      ? crdPrinter(opts.printerColumns)
      : (printerFor(info) ?? DEFAULT_PRINTER);
  const include = opts.includeObject ?? "Metadata";
  const rows = objs.map((o): TableRow => {
    const printed = printer.row(o, opts.now, info);
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    if (include === "Object") row.object = o;
    if (include === "Metadata") row.object = { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${version}`, metadata: o.metadata };
    return row;
  });
  const metadata: Table["metadata"] = {};
  const { resourceVersion, continue: cont, remainingItemCount } = opts.listMeta ?? {};
  if (resourceVersion) metadata.resourceVersion = resourceVersion;
  if (cont) metadata.continue = cont;
  if (remainingItemCount !== undefined) metadata.remainingItemCount = remainingItemCount;
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${version}`,
    metadata,
    columnDefinitions: opts.noHeaders ? [] : printer.columns,
    rows,
  };
}
