// THE event catalog (DESIGN.md §3, docs/event-catalog.md): every CloudEvent type rafdir produces or consumes,
// its zod data schema, who produces it and which function consumes it. No other file writes a type string.
import { CloudEvent } from "cloudevents";
import type { z } from "zod";
import * as Data from "./event-data.ts";
import { EventContractError } from "./errors.ts";

export const FunctionNames = ["plan", "snapshot", "run-restic", "cleanup", "restore"] as const;
export type FunctionName = (typeof FunctionNames)[number];

/** The CloudEvent `source` of a function's events: `/rafdir/<function>`. */
export const functionSource = (fn: FunctionName): `/rafdir/${FunctionName}` => `/rafdir/${fn}`;
/** The Knative Service that runs a function: `rafdir-<function>`. */
export const serviceName = (fn: FunctionName): `rafdir-${FunctionName}` => `rafdir-${fn}`;

/** CloudEvent extension attributes carrying the run and the profile (lowercase alphanumerics). */
export const Extensions = { run: "rafdirrun", profile: "rafdirprofile" } as const;

export const EventTypes = {
  ping: "dev.knative.sources.ping",
  backupRequested: "io.rafdir.backup.requested",
  backupPlanned: "io.rafdir.backup.planned",
  snapshotReady: "io.rafdir.snapshot.ready",
  pvcBound: "io.rafdir.pvc.bound",
  podFinished: "io.rafdir.pod.finished",
  backupAborted: "io.rafdir.backup.aborted",
  backupSucceeded: "io.rafdir.backup.succeeded",
  backupFailed: "io.rafdir.backup.failed",
  restoreRequested: "io.rafdir.restore.requested",
  restoreSucceeded: "io.rafdir.restore.succeeded",
  restoreFailed: "io.rafdir.restore.failed",
  configInvalid: "io.rafdir.config.invalid",
  resourceAdded: "dev.knative.apiserver.resource.add",
  resourceUpdated: "dev.knative.apiserver.resource.update",
  resourceDeleted: "dev.knative.apiserver.resource.delete",
} as const;
export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

export type Producer = FunctionName | "user" | "cli" | "PingSource" | "ApiServerSource";

export interface EventSpec {
  readonly data: z.ZodType;
  readonly description: string;
  readonly producers: readonly Producer[];
  readonly consumers: readonly FunctionName[];
  /** No rafdir function consumes it (notifications, logs); its consumers list is empty. */
  readonly terminal: boolean;
}

/** Routed per kind (extension `kind`): Pods → run-restic, restore; PVCs → snapshot, restore; VolumeSnapshots → snapshot. */
const kubeResource = (what: string, consumers: readonly FunctionName[]): EventSpec => ({
  data: Data.KubeObjectData,
  description: `ApiServerSource rafdir-resources: a rafdir-labelled Pod, PVC or VolumeSnapshot was ${what}`,
  producers: ["ApiServerSource"],
  consumers,
  terminal: false,
});

const outcome = (what: string, data: z.ZodType, producer: FunctionName, consumers: readonly FunctionName[] = []): EventSpec => ({
  data,
  description: what,
  producers: [producer],
  consumers,
  terminal: consumers.length === 0,
});

export const Catalog = {
  [EventTypes.ping]: {
    data: Data.PingData,
    description: "PingSource tick: rafdir-schedule-<name> → plan, rafdir-janitor → cleanup, restore and plan (routed by source)",
    producers: ["PingSource"],
    consumers: ["plan", "cleanup", "restore"],
    terminal: false,
  },
  [EventTypes.backupRequested]: {
    data: Data.BackupRequestedData,
    description: "manual backup: some or all profiles, optionally forced",
    producers: ["user", "cli"],
    consumers: ["plan"],
    terminal: false,
  },
  [EventTypes.backupPlanned]: {
    data: Data.BackupPlannedData,
    description: "one BackupRun was created for one profile",
    producers: ["plan"],
    consumers: ["snapshot"],
    terminal: false,
  },
  [EventTypes.snapshotReady]: {
    data: Data.SnapshotReadyData,
    description: "the run's VolumeSnapshots exist and are ready to use",
    producers: ["snapshot"],
    consumers: ["snapshot", "run-restic"],
    terminal: false,
  },
  [EventTypes.pvcBound]: {
    data: Data.PvcBoundData,
    description: "the backup PVCs are bound, or wait for their first consumer",
    producers: ["snapshot"],
    consumers: ["run-restic"],
    terminal: false,
  },
  [EventTypes.podFinished]: {
    data: Data.PodFinishedData,
    description: "a backup pod ended, with the restic summary",
    producers: ["run-restic"],
    consumers: ["cleanup"],
    terminal: false,
  },
  [EventTypes.backupAborted]: {
    data: Data.BackupAbortedData,
    description: "a step could not go on (no target pod, driver mismatch, quiesce failed, ...): tear the run down",
    producers: ["snapshot", "run-restic"],
    consumers: ["cleanup"],
    terminal: false,
  },
  // plan starts queued runs when a slot frees up; notifications and logs take them too.
  [EventTypes.backupSucceeded]: outcome("a run finished and was cleaned up", Data.BackupOutcomeData, "cleanup", ["plan"]),
  [EventTypes.backupFailed]: outcome("a run failed and was cleaned up", Data.BackupOutcomeData, "cleanup", ["plan"]),
  [EventTypes.restoreRequested]: {
    data: Data.RestoreRequestedData,
    description: "restore a restic snapshot into a PVC",
    producers: ["user", "cli"],
    consumers: ["restore"],
    terminal: false,
  },
  [EventTypes.restoreSucceeded]: outcome("a restore finished", Data.RestoreOutcomeData, "restore"),
  [EventTypes.restoreFailed]: outcome("a restore failed", Data.RestoreOutcomeData, "restore"),
  [EventTypes.configInvalid]: outcome("a profile failed validation and was skipped", Data.ConfigInvalidData, "plan"),
  // restore takes no add events: it creates its pods and PVCs itself; their progress arrives as updates.
  [EventTypes.resourceAdded]: kubeResource("added", ["snapshot", "run-restic"]),
  [EventTypes.resourceUpdated]: kubeResource("updated", ["snapshot", "run-restic", "restore"]),
  [EventTypes.resourceDeleted]: kubeResource("deleted", ["snapshot", "run-restic", "restore"]),
} as const satisfies Record<EventType, EventSpec>;

