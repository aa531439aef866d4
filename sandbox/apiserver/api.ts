// The API server's semantics, independent of HTTP: validation, defaults, resourceVersion preconditions, generation,
// status/scale subresources, finalizers, graceful deletion, watch. The HTTP layer and the in-process controllers both use it.
import { randomUUID } from "node:crypto";
import { applyCreateDefaults } from "./defaults.ts";
import { compileSelectors, type ObjectMatcher } from "./matching.ts";
import { applyPatch } from "./patch.ts";
import { Registry, resourcesFromCrd } from "./registry.ts";
import { Store, deepCopy, resourceKey, type StoreEvent, type WatchEventType } from "./store.ts";
import { ApiError, apiVersionOf, errors, type FieldCause, type KObject, type ResourceInfo } from "./types.ts";
import { builtinUnknownFields, crdValidator, validateBuiltin, validateName } from "./validation/index.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WriteOptions {
  fieldValidation?: FieldValidation;
  dryRun?: boolean;
  subresource?: "status";
}

export interface DeleteOptions {
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WriteResult {
  object: KObject;
  warnings: string[];
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
}

export interface WatchEvent {
  type: WatchEventType;
  object: KObject;
}

type CrdValidator = ReturnType<typeof crdValidator>;

const GENERATE_CHARS = "bcdfghjklmnpqrstvwxz2456789";
const NON_SPEC_KEYS = new Set(["apiVersion", "kind", "metadata", "status"]);

function generateSuffix(): string {
  let s = "";
  for (let i = 0; i < 5; i++) s += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
  return s;
}

/** Everything but apiVersion, kind, metadata and status: what bumps metadata.generation. */
function specPart(obj: KObject): string {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!NON_SPEC_KEYS.has(k)) rest[k] = v;
  return JSON.stringify(rest);
}

export class Api {
  readonly registry: Registry;
  private readonly crdValidators = new Map<string, CrdValidator>();

  constructor(
    readonly store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.registry = new Registry();
    for (const crd of store.list(resourceKey("apiextensions.k8s.io", "customresourcedefinitions"))) this.registerCrd(crd);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      if (!this.store.get(resourceKey("", "namespaces"), undefined, ns)) {
        this.create(this.resource("", "v1", "namespaces"), undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      }
    }
  }

  /** The ResourceInfo for group/version/plural, or a 404 ApiError. */
  resource(group: string, version: string, plural: string): ResourceInfo {
    const info = this.registry.get(group, version, plural);
    if (!info) throw errors.notFoundPath(`${group ? `/apis/${group}` : "/api"}/${version}/${plural}`);
    return info;
  }

  forKind(apiVersion: string, kind: string): ResourceInfo {
    const info = this.registry.forKind(apiVersion, kind);
    if (!info) throw errors.notFoundPath(`no matches for kind "${kind}" in version "${apiVersion}"`);
    return info;
  }

  get(info: ResourceInfo, namespace: string | undefined, name: string): KObject {
    const obj = this.store.get(resourceKey(info.group, info.plural), this.ns(info, namespace), name);
    if (!obj) throw errors.notFound(info, name);
    return this.asVersion(info, obj);
  }

  tryGet(info: ResourceInfo, namespace: string | undefined, name: string): KObject | undefined {
    const obj = this.store.get(resourceKey(info.group, info.plural), this.ns(info, namespace), name);
    return obj ? this.asVersion(info, obj) : undefined;
  }

  list(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): { items: KObject[]; resourceVersion: string } {
    const match = compileSelectors(opts.labelSelector, opts.fieldSelector);
    const items = this.store
      .list(resourceKey(info.group, info.plural), this.ns(info, namespace))
      .filter((o) => match(o))
      .map((o) => this.asVersion(info, o));
    return { items, resourceVersion: String(this.store.resourceVersion) };
  }

