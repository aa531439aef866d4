// The resource types the sandbox serves: built-ins plus those registered from CustomResourceDefinitions.
import { apiVersionOf, type KObject, type ResourceInfo } from "./types.ts";

const CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function builtin(
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  extra: Partial<Pick<ResourceInfo, "shortNames" | "subresources" | "categories" | "verbs">> = {},
): ResourceInfo {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    verbs: extra.verbs ?? CRUD,
    subresources: extra.subresources ?? [],
  };
}

/** Built-in kinds that rafdir, its tests and kubectl touch. */
export function builtinResources(): ResourceInfo[] {
  return [
    builtin("", "v1", "Namespace", "namespaces", false, { shortNames: ["ns"], subresources: ["status"] }),
    builtin("", "v1", "Pod", "pods", true, { shortNames: ["po"], categories: ["all"], subresources: ["status", "exec", "log", "attach"] }),
    builtin("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true, { shortNames: ["pvc"], subresources: ["status"] }),
    builtin("", "v1", "PersistentVolume", "persistentvolumes", false, { shortNames: ["pv"], subresources: ["status"] }),
    builtin("", "v1", "ConfigMap", "configmaps", true, { shortNames: ["cm"] }),
    builtin("", "v1", "Secret", "secrets", true),
    builtin("", "v1", "Service", "services", true, { shortNames: ["svc"], categories: ["all"], subresources: ["status"] }),
    builtin("", "v1", "ServiceAccount", "serviceaccounts", true, { shortNames: ["sa"] }),
    builtin("", "v1", "Node", "nodes", false, { shortNames: ["no"], subresources: ["status"] }),
    builtin("", "v1", "Event", "events", true, { shortNames: ["ev"] }),
    builtin("events.k8s.io", "v1", "Event", "events", true, { shortNames: ["ev"] }),
    builtin("apps", "v1", "Deployment", "deployments", true, { shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"] }),
    builtin("apps", "v1", "StatefulSet", "statefulsets", true, { shortNames: ["sts"], categories: ["all"], subresources: ["status", "scale"] }),
    builtin("apps", "v1", "ReplicaSet", "replicasets", true, { shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"] }),
    builtin("batch", "v1", "Job", "jobs", true, { categories: ["all"], subresources: ["status"] }),
    builtin("storage.k8s.io", "v1", "StorageClass", "storageclasses", false, { shortNames: ["sc"] }),
    builtin("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, { shortNames: ["crd", "crds"], subresources: ["status"] }),
    builtin("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    builtin("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
    builtin("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
    builtin("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
    builtin("coordination.k8s.io", "v1", "Lease", "leases", true),
  ];
}

interface CrdNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}
interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: object; scale?: object };
}

/** The ResourceInfos a CustomResourceDefinition serves (one per served version). */
export function resourcesFromCrd(crd: KObject): ResourceInfo[] {
  const spec = crd["spec"] as { group: string; scope: string; names: CrdNames; versions: CrdVersion[] };
  return spec.versions
    .filter((v) => v.served)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope === "Namespaced",
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      verbs: CRUD,
      subresources: [...(v.subresources?.status ? ["status"] : []), ...(v.subresources?.scale ? ["scale"] : [])],
    }));
}

/** Lookup of served resources by group/version/plural and by apiVersion/kind. */
export class Registry {
  private readonly byPath = new Map<string, ResourceInfo>();
  private readonly byKind = new Map<string, ResourceInfo>();
  private readonly crdOwned = new Map<string, string[]>(); // crd name -> path keys

  constructor(resources: ResourceInfo[] = builtinResources()) {
    for (const r of resources) this.add(r);
  }

  add(r: ResourceInfo, crdName?: string): void {
    const key = `${r.group}/${r.version}/${r.plural}`;
    this.byPath.set(key, r);
    this.byKind.set(`${apiVersionOf(r)}/${r.kind}`, r);
    if (crdName) this.crdOwned.set(crdName, [...(this.crdOwned.get(crdName) ?? []), key]);
  }

  /** Replace what a CRD serves (on create/update) or remove it (resources = []). */
  setCrd(crdName: string, resources: ResourceInfo[]): void {
    for (const key of this.crdOwned.get(crdName) ?? []) {
      const r = this.byPath.get(key);
      if (r) this.byKind.delete(`${apiVersionOf(r)}/${r.kind}`);
      this.byPath.delete(key);
    }
    this.crdOwned.delete(crdName);
    for (const r of resources) this.add(r, crdName);
  }

  get(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  forKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  all(): ResourceInfo[] {
    return [...this.byPath.values()];
  }

  /** group -> versions served, in registration order. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.byPath.values()) {
      const versions = out.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      out.set(r.group, versions);
    }
    return out;
  }
}
