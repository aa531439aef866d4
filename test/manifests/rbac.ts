// RBAC as the API server evaluates it, over the rendered manifests only: what a ServiceAccount may do, through
// RoleBindings (in their namespace) and ClusterRoleBindings (everywhere). Enough to assert least privilege.
import { arr, rec, str, type KObject } from "./objects.ts";

export interface Account {
  namespace: string;
  name: string;
}

export interface Request {
  verb: string;
  /** API group, "" for core. */
  group: string;
  /** Plural resource, with subresource: "pods", "pods/exec". */
  resource: string;
  /** The object's namespace; "*" asks for every namespace at once (a cluster-wide list/watch). */
  namespace: string;
  name?: string;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames: string[];
}

function strings(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === "string");
}

function rulesOf(role: KObject): Rule[] {
  return arr(role.rules).map((r) => {
    const x = rec(r);
    return { apiGroups: strings(x.apiGroups), resources: strings(x.resources), verbs: strings(x.verbs), resourceNames: strings(x.resourceNames) };
  });
}

const has = (list: string[], v: string): boolean => list.includes(v) || list.includes("*");

function ruleAllows(rule: Rule, req: Request): boolean {
  if (!has(rule.apiGroups, req.group) || !has(rule.verbs, req.verb) || !has(rule.resources, req.resource)) return false;
  if (rule.resourceNames.length === 0) return true;
  return req.name !== undefined && rule.resourceNames.includes(req.name);
}

function bindsAccount(binding: KObject, sa: Account): boolean {
  return arr(binding.subjects).some((s) => {
    const x = rec(s);
    const ns = str(x.namespace) ?? binding.metadata.namespace;
    return x.kind === "ServiceAccount" && x.name === sa.name && ns === sa.namespace;
  });
}

function roleFor(objects: readonly KObject[], binding: KObject): KObject | undefined {
  const ref = rec(binding.roleRef);
  const kind = str(ref.kind);
  const name = str(ref.name);
  if (kind === "ClusterRole") return objects.find((o) => o.kind === "ClusterRole" && o.metadata.name === name);
  if (kind === "Role" && binding.kind === "RoleBinding") {
    return objects.find((o) => o.kind === "Role" && o.metadata.name === name && o.metadata.namespace === binding.metadata.namespace);
  }
  return undefined;
}

/** Whether `sa` may make `req`, given only the RBAC objects in `objects`. */
export function can(objects: readonly KObject[], sa: Account, req: Request): boolean {
  const rbac = "rbac.authorization.k8s.io/v1";
  return objects.some((b) => {
    if (b.apiVersion !== rbac || !bindsAccount(b, sa)) return false;
    const applies = b.kind === "ClusterRoleBinding" || (b.kind === "RoleBinding" && req.namespace !== "*" && b.metadata.namespace === req.namespace);
    if (!applies) return false;
    const role = roleFor(objects, b);
    return role !== undefined && rulesOf(role).some((r) => ruleAllows(r, req));
  });
}

/** Bindings whose role is not in the manifests (a dangling roleRef grants nothing and hides a typo). */
export function danglingBindings(objects: readonly KObject[]): string[] {
  return objects
    .filter((b) => b.kind === "RoleBinding" || b.kind === "ClusterRoleBinding")
    .filter((b) => roleFor(objects, b) === undefined)
    .map((b) => `${b.kind} ${b.metadata.name}: roleRef ${String(rec(b.roleRef).kind)} ${String(rec(b.roleRef).name)} is not defined`);
}

/** Rules with a wildcard (apiGroups, resources or verbs "*"): never needed by rafdir. */
export function wildcardRules(objects: readonly KObject[]): string[] {
  return objects
    .filter((o) => o.kind === "Role" || o.kind === "ClusterRole")
    .flatMap((o) =>
      rulesOf(o)
        .filter((r) => [...r.apiGroups, ...r.resources, ...r.verbs].includes("*"))
        .map(() => `${o.kind} ${o.metadata.name} has a wildcard rule`),
    );
}
