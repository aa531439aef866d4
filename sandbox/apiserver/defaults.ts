// Defaults the real API server fills in on create (a small, explicit subset: what controllers, clients and kubectl rely on).
import type { KObject } from "./types.ts";

type Dict = Record<string, unknown>;

function dict(value: unknown): Dict {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Dict) : {};
}

function setDefault(target: Dict, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

function defaultContainers(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const c of list) {
    const container = dict(c);
    setDefault(container, "terminationMessagePath", "/dev/termination-log");
    setDefault(container, "terminationMessagePolicy", "File");
    setDefault(container, "imagePullPolicy", "IfNotPresent");
  }
}

export function defaultPodSpec(spec: Dict, restartPolicy: string | undefined = "Always"): void {
  if (restartPolicy) setDefault(spec, "restartPolicy", restartPolicy);
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "schedulerName", "default-scheduler");
  setDefault(spec, "securityContext", {});
  defaultContainers(spec["containers"]);
  defaultContainers(spec["initContainers"]);
}

/** Mutates `obj` (a fresh copy) with create-time defaults for its kind. */
export function applyCreateDefaults(obj: KObject, defaultStorageClass: () => string | undefined): void {
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "";
  const spec = dict(obj["spec"]);
  switch (`${group}/${obj.kind}`) {
    case "/Namespace":
      obj["spec"] = { finalizers: ["kubernetes"], ...spec };
      obj["status"] = { phase: "Active" };
      break;
    case "/Pod":
      defaultPodSpec(spec);
      obj["spec"] = spec;
      obj["status"] = { phase: "Pending", qosClass: "BestEffort" };
      break;
    case "/PersistentVolumeClaim":
      setDefault(spec, "volumeMode", "Filesystem");
      if (spec["storageClassName"] === undefined) {
        const sc = defaultStorageClass();
        if (sc) spec["storageClassName"] = sc;
      }
      obj["spec"] = spec;
      obj["status"] = { phase: "Pending" };
      break;
    case "/PersistentVolume":
      setDefault(spec, "persistentVolumeReclaimPolicy", "Retain");
      setDefault(spec, "volumeMode", "Filesystem");
      obj["spec"] = spec;
      obj["status"] = { phase: "Pending" };
      break;
    case "/Secret": {
      setDefault(obj, "type", "Opaque");
      const stringData = dict(obj["stringData"]);
      if (Object.keys(stringData).length > 0) {
        const data = dict(obj["data"]);
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
        obj["data"] = data;
      }
      delete obj["stringData"];
      break;
    }
    case "apps/Deployment":
      setDefault(spec, "replicas", 1);
      setDefault(spec, "revisionHistoryLimit", 10);
      setDefault(spec, "progressDeadlineSeconds", 600);
      setDefault(spec, "strategy", { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
      defaultPodSpec(dict(dict(spec["template"])["spec"]));
      obj["spec"] = spec;
      obj["status"] = {};
      break;
    case "apps/StatefulSet":
    case "apps/ReplicaSet":
      setDefault(spec, "replicas", 1);
      if (obj.kind === "StatefulSet") {
        setDefault(spec, "podManagementPolicy", "OrderedReady");
        setDefault(spec, "revisionHistoryLimit", 10);
        setDefault(spec, "updateStrategy", { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
      }
      defaultPodSpec(dict(dict(spec["template"])["spec"]));
      obj["spec"] = spec;
      obj["status"] = { replicas: 0 };
      break;
    case "batch/Job":
      setDefault(spec, "backoffLimit", 6);
      setDefault(spec, "completions", 1);
      setDefault(spec, "parallelism", 1);
      defaultPodSpec(dict(dict(spec["template"])["spec"]), undefined); // a Job's pods must say OnFailure or Never
      obj["spec"] = spec;
      obj["status"] = {};
      break;
    case "storage.k8s.io/StorageClass":
      setDefault(obj, "reclaimPolicy", "Delete");
      setDefault(obj, "volumeBindingMode", "Immediate");
      break;
    default:
      break;
  }
}
