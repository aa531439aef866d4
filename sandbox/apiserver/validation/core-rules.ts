// Semantic rules of ConfigMap, Secret, Service and Event (pkg/apis/core/validation, events/validation).

import type { FieldCause, KObject } from "../types.ts";
import { FieldPath, fieldError } from "./field-errors.ts";
import { arr, isOneOf, rec, str } from "./json.ts";
import { DNS1123_SUBDOMAIN_MAX, isDNS1123Label, isQualifiedName, regexError, validateLabels } from "./names.ts";

export const MAX_SECRET_SIZE = 1024 * 1024;
const CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+";
const CONFIG_KEY_RE = new RegExp(`^${CONFIG_KEY_FMT}$`);

/** IsConfigMapKey: the keys of ConfigMap and Secret data. */
export function isConfigMapKey(key: string): string[] {
  const errs: string[] = [];
  if (key.length > DNS1123_SUBDOMAIN_MAX) errs.push(`must be no more than ${DNS1123_SUBDOMAIN_MAX} characters`);
  if (!CONFIG_KEY_RE.test(key)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name"));
  }
  if (key === ".") errs.push("must not be '.'");
  else if (key === "..") errs.push("must not be '..'");
  else if (key.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

function keyCauses(map: unknown, path: FieldPath): FieldCause[] {
  return Object.keys(rec(map)).flatMap((k) => isConfigMapKey(k).map((m) => fieldError.invalid(path.key(k), k, m)));
}

function base64Size(v: unknown): number {
  return typeof v === "string" ? Buffer.from(v, "base64").length : 0;
}

export function validateConfigMap(obj: KObject): FieldCause[] {
  const data = rec(obj.data);
  const binary = rec(obj.binaryData);
  const causes = [...keyCauses(data, FieldPath.root("data")), ...keyCauses(binary, FieldPath.root("binaryData"))];
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (k in binary) causes.push(fieldError.invalid(FieldPath.root("data").key(k), k, "duplicate of key present in binaryData"));
    size += typeof v === "string" ? Buffer.byteLength(v) : 0;
  }
  for (const v of Object.values(binary)) size += base64Size(v);
  if (size > MAX_SECRET_SIZE) causes.push(fieldError.tooLong("", MAX_SECRET_SIZE));
  return causes;
}

/** The keys each Secret type must carry. */
const SECRET_REQUIRED_KEYS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
};

