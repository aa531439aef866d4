// How a Knative Service from the manifests runs as a local process, pure: the command line (through the project's
// own entry points) and the environment Knative Serving and SinkBinding would give it.
import { basename, isAbsolute, join } from "node:path";
import type { Container, EnvVar } from "./manifest-schemas.ts";

export type Entrypoint = { command: string; args: string[] } | { skip: string };

const SCRIPT = /\.(?:[cm]?ts|[cm]?js)$/;

/**
 * - `command: [rafdir-function, <fn>, ...]` → node --import tsx <root>/functions/<fn>/main.ts ... (the image's
 *   function launcher, knative/README.md)
 * - `command: [rafdir, ...]` → node <root>/bin/rafdir.js ...
 * - `command: [node, file.ts, ...]` → node [--import tsx] <root>/file.ts ...
 * - only `args` → the rafdir image's entry point: node <root>/bin/rafdir.js <args>
 * - neither → functions/<fn>/main.ts, where the service is rafdir-<fn>
 */
export function resolveEntrypoint(c: Container, service: string, root: string, exists: (path: string) => boolean, nodePath: string, tsxLoader: string): Entrypoint {
  const cmd = c.command ?? [];
  const args = c.args ?? [];
  const rafdirBin = join(root, "bin", "rafdir.js");
  const viaRafdir = (rest: string[]): Entrypoint =>
    exists(rafdirBin) ? { command: nodePath, args: [rafdirBin, ...rest] } : { skip: `${rafdirBin} does not exist` };
  const first = cmd[0];
  if (first !== undefined) {
    const base = basename(first);
    if (base === "rafdir") return viaRafdir([...cmd.slice(1), ...args]);
    if (base === "rafdir-function") {
      const [fn, ...rest] = [...cmd.slice(1), ...args];
      if (!fn || !/^[a-z][a-z0-9-]*$/.test(fn)) return { skip: `rafdir-function needs a function name, got ${JSON.stringify(fn ?? "")}` };
      return nodeScript([join("functions", fn, "main.ts"), ...rest], root, exists, nodePath, tsxLoader);
    }
    if (base === "node") return nodeScript([...cmd.slice(1), ...args], root, exists, nodePath, tsxLoader);
    return { skip: `command ${JSON.stringify(first)} cannot run locally (use rafdir-function, rafdir or node)` };
  }
  if (args.length > 0) return viaRafdir(args);
  const fn = service.replace(/^rafdir-/, "");
  return nodeScript([join("functions", fn, "main.ts")], root, exists, nodePath, tsxLoader);
}

function nodeScript(rest: string[], root: string, exists: (path: string) => boolean, nodePath: string, tsxLoader: string): Entrypoint {
  const i = rest.findIndex((a) => !a.startsWith("-") && SCRIPT.test(a));
  if (i < 0) return { skip: `no script in node arguments ${JSON.stringify(rest)}` };
  const script = rest[i] as string;
  const path = isAbsolute(script) ? script : join(root, script);
  if (!exists(path)) return { skip: `entry point ${path} does not exist (yet)` };
  const out = [...rest];
  out[i] = path;
  const hasLoader = rest.some((a, j) => (a === "--import" || a === "--loader") && /tsx/.test(rest[j + 1] ?? ""));
  const loader = /\.[cm]?ts$/.test(script) && !hasLoader ? ["--import", tsxLoader] : [];
  return { command: nodePath, args: [...loader, ...out] };
}

export interface EnvContext {
  namespace: string;
  service: string;
  port: number;
  sink: string;
  kubeconfig: string;
  /** The parent's environment (PATH, HOME, ...). */
  inherited: Readonly<Record<string, string | undefined>>;
  /** Looks up a Secret or ConfigMap key; undefined when missing. */
  lookup(kind: "secret" | "configmap", namespace: string, name: string, key: string): string | undefined;
}

/** The process environment, and the variables that could not be set (with why). */
export function functionEnv(env: readonly EnvVar[], ctx: EnvContext): { env: Record<string, string>; problems: string[] } {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.inherited)) if (v !== undefined) out[k] = v;
  const problems: string[] = [];
  const revision = `${ctx.service}-00001`;
  for (const e of env) {
    if (e.value !== undefined) out[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) {
      const path = e.valueFrom.fieldRef.fieldPath;
      if (path === "metadata.namespace") out[e.name] = ctx.namespace;
      else if (path === "metadata.name") out[e.name] = `${revision}-deployment-local`;
      else problems.push(`${e.name}: fieldRef ${path} is not supported locally`);
    } else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
      const kind = e.valueFrom.secretKeyRef ? "secret" : "configmap";
      const v = ref ? ctx.lookup(kind, ctx.namespace, ref.name, ref.key) : undefined;
      if (v !== undefined) out[e.name] = v;
      else if (!ref?.optional) problems.push(`${e.name}: ${kind} ${ctx.namespace}/${ref?.name ?? ""} key ${ref?.key ?? ""} not found`);
    } else out[e.name] = "";
  }
  Object.assign(out, {
    PORT: String(ctx.port),
    K_SINK: ctx.sink,
    KUBECONFIG: ctx.kubeconfig,
    K_SERVICE: ctx.service,
    K_CONFIGURATION: ctx.service,
    K_REVISION: revision,
  });
  return { env: out, problems };
}
