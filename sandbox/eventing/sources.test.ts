// Pure parts of the sources: PingSource schedules and events, ApiServerSource events.
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { apiServerEvent, ownedBy, selfLink } from "./apiserversource.ts";
import { parseSchedule, pingEvent, type PingRuntime } from "./pingsource.ts";

describe("parseSchedule", () => {
  it.each([
    ["0 2 * * *", undefined, { pattern: "0 2 * * *", timezone: undefined }],
    ["*/10 * * * *", "Europe/Berlin", { pattern: "*/10 * * * *", timezone: "Europe/Berlin" }],
    ["CRON_TZ=America/New_York 0 1 * * 1-5", undefined, { pattern: "0 1 * * 1-5", timezone: "America/New_York" }],
    ["@daily", undefined, { pattern: "0 0 * * *", timezone: undefined }],
    ["@hourly", "UTC", { pattern: "0 * * * *", timezone: "UTC" }],
  ])("%j (tz %s)", (schedule, tz, want) => expect(parseSchedule(schedule, tz)).toEqual(want));

  it.each([
    ["@every 1m", undefined, /@every is not allowed/],
    ["@sometimes", undefined, /unknown descriptor/],
    ["0 0 2 * * *", undefined, /5 fields/],
    ["* * *", undefined, /5 fields/],
    ["61 * * * *", undefined, /61 \* \* \* \*/],
    ["0 2 * * *", "Mars/Olympus", /unknown timezone/],
    ["CRON_TZ=UTC 0 2 * * *", "Europe/Berlin", /spec\.timezone/],
  ])("rejects %j (tz %s)", (schedule, tz, msg) => {
    const r = parseSchedule(schedule, tz);
    expect(r).toHaveProperty("error");
    if ("error" in r) expect(r.error).toMatch(msg);
  });

  it("the timezone moves the fire time", () => {
    const s = parseSchedule("0 2 * * *", "Europe/Berlin");
    if ("error" in s) throw new Error(s.error);
    const next = new Cron(s.pattern, { timezone: s.timezone, paused: true }).nextRun(new Date("2026-01-15T00:00:00Z"));
    expect(next?.toISOString()).toBe("2026-01-15T01:00:00.000Z"); // 02:00 CET
    const summer = new Cron(s.pattern, { timezone: s.timezone, paused: true }).nextRun(new Date("2026-07-14T23:00:00Z"));
    expect(summer?.toISOString()).toBe("2026-07-15T00:00:00.000Z"); // 02:00 CEST
  });
});

describe("pingEvent", () => {
  const p: PingRuntime = {
    namespace: "backup",
    name: "rafdir-janitor",
    pattern: "* * * * *",
    timezone: undefined,
    data: Buffer.from('{"janitor":true}'),
    contentType: "application/json",
    extensions: { rafdirjob: "janitor" },
    sink: { uri: "http://x" },
  };
  it("has the real type, source, data bytes, content type and overrides", () => {
    const ev = pingEvent(p, "uuid-1", new Date("2026-01-01T00:00:00Z"));
    expect(ev.attrs).toEqual({
      specversion: "1.0",
      id: "uuid-1",
      type: "dev.knative.sources.ping",
      source: "/apis/v1/namespaces/backup/pingsources/rafdir-janitor",
      time: "2026-01-01T00:00:00.000Z",
      datacontenttype: "application/json",
      rafdirjob: "janitor",
    });
    expect(ev.data?.toString()).toBe('{"janitor":true}');
  });
  it("omits datacontenttype without contentType", () => {
    expect(pingEvent({ ...p, contentType: undefined }, "u", new Date()).attrs).not.toHaveProperty("datacontenttype");
  });
});

describe("apiServerEvent", () => {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "backup-1", namespace: "backup", labels: { a: "b" } }, status: { phase: "Running" } };
  it("Resource mode: full object, real attribute shapes", () => {
    const ev = apiServerEvent("update", pod, "pods", { mode: "Resource", extensions: {} }, "https://127.0.0.1:6443", "id-1", new Date(0));
    expect(ev.attrs).toMatchObject({
      type: "dev.knative.apiserver.resource.update",
      source: "https://127.0.0.1:6443",
      subject: "/apis/v1/namespaces/backup/pods/backup-1",
      datacontenttype: "application/json",
      kind: "Pod",
      apiversion: "v1",
      name: "backup-1",
      namespace: "backup",
    });
    expect(JSON.parse(ev.data?.toString() ?? "")).toEqual(pod);
  });
  it("Reference mode (Knative's default): ref.* with a reference as data", () => {
    const ev = apiServerEvent("add", pod, "pods", { mode: "Reference", extensions: { x: "y" } }, "https://h", "id", new Date(0));
    expect(ev.attrs["type"]).toBe("dev.knative.apiserver.ref.add");
    expect(ev.attrs["x"]).toBe("y");
    expect(JSON.parse(ev.data?.toString() ?? "")).toEqual({ apiVersion: "v1", kind: "Pod", name: "backup-1", namespace: "backup" });
  });
  it("group resources keep their group in the subject", () => {
    expect(selfLink("snapshot.storage.k8s.io/v1", "ns", "volumesnapshots", "s")).toBe("/apis/snapshot.storage.k8s.io/v1/namespaces/ns/volumesnapshots/s");
  });
  it("owner filter matches kind and group", () => {
    const owned = { ...pod, metadata: { ...pod.metadata, ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: "u" }] } };
    expect(ownedBy(owned, { apiVersion: "batch/v1", kind: "Job" })).toBe(true);
    expect(ownedBy(owned, { apiVersion: "apps/v1", kind: "Job" })).toBe(false);
    expect(ownedBy(pod, { apiVersion: "batch/v1", kind: "Job" })).toBe(false);
    expect(ownedBy(pod, undefined)).toBe(true);
  });
});