export function validateSecret(obj: KObject): FieldCause[] {
  const data = rec(obj.data);
  const stringData = rec(obj.stringData);
  const dataPath = FieldPath.root("data");
  const causes = [...keyCauses(data, dataPath), ...keyCauses(stringData, FieldPath.root("stringData"))];
  let size = 0;
  for (const v of Object.values(data)) size += base64Size(v);
  for (const v of Object.values(stringData)) size += typeof v === "string" ? Buffer.byteLength(v) : 0;
  if (size > MAX_SECRET_SIZE) causes.push(fieldError.tooLong(dataPath, MAX_SECRET_SIZE));
  const type = str(obj.type) ?? "Opaque";
  const has = (k: string) => k in data || k in stringData;
  for (const k of SECRET_REQUIRED_KEYS[type] ?? []) if (!has(k)) causes.push(fieldError.required(dataPath.key(k)));
  if (type === "kubernetes.io/basic-auth" && !has("username") && !has("password")) {
    causes.push(fieldError.required(dataPath.key("username")), fieldError.required(dataPath.key("password")));
  }
  if (type === "kubernetes.io/service-account-token") {
    const key = "kubernetes.io/service-account.name";
    if (!str(obj.metadata.annotations?.[key])) causes.push(fieldError.required(FieldPath.root("metadata", "annotations").key(key)));
  }
  return causes;
}

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"] as const;
const PROTOCOLS = ["SCTP", "TCP", "UDP"] as const;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_RE = /^[0-9a-fA-F:]+(:[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)?$/;
const PORT_NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function validPort(n: unknown): boolean {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535;
}

export function validateService(obj: KObject): FieldCause[] {
  const path = FieldPath.root("spec");
  const spec = rec(obj.spec);
  const causes: FieldCause[] = [];
  const type = spec.type ?? "ClusterIP";
  if (!isOneOf(SERVICE_TYPES, type)) causes.push(fieldError.notSupported(path.child("type"), type, SERVICE_TYPES));
  const clusterIP = str(spec.clusterIP) ?? "";
  if (clusterIP !== "" && clusterIP !== "None" && !IPV4_RE.test(clusterIP) && !IPV6_RE.test(clusterIP)) {
    causes.push(fieldError.invalid(path.child("clusterIPs").index(0), clusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  }
  if (type === "ExternalName" && !str(spec.externalName)) causes.push(fieldError.required(path.child("externalName")));
  const ports = arr(spec.ports);
  if (ports.length === 0 && type !== "ExternalName" && clusterIP !== "None") causes.push(fieldError.required(path.child("ports")));
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const p = path.child("ports").index(i);
    const port = rec(raw);
    const name = str(port.name) ?? "";
    if (name === "" && ports.length > 1) causes.push(fieldError.required(p.child("name")));
    if (name !== "") {
      for (const m of isDNS1123Label(name)) causes.push(fieldError.invalid(p.child("name"), name, m));
      if (names.has(name)) causes.push(fieldError.duplicate(p.child("name"), name));
      names.add(name);
    }
    if (!validPort(port.port)) causes.push(fieldError.invalid(p.child("port"), port.port ?? 0, "must be between 1 and 65535, inclusive"));
    if (port.protocol !== undefined && !isOneOf(PROTOCOLS, port.protocol)) {
      causes.push(fieldError.notSupported(p.child("protocol"), port.protocol, PROTOCOLS));
    }
    const target = port.targetPort;
    if (typeof target === "number" && !validPort(target)) {
      causes.push(fieldError.invalid(p.child("targetPort"), target, "must be between 1 and 65535, inclusive"));
    } else if (typeof target === "string" && (target.length > 15 || !PORT_NAME_RE.test(target) || !/[a-z]/.test(target) || target.includes("--"))) {
      causes.push(fieldError.invalid(p.child("targetPort"), target, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"));
    }
    if (port.nodePort !== undefined && type !== "NodePort" && type !== "LoadBalancer") {
      causes.push(fieldError.forbidden(p.child("nodePort"), `may not be used when \`type\` is '${String(type)}'`));
    }
  });
  causes.push(...validateLabels(spec.selector, path.child("selector")));
  return causes;
}

/** core/v1 Event: the involved object lives in the event's namespace (or "default" for cluster-scoped ones). */
export function validateCoreEvent(obj: KObject): FieldCause[] {
  const involved = rec(obj.involvedObject);
  const ns = obj.metadata.namespace ?? "";
  const ions = str(involved.namespace) ?? "";
  const path = FieldPath.root("involvedObject", "namespace");
  if (ions === "") return ns === "" || ns === "default" ? [] : [fieldError.invalid(path, ions, "does not match event.namespace")];
  return ns === ions ? [] : [fieldError.invalid(path, ions, "does not match event.namespace")];
}

/** events.k8s.io/v1 Event: the fields a new-style event must carry. */
export function validateEventsV1Event(obj: KObject): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const f of ["eventTime", "reportingInstance", "action", "reason"]) if (!obj[f]) causes.push(fieldError.required(f));
  const controller = str(obj.reportingController) ?? "";
  if (controller === "") causes.push(fieldError.required("reportingController"));
  else for (const m of isQualifiedName(controller)) causes.push(fieldError.invalid("reportingController", controller, m));
  if (!isOneOf(["Normal", "Warning"], obj.type)) causes.push(fieldError.invalid("type", obj.type ?? "", "has invalid value, must be one of: Normal, Warning"));
  return causes;
}
