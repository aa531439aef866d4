// The backup's second half through the local Knative stand-in wired from knative/: io.rafdir.pvc.bound posted to
// the Broker, rafdir-run-restic and rafdir-cleanup running as their own processes, the backup pod's end arriving as
// ApiServerSource events, the replies re-published by the Broker — until io.rafdir.backup.succeeded, once, with a
// fault rule that duplicates every io.rafdir.pod.finished delivery.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP } from "cloudevents";
import { EventTypes, newEvent } from "../../shared/events.ts";
import { createKube, type Kube } from "../../shared/kube/port.ts";
import { statusOf, type BackupRun } from "../../shared/runs/run.ts";
import { parseRecords } from "../../sandbox/eventing/eventlog.ts";
import { testSandbox, waitFor, type TestSandbox } from "../../test/support/sandbox.ts";
import { APP_NS, configure, leftovers, prepareCopiedRun, repositorySnapshots, startApp } from "../common/backup-fixture.test-util.ts";
import { getRun } from "../common/index.ts";
import { testDeps } from "../common/testing.test-util.ts";

describe("run-restic and cleanup behind the Broker (sandbox eventing)", () => {
  let sb: TestSandbox;
  let kube: Kube;
  beforeAll(async () => {
    sb = await testSandbox({ eventing: { timeScale: 0.01, schedulePings: false, faults: { duplicate: { every: 1, type: EventTypes.podFinished } } } });
    kube = createKube(sb.kc);
  });
  afterAll(async () => {
    await sb?.close();
  });

  it("pvc.bound → backup pod → pod.finished (duplicated) → exactly one backup.succeeded, nothing left", async () => {
    const eventing = sb.eventing;
    if (!eventing) throw new Error("eventing did not start");
    const appPod = await startApp(kube, "web");
    await configure(kube, `web: {namespace: ${APP_NS}, deployment: web, folders: [/data]}\n`);
    const run = "web-20261126020000";
    await prepareCopiedRun(kube, { run, profile: "web", pvc: "web-data", pod: appPod, mountPath: "/data" });

    const bound = HTTP.binary(newEvent(EventTypes.pvcBound, "/rafdir/snapshot", { run, profile: "web", pvcs: [{ name: `rafdir-${run}-0`, phase: "Bound" }] }));
    const res = await fetch(eventing.brokerUrl, { method: "POST", headers: bound.headers as Record<string, string>, body: bound.body as string });
    expect(res.status).toBe(202);

    const deps = testDeps(kube, { name: "cleanup" });
    const final = await waitFor(
      "the run to end",
      async () => {
        const r = await getRun(deps, run);
        const s = r && statusOf(r as BackupRun);
        return s && (s.phase === "Succeeded" || s.phase === "Failed") ? s : undefined;
      },
      90_000,
    );
    await eventing.idle();
    const records = parseRecords(readFileSync(eventing.eventLogPath, "utf8")).records;
    const events = records.filter((r) => r.kind === "event" && r.rafdirrun === run).map((r) => (r.kind === "event" ? r.type : ""));
    expect(final, JSON.stringify(events)).toMatchObject({ phase: "Succeeded" });
    expect(events.filter((t) => t === EventTypes.backupSucceeded)).toHaveLength(1);
    expect(events).toEqual(expect.arrayContaining([EventTypes.pvcBound, EventTypes.podFinished, EventTypes.backupSucceeded]));
    expect(records.filter((r) => r.kind === "deadletter")).toEqual([]);
    expect(await waitFor("no leftovers", async () => ((await leftovers(kube, run)).length === 0 ? [] : undefined))).toEqual([]);
    expect((await repositorySnapshots(sb, "web", "web")).map((s) => s.paths)).toEqual([["/data"]]);
  });
});
