import { describe, expect, it } from "vitest";
import { CloudEvent } from "cloudevents";
import { EventContractError } from "./errors.ts";
import {
  Catalog,
  EventTypes,
  Extensions,
  FunctionNames,
  functionSource,
  isKnownType,
  newEvent,
  parseEventData,
  runAndProfileOf,
  toCatalogEvent,
  type EventType,
} from "./events.ts";

const allTypes = Object.values(EventTypes);

/** One valid data sample per type: the test below fails when a type is added without one. */
const samples: { [T in EventType]: unknown } = {
  [EventTypes.ping]: { schedule: "nightly" },
  [EventTypes.backupRequested]: { profiles: ["app"], force: true },
  [EventTypes.backupPlanned]: { run: "app-20261126", profile: "app" },
  [EventTypes.snapshotReady]: { run: "r", profile: "p", snapshots: [{ pvc: "data", volumeSnapshot: "r-data", namespace: "app" }] },
  [EventTypes.pvcBound]: { run: "r", profile: "p", pvcs: [{ name: "r-data", phase: "WaitingForFirstConsumer" }] },
  [EventTypes.podFinished]: { run: "r", pod: "r-backup", phase: "Succeeded", result: { snapshot_id: "abc" } },
  [EventTypes.backupAborted]: { run: "r", profile: "p", step: "target", reason: "NoTargetPod", message: "no pod matches app=web in namespace shop" },
  [EventTypes.backupSucceeded]: { run: "r", profile: "p", summary: { files_new: 1 } },
  [EventTypes.backupFailed]: { run: "r", profile: "p", reason: "PodFailed", message: "exit 3" },
  [EventTypes.restoreRequested]: { profile: "p", target: { namespace: "app", pvc: "data-restored" } },
  [EventTypes.restoreSucceeded]: { run: "rr", profile: "p", target: { namespace: "app", pvc: "x" } },
  [EventTypes.restoreFailed]: { run: "rr", profile: "p", reason: "NoSnapshot" },
  [EventTypes.configInvalid]: { profile: "p", field: "folders", message: "expected a list" },
  [EventTypes.resourceAdded]: { apiVersion: "v1", kind: "Pod", metadata: { name: "r-backup", namespace: "backup" } },
  [EventTypes.resourceUpdated]: { apiVersion: "v1", kind: "Pod", metadata: { name: "r-backup" }, status: { phase: "Running" } },
  [EventTypes.resourceDeleted]: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "r-data" } },
};

describe("the event catalog", () => {
  it.each(allTypes)("given %s, has a schema, a description, producers and consumers or the terminal flag", (type) => {
    const spec = Catalog[type];
    expect(typeof spec.data.safeParse).toBe("function");
    expect(spec.description).not.toBe("");
    expect(spec.producers.length).toBeGreaterThan(0);
    expect(spec.terminal).toBe(spec.consumers.length === 0);
    for (const fn of spec.consumers) expect(FunctionNames).toContain(fn);
  });

  it.each(allTypes)("given %s, names it io.rafdir.<noun>.<past-tense verb> or a Knative source type", (type) => {
    expect(type).toMatch(/^(io\.rafdir\.[a-z]+\.[a-z]+|dev\.knative\.(sources\.ping|apiserver\.resource\.(add|update|delete)))$/);
  });

  it("given the catalog keys and EventTypes, returns the same set", () => {
    expect(Object.keys(Catalog).sort()).toEqual([...allTypes].sort());
  });

  it.each(allTypes)("given a valid sample of %s, parses it", (type) => {
    expect(parseEventData(type, samples[type])).toMatchObject({ ok: true });
  });

  it.each([
    ["a known type", EventTypes.podFinished, true],
    ["an unknown rafdir type", "io.rafdir.backup.exploded", false],
    ["a prototype key", "constructor", false],
    ["ApiServerSource reference mode (not used)", "dev.knative.apiserver.ref.add", false],
  ])("given %s, isKnownType returns %s", (_what, type, expected) => {
    expect(isKnownType(type)).toBe(expected);
  });
});

