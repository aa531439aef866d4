// Reads the Knative objects the local eventing needs from YAML: a directory (recursively, multi-document files,
// kustomization.yaml skipped but its `namespace` applied to its subtree, as kustomize does) or one string.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import type { z } from "zod";
import {
  apiServerSourceSchema,
  brokerSchema,
  knativeServiceSchema,
  pingSourceSchema,
  triggerSchema,
  type ApiServerSourceObject,
  type BrokerObject,
  type KnativeServiceObject,
  type PingSourceObject,
  type TriggerObject,
} from "./manifest-schemas.ts";

/** An object as loaded: where it came from and the namespace it lives in. */
export interface Sourced<T> {
  object: T;
  namespace: string;
  name: string;
  /** "knative/triggers.yaml#2" — file and document index, for messages. */
  origin: string;
}

export interface EventingManifests {
  brokers: Sourced<BrokerObject>[];
  triggers: Sourced<TriggerObject>[];
  pingSources: Sourced<PingSourceObject>[];
  apiServerSources: Sourced<ApiServerSourceObject>[];
  services: Sourced<KnativeServiceObject>[];
}

/** Every problem found in the manifests, each naming file, kind and object. */
export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid Knative manifests:\n  - ${problems.join("\n  - ")}`);
    this.name = "ManifestError";
  }
}

const KINDS = {
  "eventing.knative.dev/Broker": { key: "brokers", schema: brokerSchema },
  "eventing.knative.dev/Trigger": { key: "triggers", schema: triggerSchema },
  "sources.knative.dev/PingSource": { key: "pingSources", schema: pingSourceSchema },
  "sources.knative.dev/ApiServerSource": { key: "apiServerSources", schema: apiServerSourceSchema },
  "serving.knative.dev/Service": { key: "services", schema: knativeServiceSchema },
} as const;

const KUSTOMIZATION = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);

export function emptyManifests(): EventingManifests {
  return { brokers: [], triggers: [], pingSources: [], apiServerSources: [], services: [] };
}

interface LoadState {
  out: EventingManifests;
  problems: string[];
  seen: Map<string, string>;
}

/** Loads every *.yaml / *.yml below `dir`. Throws ManifestError listing all problems. */
export function loadManifestDir(dir: string, defaultNamespace = "default"): EventingManifests {
  const state: LoadState = { out: emptyManifests(), problems: [], seen: new Map() };
  walk(dir, dir, defaultNamespace, undefined, state);
  if (state.problems.length > 0) throw new ManifestError(state.problems);
  return state.out;
}

/** Loads the documents of one YAML string (`origin` names it in messages). Throws ManifestError. */
export function loadManifestText(text: string, origin: string, defaultNamespace = "default"): EventingManifests {
  const state: LoadState = { out: emptyManifests(), problems: [], seen: new Map() };
  addText(text, origin, defaultNamespace, undefined, state);
  if (state.problems.length > 0) throw new ManifestError(state.problems);
  return state.out;
}

function walk(root: string, dir: string, defaultNs: string, forcedNs: string | undefined, state: LoadState): void {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    state.problems.push(`${dir}: cannot read directory (${e instanceof Error ? e.message : String(e)})`);
    return;
  }
  const kust = entries.find((e) => KUSTOMIZATION.has(e));
  const ns = kust ? (kustomizeNamespace(join(dir, kust), state) ?? forcedNs) : forcedNs;
  for (const entry of entries) {
    if (entry.startsWith(".") || entry === "node_modules" || KUSTOMIZATION.has(entry)) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(root, path, defaultNs, ns, state);
    else if (/\.ya?ml$/.test(entry)) addText(readFileSync(path, "utf8"), relative(process.cwd(), path) || path, defaultNs, ns, state);
  }
}

function kustomizeNamespace(file: string, state: LoadState): string | undefined {
  try {
    const k = parseYaml(readFileSync(file, "utf8")) as { namespace?: unknown } | null;
    return typeof k?.namespace === "string" && k.namespace ? k.namespace : undefined;
  } catch (e) {
    state.problems.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function addText(text: string, file: string, defaultNs: string, forcedNs: string | undefined, state: LoadState): void {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const origin = list.length > 1 ? `${file}#${i}` : file;
    if (doc.errors.length > 0) {
      state.problems.push(`${origin}: YAML error: ${doc.errors.map((e) => e.message).join("; ")}`);
      return;
    }
    addObject(doc.toJS() as unknown, origin, defaultNs, forcedNs, state);
  });
}

function addObject(raw: unknown, origin: string, defaultNs: string, forcedNs: string | undefined, state: LoadState): void {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return;
  const obj = raw as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return;
  const group = obj.apiVersion.includes("/") ? obj.apiVersion.slice(0, obj.apiVersion.indexOf("/")) : "";
  const kindKey = `${group}/${obj.kind}`;
  if (!(kindKey in KINDS)) return;
  const { key, schema } = KINDS[kindKey as keyof typeof KINDS];
  const name = typeof obj.metadata?.name === "string" ? obj.metadata.name : "<unnamed>";
  const namespace = forcedNs ?? (typeof obj.metadata?.namespace === "string" ? obj.metadata.namespace : defaultNs);
  const label = `${obj.kind} ${namespace}/${name}`;
  const parsed = (schema as z.ZodType).safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      state.problems.push(`${origin}: ${label}: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`);
    }
    return;
  }
  const dupKey = `${kindKey}/${namespace}/${name}`;
  const earlier = state.seen.get(dupKey);
  if (earlier) {
    state.problems.push(`${origin}: ${label} is defined twice (also in ${earlier})`);
    return;
  }
  state.seen.set(dupKey, origin);
  const list = state.out[key] as Sourced<unknown>[];
  list.push({ object: parsed.data, namespace, name, origin });
}
