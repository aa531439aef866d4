// Legacy (non-aggregated) discovery documents: /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>, /version.
import type { Registry } from "./registry.ts";
import type { ResourceInfo } from "./types.ts";

const SUBRESOURCE_DISCOVERY: Record<string, { kind: string; group?: string; version?: string; verbs: string[] }> = {
  status: { kind: "", verbs: ["get", "patch", "update"] },
  scale: { kind: "Scale", group: "autoscaling", version: "v1", verbs: ["get", "patch", "update"] },
  exec: { kind: "PodExecOptions", verbs: ["create", "get"] },
  attach: { kind: "PodAttachOptions", verbs: ["create", "get"] },
  log: { kind: "Pod", verbs: ["get"] },
};

export function versionInfo(): Record<string, string> {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-rafdir-sandbox",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.23",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function coreVersions(): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }] };
}

function groupEntry(name: string, versions: string[]): Record<string, unknown> {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function groupList(registry: Registry): Record<string, unknown> {
  const groups = [...registry.groups()].filter(([g]) => g !== "").map(([g, vs]) => groupEntry(g, vs));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function group(registry: Registry, name: string): Record<string, unknown> | undefined {
  const versions = registry.groups().get(name);
  return versions && name !== "" ? { kind: "APIGroup", apiVersion: "v1", ...groupEntry(name, versions) } : undefined;
}

function resourceEntries(r: ResourceInfo): Array<Record<string, unknown>> {
  const main = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
  };
  const subs = r.subresources.map((s) => {
    const d = SUBRESOURCE_DISCOVERY[s] ?? { kind: r.kind, verbs: ["get"] };
    return {
      name: `${r.plural}/${s}`,
      singularName: "",
      namespaced: r.namespaced,
      kind: d.kind || r.kind,
      ...(d.group ? { group: d.group, version: d.version } : {}),
      verbs: d.verbs,
    };
  });
  return [main, ...subs];
}

export function resourceList(registry: Registry, groupName: string, version: string): Record<string, unknown> | undefined {
  const resources = registry.all().filter((r) => r.group === groupName && r.version === version);
  if (resources.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupName ? `${groupName}/${version}` : version,
    resources: resources.flatMap(resourceEntries),
  };
}