describe("parseEventData", () => {
  it.each([
    ["planned without run", EventTypes.backupPlanned, { profile: "p" }, "data.run: "],
    ["snapshot without pvc", EventTypes.snapshotReady, { run: "r", profile: "p", snapshots: [{ volumeSnapshot: "s", namespace: "n" }] }, "data.snapshots[0].pvc: "],
    ["pvc in an unknown phase", EventTypes.pvcBound, { run: "r", profile: "p", pvcs: [{ name: "x", phase: "Lost" }] }, "data.pvcs[0].phase: "],
    ["pod phase Running", EventTypes.podFinished, { run: "r", pod: "x", phase: "Running" }, "data.phase: "],
    ["restore without target", EventTypes.restoreRequested, { profile: "p" }, "data.target: "],
    ["a Kubernetes object without metadata.name", EventTypes.resourceUpdated, { apiVersion: "v1", kind: "Pod", metadata: {} }, "data.metadata.name: "],
    ["requested with a string for profiles", EventTypes.backupRequested, { profiles: "app" }, "data.profiles: "],
    ["data that is not an object", EventTypes.backupPlanned, "run", "data: "],
  ])("given %s, returns a reason naming the field", (_what, type, data, prefix) => {
    const result = parseEventData(type, data);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.startsWith(prefix)).toBe(true);
  });

  it.each([
    ["a ping with no data", EventTypes.ping, undefined, {}],
    ["a janitor ping", EventTypes.ping, { janitor: true }, { janitor: true }],
    ["backup.requested with no data (all profiles)", EventTypes.backupRequested, null, {}],
    ["unknown keys in rafdir data", EventTypes.backupPlanned, { run: "r", profile: "p", extra: 1 }, { run: "r", profile: "p" }],
  ])("given %s, returns %j", (_what, type, data, expected) => {
    expect(parseEventData(type, data)).toEqual({ ok: true, data: expected });
  });

  it("given a Kubernetes object, keeps every field (passthrough)", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "a", labels: { x: "y" } }, status: { phase: "Failed" } };
    expect(parseEventData(EventTypes.resourceUpdated, pod)).toEqual({ ok: true, data: pod });
  });
});

describe("newEvent", () => {
  it("given valid data, returns a validated CloudEvent with the run and profile extensions from the data", () => {
    const ev = newEvent(EventTypes.backupPlanned, functionSource("plan"), { run: "app-1", profile: "app" }, { subject: "app/data" });
    expect(ev).toBeInstanceOf(CloudEvent);
    expect(ev.validate()).toBe(true);
    expect(ev).toMatchObject({
      type: "io.rafdir.backup.planned",
      source: "/rafdir/plan",
      specversion: "1.0",
      subject: "app/data",
      datacontenttype: "application/json",
      data: { run: "app-1", profile: "app" },
      [Extensions.run]: "app-1",
      [Extensions.profile]: "app",
    });
  });

  it("given an id and a time, returns the event with both (deterministic re-emission)", () => {
    const ev = newEvent(EventTypes.backupRequested, "/rafdir/cli", {}, { id: "fixed", time: new Date(0) });
    expect(ev.id).toBe("fixed");
    expect(ev.time).toBe("1970-01-01T00:00:00.000Z");
    expect(ev[Extensions.run]).toBeUndefined();
  });

  it.each([
    ["data failing its schema", () => newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "", profile: "p" }), /data\.run/],
    ["a run option contradicting data.run", () => newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "a", profile: "p" }, { run: "b" }), /run "b" differs/],
    ["an empty source", () => newEvent(EventTypes.backupRequested, "", {}), /backup\.requested/],
  ])("given %s, throws EventContractError", (_what, build, message) => {
    expect(build).toThrow(EventContractError);
    expect(build).toThrow(message);
  });
});

describe("toCatalogEvent and runAndProfileOf", () => {
  it.each([
    ["an unknown type", { type: "com.example.x", source: "/x", data: {} }, "unknown event type com.example.x"],
    ["bad data", { type: EventTypes.podFinished, source: "/x", data: { run: "r" } }, "invalid io.rafdir.pod.finished: data.pod: "],
  ])("given %s, returns the reason", (_what, attrs, reason) => {
    const result = toCatalogEvent(new CloudEvent<unknown>(attrs));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.startsWith(reason)).toBe(true);
  });

  it.each([
    ["extensions", { [Extensions.run]: "r1", [Extensions.profile]: "p1", data: { run: "x" } }, { run: "r1", profile: "p1" }],
    ["data only", { data: { run: "r2", profile: "p2" } }, { run: "r2", profile: "p2" }],
    ["neither", { data: { apiVersion: "v1" } }, {}],
    ["no data", {}, {}],
  ])("given %s, returns %j", (_what, event, expected) => {
    expect(runAndProfileOf(event)).toEqual(expected);
  });
});