  create(info: ResourceInfo, namespace: string | undefined, input: unknown, opts: WriteOptions = {}): WriteResult {
    const obj = this.checkBody(info, input);
    const ns = this.ns(info, namespace ?? obj.metadata.namespace);
    if (info.namespaced && obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
      throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + generateSuffix();
    const name = obj.metadata.name ?? "";
    if (!name) throw errors.invalid(info, "", [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }]);
    if (info.namespaced) this.checkNamespaceOpen(ns ?? "");
    const warnings = this.checkFields(info, obj, opts.fieldValidation);
    const meta = obj.metadata;
    obj.metadata = {
      ...meta,
      name,
      ...(info.namespaced ? { namespace: ns } : {}),
      uid: randomUUID(),
      creationTimestamp: this.timestamp(),
      generation: 1,
    };
    delete obj.metadata.resourceVersion;
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    if (this.crdFor(info) && info.subresources.includes("status")) delete obj["status"]; // custom resources start without status
    applyCreateDefaults(obj, () => this.defaultStorageClass());
    this.validate(info, obj, undefined);
    if (this.store.get(resourceKey(info.group, info.plural), ns, name)) throw errors.alreadyExists(info, name);
    if (opts.dryRun) return { object: obj, warnings };
    if (info.kind === "CustomResourceDefinition") this.prepareCrd(obj);
    const stored = this.store.insert(resourceKey(info.group, info.plural), obj);
    if (info.kind === "CustomResourceDefinition") this.registerCrd(stored);
    return { object: this.asVersion(info, stored), warnings };
  }