/** The parsed (zod output) data of an event type. */
export type EventData<T extends EventType> = z.output<(typeof Catalog)[T]["data"]>;

/** A validated catalog event: its type is the literal T and its data has passed T's schema. */
export type TypedEvent<T extends EventType> = CloudEvent<EventData<T>> & { readonly type: T; readonly data: EventData<T> };

/** Any catalog event, discriminated on `type`. */
export type RafdirEvent = { [T in EventType]: TypedEvent<T> }[EventType];

export function isKnownType(type: string): type is EventType {
  return Object.hasOwn(Catalog, type);
}

export type DataResult<D> = { ok: true; data: D } | { ok: false; reason: string };

/** Parses data against its type's schema; the reason names the first failing field, never its value. */
export function parseEventData<T extends EventType>(type: T, data: unknown): DataResult<EventData<T>> {
  const schema = Catalog[type].data as z.ZodType<EventData<T>>;
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, data: result.data };
  const issue = result.error.issues[0];
  const where = ["data", ...(issue?.path ?? [])].map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
  return { ok: false, reason: `${where}: ${issue?.message ?? "invalid"}` };
}

/** Checks a CloudEvent (data already decoded) against the catalog and returns it with its data parsed. */
export function toCatalogEvent(event: CloudEvent<unknown>): { ok: true; event: RafdirEvent } | { ok: false; reason: string } {
  if (!isKnownType(event.type)) return { ok: false, reason: `unknown event type ${event.type}` };
  const parsed = parseEventData(event.type, event.data);
  if (!parsed.ok) return { ok: false, reason: `invalid ${event.type}: ${parsed.reason}` };
  return { ok: true, event: event.cloneWith({ data: parsed.data }, false) as RafdirEvent };
}

/** The run and profile of an event: its extensions first, then its data. */
export function runAndProfileOf(event: { data?: unknown; [key: string]: unknown }): { run?: string; profile?: string } {
  const data = typeof event.data === "object" && event.data !== null ? (event.data as Record<string, unknown>) : {};
  const pick = (ext: unknown, field: unknown): string | undefined =>
    typeof ext === "string" && ext ? ext : typeof field === "string" && field ? field : undefined;
  const run = pick(event[Extensions.run], data["run"]);
  const profile = pick(event[Extensions.profile], data["profile"]);
  return { ...(run ? { run } : {}), ...(profile ? { profile } : {}) };
}

export interface EventOptions {
  /** Defaults to data.run; the `rafdirrun` extension. */
  run?: string;
  /** Defaults to data.profile; the `rafdirprofile` extension. */
  profile?: string;
  subject?: string;
  /** Pass a deterministic id to make re-emission after a retry a duplicate the receiver can drop. */
  id?: string;
  time?: Date | string;
}

/**
 * Builds a validated catalog event. The run and profile extensions mirror data.run/data.profile unless given.
 * Throws EventContractError when data fails its schema or the options contradict the data.
 */
export function newEvent<T extends EventType>(type: T, source: string, data: EventData<T>, ext: EventOptions = {}): TypedEvent<T> {
  const parsed = parseEventData(type, data);
  if (!parsed.ok) throw new EventContractError(`newEvent ${type}: ${parsed.reason}`);
  const fromData = runAndProfileOf({ data: parsed.data });
  for (const key of ["run", "profile"] as const) {
    const given = ext[key];
    const inData = fromData[key];
    if (given !== undefined && inData !== undefined && given !== inData) {
      throw new EventContractError(`newEvent ${type}: ${key} "${given}" differs from data.${key} "${inData}"`);
    }
  }
  const run = ext.run ?? fromData.run;
  const profile = ext.profile ?? fromData.profile;
  try {
    return new CloudEvent({
      type,
      source,
      datacontenttype: "application/json",
      data: parsed.data,
      ...(ext.id !== undefined ? { id: ext.id } : {}),
      ...(ext.time !== undefined ? { time: new Date(ext.time).toISOString() } : {}),
      ...(ext.subject !== undefined ? { subject: ext.subject } : {}),
      ...(run !== undefined ? { [Extensions.run]: run } : {}),
      ...(profile !== undefined ? { [Extensions.profile]: profile } : {}),
    }) as TypedEvent<T>;
  } catch (err) {
    throw new EventContractError(`newEvent ${type}: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`, { cause: err });
  }
}
