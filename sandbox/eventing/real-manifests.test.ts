// The project's own knative/ manifests through the sandbox's loader: they must load and compile (a bad filter fails
// here), every destination must exist, and the routing must match docs/event-catalog.md.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resolveEntrypoint } from "./function-spec.ts";
import type { Destination } from "./manifest-schemas.ts";
import { loadManifestDir } from "./manifests.ts";
import { compileModel } from "./model.ts";
import { PING_TYPE, pingSourceUri } from "./pingsource.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const manifests = loadManifestDir(`${ROOT}knative`, "backup");
const model = compileModel(manifests);
const services = new Set(manifests.services.map((s) => `${s.namespace}/${s.name}`));

function serviceOf(d: Destination, ns: string): string {
  return d.ref?.kind === "Service" ? `${d.ref.namespace ?? ns}/${d.ref.name}` : `<${d.ref?.kind ?? d.uri ?? "?"}>`;
}

/** Which services an event with these attributes reaches. */
function route(attrs: Record<string, string>): string[] {
  const full = { specversion: "1.0", id: "1", ...attrs };
  return [...new Set(model.triggers.filter((t) => t.match(full)).map((t) => serviceOf(t.subscriber, t.namespace)))].sort();
}

describe("knative/ manifests in the sandbox", () => {
  it("load and compile without problems or warnings", () => {
    expect(model.warnings).toEqual([]);
    expect([...model.brokers.keys()]).toEqual(["backup/rafdir"]);
    expect(model.triggers.length).toBeGreaterThan(0);
  });

  it("name only destinations that exist", () => {
    for (const t of model.triggers) {
      expect(services, `${t.origin}: Trigger ${t.key} subscriber`).toContain(serviceOf(t.subscriber, t.namespace));
      if (t.delivery.deadLetterSink) expect(services, `Trigger ${t.key} dead-letter sink`).toContain(serviceOf(t.delivery.deadLetterSink, t.namespace));
    }
    for (const s of [...model.pingSources, ...model.apiServerSources]) {
      expect(s.sink.ref?.kind, `${s.namespace}/${s.name} sink`).toBe("Broker");
      expect(model.brokers.has(`${s.sink.ref?.namespace ?? s.namespace}/${s.sink.ref?.name ?? ""}`)).toBe(true);
    }
  });

  it("describe services the sandbox runs locally, all five (none skipped for a missing entry point)", () => {
    expect(manifests.services.map((s) => s.name).sort()).toEqual(["rafdir-cleanup", "rafdir-plan", "rafdir-restore", "rafdir-run-restic", "rafdir-snapshot"]);
    for (const s of manifests.services) {
      const c = s.object.spec.template.spec.containers[0];
      if (!c) throw new Error(`${s.name} has no container`);
      const entry = resolveEntrypoint(c, s.name, ROOT, existsSync, "node", "tsx");
      expect(entry, s.name).not.toHaveProperty("skip");
    }
  });

  it.each<[string, Record<string, string>, string[]]>([
    ["schedule tick", { type: PING_TYPE, source: pingSourceUri("backup", "rafdir-schedule-daily") }, ["backup/rafdir-plan"]],
    ["janitor tick", { type: PING_TYPE, source: pingSourceUri("backup", "rafdir-janitor") }, ["backup/rafdir-cleanup", "backup/rafdir-plan", "backup/rafdir-restore"]],
    ["foreign ping", { type: PING_TYPE, source: pingSourceUri("other", "rafdir-schedule-daily") }, []],
    ["backup.requested", { type: "io.rafdir.backup.requested", source: "/cli" }, ["backup/rafdir-plan"]],
    ["backup.planned", { type: "io.rafdir.backup.planned", source: "/rafdir/plan" }, ["backup/rafdir-snapshot"]],
    ["snapshot.ready", { type: "io.rafdir.snapshot.ready", source: "/rafdir/snapshot" }, ["backup/rafdir-run-restic", "backup/rafdir-snapshot"]],
    ["pvc.bound", { type: "io.rafdir.pvc.bound", source: "/rafdir/snapshot" }, ["backup/rafdir-run-restic"]],
    ["pod.finished", { type: "io.rafdir.pod.finished", source: "/rafdir/run-restic" }, ["backup/rafdir-cleanup"]],
    ["restore.requested", { type: "io.rafdir.restore.requested", source: "/cli" }, ["backup/rafdir-restore"]],
    ["backup.succeeded (a free slot for a queued run)", { type: "io.rafdir.backup.succeeded", source: "/rafdir/cleanup" }, ["backup/rafdir-plan"]],
    ["backup.failed (a free slot for a queued run)", { type: "io.rafdir.backup.failed", source: "/rafdir/cleanup" }, ["backup/rafdir-plan"]],
    ["restore.succeeded is terminal", { type: "io.rafdir.restore.succeeded", source: "/rafdir/restore" }, []],
    ["pod add", { type: "dev.knative.apiserver.resource.add", source: "https://k", kind: "Pod" }, ["backup/rafdir-run-restic"]],
    ["pod update", { type: "dev.knative.apiserver.resource.update", source: "https://k", kind: "Pod" }, ["backup/rafdir-restore", "backup/rafdir-run-restic"]],
    ["pod delete", { type: "dev.knative.apiserver.resource.delete", source: "https://k", kind: "Pod" }, ["backup/rafdir-run-restic"]],
    ["VolumeSnapshot update", { type: "dev.knative.apiserver.resource.update", source: "https://k", kind: "VolumeSnapshot" }, ["backup/rafdir-snapshot"]],
    ["PVC add", { type: "dev.knative.apiserver.resource.add", source: "https://k", kind: "PersistentVolumeClaim" }, ["backup/rafdir-snapshot"]],
    ["PVC update", { type: "dev.knative.apiserver.resource.update", source: "https://k", kind: "PersistentVolumeClaim" }, ["backup/rafdir-restore", "backup/rafdir-snapshot"]],
    ["PVC delete", { type: "dev.knative.apiserver.resource.delete", source: "https://k", kind: "PersistentVolumeClaim" }, ["backup/rafdir-restore", "backup/rafdir-snapshot"]],
  ])("routes %s per the event catalog", (_n, attrs, want) => expect(route(attrs)).toEqual(want));

  it("ApiServerSource emits full objects (mode Resource), as the catalog's resource.* types need", () => {
    for (const a of model.apiServerSources) expect(a.mode, `${a.namespace}/${a.name}`).toBe("Resource");
  });
});
