// The sandbox's storage: objects per resource, a global resourceVersion, a bounded event history for watch resume,
// and an optional JSON file so a sandbox keeps its objects across `down`/`up`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { KObject } from "./types.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  resource: string; // "<group>/<plural>"
  object: KObject;
  /** The object before this change (MODIFIED, DELETED). */
  old?: KObject;
  rv: number;
}

export type StoreListener = (event: StoreEvent) => void;

interface PersistedState {
  resourceVersion: number;
  objects: Array<{ resource: string; object: KObject }>;
}

export function resourceKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

function objectKey(obj: KObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}

export function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

export class Store {
  private rv = 0;
  private readonly data = new Map<string, Map<string, KObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private saveTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file?: string,
    private readonly historyLimit = 20000,
  ) {
    if (file) this.load(file);
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can resume from without 410 Gone. */
  get oldestResumable(): number {
    const first = this.history[0];
    return first ? first.rv - 1 : this.rv;
  }

  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const obj = this.data.get(resource)?.get(`${namespace ?? ""}/${name}`);
    return obj ? deepCopy(obj) : undefined;
  }

  list(resource: string, namespace?: string): KObject[] {
    const out: KObject[] = [];
    for (const obj of this.data.get(resource)?.values() ?? []) {
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(deepCopy(obj));
    }
    return out.sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
  }

  resources(): string[] {
    return [...this.data.keys()];
  }

  /** Stores a new object; the caller has checked it does not exist. Sets resourceVersion. */
  insert(resource: string, obj: KObject): KObject {
    const stored = deepCopy(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    this.bucket(resource).set(objectKey(stored), stored);
    this.emit({ type: "ADDED", resource, object: deepCopy(stored), rv: this.rv });
    return deepCopy(stored);
  }

  /** Replaces an existing object; the caller has checked preconditions. Sets resourceVersion. */
  replace(resource: string, obj: KObject): KObject {
    const bucket = this.bucket(resource);
    const key = objectKey(obj);
    const old = bucket.get(key);
    const stored = deepCopy(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    bucket.set(key, stored);
    this.emit({ type: "MODIFIED", resource, object: deepCopy(stored), old: old ? deepCopy(old) : undefined, rv: this.rv });
    return deepCopy(stored);
  }

  /** Removes an object for good. */
  remove(resource: string, obj: KObject): KObject | undefined {
    const bucket = this.bucket(resource);
    const key = objectKey(obj);
    const old = bucket.get(key);
    if (!old) return undefined;
    bucket.delete(key);
    const gone = deepCopy(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ type: "DELETED", resource, object: deepCopy(gone), old: deepCopy(old), rv: this.rv });
    return gone;
  }

  /** Events after `rv` for one resource, or undefined when the history no longer reaches back that far. */
  since(resource: string, rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestResumable) return undefined;
    return this.history.filter((e) => e.rv > rv && e.resource === resource);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Writes the state file now (also done shortly after every change). */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (!this.file) return;
    const state: PersistedState = { resourceVersion: this.rv, objects: [] };
    for (const [resource, bucket] of this.data) {
      for (const object of bucket.values()) state.objects.push({ resource, object });
    }
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.file);
  }

  close(): void {
    this.flush();
    this.listeners.clear();
  }

  private bucket(resource: string): Map<string, KObject> {
    let bucket = this.data.get(resource);
    if (!bucket) {
      bucket = new Map();
      this.data.set(resource, bucket);
    }
    return bucket;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    if (this.file && !this.saveTimer) this.saveTimer = setTimeout(() => this.flush(), 250);
    for (const listener of [...this.listeners]) listener(event);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return;
    }
    const state = JSON.parse(text) as PersistedState;
    this.rv = state.resourceVersion;
    for (const { resource, object } of state.objects) this.bucket(resource).set(objectKey(object), object);
  }
}
