// A container's environment: the pod's env and envFrom, resolved against Secrets, ConfigMaps and the downward API.
import type { Api } from "../apiserver/api.ts";
import type { KObject } from "../apiserver/types.ts";
import type { ContainerDef, KeyRef } from "./pod-types.ts";
import { NotReadyError } from "./volumes.ts";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface EnvContext {
  api: Api;
  pod: KObject;
  nodeName: string;
  extraPath: string[];
  /** Added to every container, e.g. KUBECONFIG for the sandbox API server. */
  base: Record<string, string>;
}

export function containerEnv(ctx: EnvContext, c: ContainerDef): Record<string, string> {
  const ns = ctx.pod.metadata.namespace ?? "default";
  const env: Record<string, string> = {
    PATH: [...ctx.extraPath, DEFAULT_PATH].join(":"),
    HOME: "/root",
    HOSTNAME: ctx.pod.metadata.name ?? "",
    ...ctx.base,
  };
  for (const from of c.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) Object.assign(env, prefixed(prefix, data(ctx.api, "configmaps", ns, from.configMapRef.name, from.configMapRef.optional)));
    if (from.secretRef) Object.assign(env, prefixed(prefix, data(ctx.api, "secrets", ns, from.secretRef.name, from.secretRef.optional)));
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = expand(e.value, env);
    else if (e.valueFrom?.secretKeyRef) setFromRef(env, e.name, ctx.api, "secrets", ns, e.valueFrom.secretKeyRef);
    else if (e.valueFrom?.configMapKeyRef) setFromRef(env, e.name, ctx.api, "configmaps", ns, e.valueFrom.configMapKeyRef);
    else if (e.valueFrom?.fieldRef) env[e.name] = fieldValue(ctx, e.valueFrom.fieldRef.fieldPath);
    else env[e.name] = "";
  }
  return env;
}

function setFromRef(env: Record<string, string>, name: string, api: Api, plural: "secrets" | "configmaps", ns: string, ref: KeyRef): void {
  const values = data(api, plural, ns, ref.name ?? "", ref.optional);
  const v = values[ref.key];
  if (v === undefined) {
    if (ref.optional) return;
    throw new NotReadyError(`couldn't find key ${ref.key} in ${plural === "secrets" ? "Secret" : "ConfigMap"} ${ns}/${ref.name ?? ""}`);
  }
  env[name] = v;
}

function data(api: Api, plural: "secrets" | "configmaps", ns: string, name: string, optional: boolean | undefined): Record<string, string> {
  const obj = api.tryGet(api.resource("", "v1", plural), ns, name);
  if (!obj) {
    if (optional) return {};
    throw new NotReadyError(`${plural === "secrets" ? "secret" : "configmap"} "${name}" not found`);
  }
  const raw = (obj["data"] ?? {}) as Record<string, string>;
  if (plural === "configmaps") return { ...raw };
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

function prefixed(prefix: string, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [prefix + k, v]));
}

function fieldValue(ctx: EnvContext, path: string): string {
  const m = ctx.pod.metadata;
  switch (path) {
    case "metadata.name":
      return m.name ?? "";
    case "metadata.namespace":
      return m.namespace ?? "";
    case "metadata.uid":
      return m.uid ?? "";
    case "spec.nodeName":
      return ctx.nodeName;
    case "spec.serviceAccountName":
      return String((ctx.pod["spec"] as { serviceAccountName?: string }).serviceAccountName ?? "default");
    case "status.podIP":
    case "status.hostIP":
      return "127.0.0.1";
    default: {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
      if (label) return m.labels?.[label[1] ?? ""] ?? "";
      const ann = /^metadata\.annotations\['(.+)'\]$/.exec(path);
      if (ann) return m.annotations?.[ann[1] ?? ""] ?? "";
      return "";
    }
  }
}

/** $(VAR) expansion as the kubelet does for env values, command and args; $$(VAR) escapes. */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === "$$") return "$";
    return name !== undefined && env[name] !== undefined ? env[name] : m;
  });
}