  update(info: ResourceInfo, namespace: string | undefined, name: string, input: unknown, opts: WriteOptions = {}): WriteResult {
    const obj = this.checkBody(info, input);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    const ns = this.ns(info, namespace);
    const old = this.store.get(resourceKey(info.group, info.plural), ns, name);
    if (!old) throw errors.notFound(info, name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw errors.conflict(info, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
      throw errors.conflict(info, name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    const warnings = this.checkFields(info, obj, opts.fieldValidation);
    const next = this.mergeForUpdate(info, old, obj, opts.subresource);
    const newFinalizers = (next.metadata.finalizers ?? []).filter((f) => !(old.metadata.finalizers ?? []).includes(f));
    if (old.metadata.deletionTimestamp && newFinalizers.length > 0) {
      throw errors.invalid(info, name, [{ reason: "FieldValueForbidden", message: "Forbidden: no new finalizers can be added if the object is being deleted", field: "metadata.finalizers" }]);
    }
    this.validate(info, next, old);
    if (opts.dryRun) return { object: next, warnings };
    if (JSON.stringify(next) === JSON.stringify({ ...old, metadata: { ...old.metadata } })) {
      return { object: this.asVersion(info, old), warnings }; // no-op update keeps the resourceVersion, like the real server
    }
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && info.kind !== "Namespace") {
      const gone = this.store.remove(resourceKey(info.group, info.plural), next);
      this.afterRemove(info, gone ?? next);
      return { object: this.asVersion(info, gone ?? next), warnings };
    }
    if (info.kind === "CustomResourceDefinition") this.prepareCrd(next);
    const stored = this.store.replace(resourceKey(info.group, info.plural), next);
    if (info.kind === "CustomResourceDefinition") this.registerCrd(stored);
    return { object: this.asVersion(info, stored), warnings };
  }

  patch(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    contentType: string,
    patch: unknown,
    opts: WriteOptions = {},
  ): WriteResult {
    const current = this.get(info, namespace, name);
    const patched = applyPatch(contentType, current, patch, { customResource: this.crdFor(info) !== undefined });
    return this.update(info, namespace, name, patched, opts);
  }

  /** Deletes an object: marks it when finalizers (or a kubelet-owned pod) must run first, removes it otherwise. */
  delete(info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KObject {
    const ns = this.ns(info, namespace);
    const key = resourceKey(info.group, info.plural);
    const old = this.store.get(key, ns, name);
    if (!old) throw errors.notFound(info, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== old.metadata.uid) {
      throw errors.conflict(info, name, `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${old.metadata.uid}`);
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== old.metadata.resourceVersion) {
      throw errors.conflict(info, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    if (opts.dryRun) return this.asVersion(info, old);
    const finalizers = [...(old.metadata.finalizers ?? [])];
    const policy = opts.propagationPolicy ?? (info.kind === "Job" ? "Orphan" : "Background");
    if (policy === "Orphan" && !finalizers.includes("orphan")) finalizers.push("orphan");
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion")) finalizers.push("foregroundDeletion");
    const graceful = this.needsGracefulDeletion(info, old, opts);
    if (finalizers.length === 0 && !graceful) {
      const gone = this.store.remove(key, old) ?? old;
      this.afterRemove(info, gone);
      return this.asVersion(info, gone);
    }
    if (old.metadata.deletionTimestamp && JSON.stringify(finalizers) === JSON.stringify(old.metadata.finalizers ?? [])) {
      if (info.kind === "Pod" && opts.gracePeriodSeconds === 0) {
        const gone = this.store.remove(key, old) ?? old;
        return this.asVersion(info, gone);
      }
      return this.asVersion(info, old);
    }
    const marked = deepCopy(old);
    marked.metadata.deletionTimestamp = old.metadata.deletionTimestamp ?? this.timestamp();
    marked.metadata.deletionGracePeriodSeconds = graceful ? this.gracePeriod(old, opts) : 0;
    marked.metadata.finalizers = finalizers;
    if (info.kind === "Namespace") marked["status"] = { ...(marked["status"] as object), phase: "Terminating" };
    return this.asVersion(info, this.store.replace(key, marked));
  }

  deleteCollection(info: ResourceInfo, namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions = {}): KObject[] {
    return this.list(info, namespace, listOpts).items.map((o) => this.delete(info, namespace, o.metadata.name ?? "", opts));
  }

  /**
   * Starts a watch. Events go to `send` in resourceVersion order; returns a function that stops the watch.
   * Throws 410 Gone when `resourceVersion` is older than the retained history.
   */
  watch(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, send: (e: WatchEvent) => void): () => void {
    const key = resourceKey(info.group, info.plural);
    const ns = this.ns(info, namespace);
    const match = compileSelectors(opts.labelSelector, opts.fieldSelector);
    const inScope = (o: KObject) => ns === undefined || o.metadata.namespace === ns;
    const deliver = (e: StoreEvent) => {
      if (e.resource !== key || !inScope(e.object)) return;
      const now = match(e.object);
      const before = e.old ? match(e.old) : false;
      if (e.type === "ADDED" && now) send({ type: "ADDED", object: this.asVersion(info, e.object) });
      else if (e.type === "MODIFIED") {
        if (now && before) send({ type: "MODIFIED", object: this.asVersion(info, e.object) });
        else if (now) send({ type: "ADDED", object: this.asVersion(info, e.object) });
        else if (before) send({ type: "DELETED", object: this.asVersion(info, e.object) });
      } else if (e.type === "DELETED" && (before || now)) send({ type: "DELETED", object: this.asVersion(info, e.object) });
    };
    const rv = opts.resourceVersion;
    if (rv === undefined || rv === "" || rv === "0") {
      for (const o of this.store.list(key, ns)) if (match(o)) send({ type: "ADDED", object: this.asVersion(info, o) });
    } else {
      const n = Number(rv);
      if (!Number.isInteger(n) || n < 0) throw errors.badRequest(`invalid resourceVersion "${rv}"`);
      const missed = this.store.since(key, n);
      if (!missed) throw errors.gone(`too old resource version: ${rv} (${this.store.oldestResumable})`);
      for (const e of missed) deliver(e);
    }
    return this.store.subscribe(deliver);
  }

  /** Binds a pod to a node, as the pods/binding subresource does (spec.nodeName is otherwise immutable). */
  bindPod(namespace: string, name: string, nodeName: string): KObject {
    const info = this.resource("", "v1", "pods");
    const pod = this.get(info, namespace, name);
    const spec = (pod["spec"] ?? {}) as { nodeName?: string };
    if (spec.nodeName && spec.nodeName !== nodeName) throw errors.conflict(info, name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
    pod["spec"] = { ...spec, nodeName };
    return this.asVersion(info, this.store.replace(resourceKey("", "pods"), pod));
  }

  /** Removes an object whose deletion is complete (a pod the kubelet stopped, an emptied namespace). */
  finalizeRemoval(info: ResourceInfo, obj: KObject): void {
    const gone = this.store.remove(resourceKey(info.group, info.plural), obj);
    if (gone) this.afterRemove(info, gone);
  }

  /** autoscaling/v1 Scale of a Deployment, StatefulSet or ReplicaSet. */
  getScale(info: ResourceInfo, namespace: string | undefined, name: string): KObject {
    const obj = this.get(info, namespace, name);
    const spec = (obj["spec"] ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    const status = (obj["status"] ?? {}) as { replicas?: number };
    const labels = spec.selector?.matchLabels ?? {};
    return {
      apiVersion: "autoscaling/v1",
      kind: "Scale",
      metadata: {
        name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: spec.replicas ?? 0 },
      status: { replicas: status.replicas ?? 0, selector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",") },
    };
  }

  updateScale(info: ResourceInfo, namespace: string | undefined, name: string, scale: unknown): KObject {
    const s = scale as { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string } };
    const replicas = s.spec?.replicas;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid({ group: "autoscaling", kind: "Scale" }, name, [
        { reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: "spec.replicas" },
      ]);
    }
    const obj = this.get(info, namespace, name);
    if (s.metadata?.resourceVersion && s.metadata.resourceVersion !== obj.metadata.resourceVersion) {
      throw errors.conflict(info, name, "the object has been modified; please apply your changes to the latest version and try again");
    }
    obj["spec"] = { ...(obj["spec"] as object), replicas };
    this.update(info, namespace, name, obj);
    return this.getScale(info, namespace, name);
  }

  patchScale(info: ResourceInfo, namespace: string | undefined, name: string, contentType: string, patch: unknown): KObject {
    return this.updateScale(info, namespace, name, applyPatch(contentType, this.getScale(info, namespace, name), patch));
  }

  /** Records a core/v1 Event about an object (what `kubectl describe` and `kubectl get events` show). */
  recordEvent(involved: KObject, type: "Normal" | "Warning", reason: string, message: string, component = "rafdir-sandbox"): void {
    const info = this.resource("", "v1", "events");
    const ns = involved.metadata.namespace ?? "default";
    const now = this.timestamp();
    try {
      this.create(info, ns, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: `${involved.metadata.name ?? "object"}.`, namespace: ns },
        involvedObject: {
          apiVersion: involved.apiVersion,
          kind: involved.kind,
          name: involved.metadata.name,
          namespace: involved.metadata.namespace,
          uid: involved.metadata.uid,
          resourceVersion: involved.metadata.resourceVersion,
        },
        type,
        reason,
        message,
        source: { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: component,
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e; // e.g. the namespace is terminating: the event is not worth failing for
    }
  }

  // --- internals ---

  private ns(info: ResourceInfo, namespace: string | undefined): string | undefined {
    return info.namespaced ? namespace : undefined;
  }

  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  private asVersion(info: ResourceInfo, obj: KObject): KObject {
    obj.apiVersion = apiVersionOf(info);
    obj.kind = info.kind;
    return obj;
  }

  private checkBody(info: ResourceInfo, input: unknown): KObject {
    if (!input || typeof input !== "object" || Array.isArray(input)) throw errors.badRequest("the request body must be a JSON object");
    const obj = deepCopy(input) as KObject;
    if (obj.metadata === undefined) obj.metadata = {};
    if (typeof obj.metadata !== "object" || obj.metadata === null || Array.isArray(obj.metadata)) {
      throw errors.badRequest("metadata must be an object");
    }
    const expected = apiVersionOf(info);
    if (obj.apiVersion && obj.kind && (obj.kind !== info.kind || (obj.apiVersion !== expected && !this.sameGroup(info, obj.apiVersion)))) {
      throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (obj.kind && obj.kind !== info.kind) throw errors.badRequest(`kind ${obj.kind} does not match ${info.kind}`);
    obj.apiVersion = expected;
    obj.kind = info.kind;
    return obj;
  }

  private sameGroup(info: ResourceInfo, apiVersion: string): boolean {
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    return group === info.group;
  }

  private checkNamespaceOpen(namespace: string): void {
    const ns = this.store.get(resourceKey("", "namespaces"), undefined, namespace);
    if (!ns) throw errors.notFound({ group: "", plural: "namespaces" }, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw errors.forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  private checkFields(info: ResourceInfo, obj: KObject, mode: FieldValidation | undefined): string[] {
    if (!mode || mode === "Ignore") return [];
    const unknown = this.crdFor(info) ? this.crdFor(info)!.unknownFields(obj) : builtinUnknownFields(info, obj);
    if (unknown.length === 0) return [];
    if (mode === "Strict") {
      throw errors.badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
    }
    return unknown.map((f) => `unknown field "${f}"`);
  }

  private validate(info: ResourceInfo, obj: KObject, old: KObject | undefined): void {
    const name = obj.metadata.name ?? "";
    const causes: FieldCause[] = old ? [] : validateName(info, name);
    const crd = this.crdFor(info);
    if (crd) {
      const pruned = crd.applyDefaults(crd.prune(obj));
      for (const k of Object.keys(obj)) if (!(k in pruned)) delete obj[k];
      Object.assign(obj, pruned);
      causes.push(...crd.validate(obj, old));
    } else {
      causes.push(...validateBuiltin(info, obj, old));
    }
    if (causes.length > 0) throw errors.invalid(info, name, causes);
  }

  private crdFor(info: ResourceInfo): CrdValidator | undefined {
    return this.crdValidators.get(`${info.group}/${info.version}/${info.plural}`);
  }

  private mergeForUpdate(info: ResourceInfo, old: KObject, obj: KObject, subresource: "status" | undefined): KObject {
    let next: KObject;
    if (subresource === "status") {
      next = deepCopy(old);
      if (obj["status"] === undefined) delete next["status"];
      else next["status"] = obj["status"];
    } else {
      next = deepCopy(obj);
      next.metadata = {
        ...obj.metadata,
        name: old.metadata.name,
        namespace: old.metadata.namespace,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        generation: old.metadata.generation,
        resourceVersion: old.metadata.resourceVersion,
      };
      if (old.metadata.deletionTimestamp) next.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
      else delete next.metadata.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined) next.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      else delete next.metadata.deletionGracePeriodSeconds;
      if (info.subresources.includes("status")) {
        if (old["status"] === undefined) delete next["status"];
        else next["status"] = deepCopy(old["status"]);
      }
      if (info.kind === "Secret") {
        const stringData = (next["stringData"] ?? {}) as Record<string, string>;
        if (Object.keys(stringData).length > 0) {
          const data = (next["data"] ?? {}) as Record<string, string>;
          for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v)).toString("base64");
          next["data"] = data;
        }
        delete next["stringData"];
      }
      if (specPart(next) !== specPart(old)) next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    }
    return next;
  }

  private needsGracefulDeletion(info: ResourceInfo, old: KObject, opts: DeleteOptions): boolean {
    if (info.kind === "Namespace" && info.group === "") return true; // the namespace controller empties it, then removes it
    if (info.kind !== "Pod" || info.group !== "") return false;
    if (opts.gracePeriodSeconds === 0) return false;
    const spec = (old["spec"] ?? {}) as { nodeName?: string };
    const phase = ((old["status"] ?? {}) as { phase?: string }).phase;
    return Boolean(spec.nodeName) && phase !== "Succeeded" && phase !== "Failed";
  }

  private gracePeriod(old: KObject, opts: DeleteOptions): number {
    if (opts.gracePeriodSeconds !== undefined) return opts.gracePeriodSeconds;
    const spec = (old["spec"] ?? {}) as { terminationGracePeriodSeconds?: number };
    return spec.terminationGracePeriodSeconds ?? 30;
  }

  private afterRemove(info: ResourceInfo, gone: KObject): void {
    if (info.kind === "CustomResourceDefinition") {
      const name = gone.metadata.name ?? "";
      for (const r of resourcesFromCrd(gone)) {
        for (const o of this.store.list(resourceKey(r.group, r.plural))) this.store.remove(resourceKey(r.group, r.plural), o);
        this.crdValidators.delete(`${r.group}/${r.version}/${r.plural}`);
      }
      this.registry.setCrd(name, []);
    }
  }

  private prepareCrd(crd: KObject): void {
    const spec = crd["spec"] as { names: Record<string, unknown> };
    crd["status"] = {
      acceptedNames: spec.names,
      storedVersions: ((crd["spec"] as { versions: Array<{ name: string; storage: boolean }> }).versions ?? [])
        .filter((v) => v.storage)
        .map((v) => v.name),
      conditions: [
        { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found", lastTransitionTime: this.timestamp() },
        { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted", lastTransitionTime: this.timestamp() },
      ],
    };
  }

  private registerCrd(crd: KObject): void {
    const name = crd.metadata.name ?? "";
    const resources = resourcesFromCrd(crd);
    this.registry.setCrd(name, resources);
    for (const r of resources) this.crdValidators.set(`${r.group}/${r.version}/${r.plural}`, crdValidator(crd, r.version));
  }

  private defaultStorageClass(): string | undefined {
    const classes = this.store.list(resourceKey("storage.k8s.io", "storageclasses"));
    const def = classes.find((c) => c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true");
    return def?.metadata.name;
  }
}

export type { ObjectMatcher };
