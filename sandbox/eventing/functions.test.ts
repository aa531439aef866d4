// The function runner with a real process: testdata/project/functions/echo/main.ts is started for the Service
// rafdir-echo (by convention), with PORT, K_SINK and KUBECONFIG; rafdir-missing has no entry point and is skipped.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Api } from "../apiserver/api.ts";
import { Store } from "../apiserver/store.ts";
import { createLogger } from "../../shared/log.ts";
import { startEventing, type Eventing } from "./eventing.ts";
import { parseRecords } from "./eventlog.ts";
import { binaryHeaders, post, startRecorder, TESTDATA, type Recorder } from "./recorder.test-util.ts";

let eventing: Eventing;
let sinkCheck: Recorder;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rafdir-functions-"));
  sinkCheck = await startRecorder();
  eventing = await startEventing({
    dir,
    manifestsDir: join(TESTDATA, "functions"),
    api: new Api(new Store()),
    apiServerUrl: "https://127.0.0.1:6443",
    kubeconfig: join(dir, "kubeconfig"),
    projectRoot: join(TESTDATA, "project"),
    log: createLogger({ level: process.env["RAFDIR_TEST_LOG"] ?? "silent" }),
    timeScale: 0.01,
    schedulePings: false,
    services: { "sink-check": sinkCheck.url },
  });
});

afterAll(async () => {
  await eventing.stop();
  await sinkCheck.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("functions", () => {
  it("starts the services whose entry point exists, with PORT, K_SINK and KUBECONFIG", async () => {
    expect([...eventing.functions.keys()]).toEqual(["backup/rafdir-echo"]);
    const url = eventing.functions.get("backup/rafdir-echo") ?? "";
    expect((await fetch(`${url}/health/readiness`)).status).toBe(200);
    expect((await post(eventing.brokerUrl, binaryHeaders("test.echo", { "ce-id": "e1" }))).status).toBe(202);
    await sinkCheck.waitFor(1, 10_000);
    const [got] = sinkCheck.received;
    expect(got?.attrs).toMatchObject({ type: "test.echo.sink", id: "echo-e1", source: "/rafdir/echo" });
    expect(JSON.parse(got?.body.toString() ?? "{}")).toEqual({
      kSink: eventing.brokerUrl,
      port: Number(new URL(url).port),
      kubeconfig: join(dir, "kubeconfig"),
      service: "rafdir-echo",
      fn: "echo",
      namespace: "backup",
    });
    expect(existsSync(join(dir, "functions", "rafdir-echo.log"))).toBe(true);
  });

  it("restarts a function that dies, on the same URL", async () => {
    const url = eventing.functions.get("backup/rafdir-echo") ?? "";
    const pid = Number(await (await fetch(`${url}/pid`)).text());
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + 15_000;
    let next = pid;
    while (next === pid && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      next = await fetch(`${url}/pid`).then(async (r) => Number(await r.text()), () => pid);
    }
    expect(next).not.toBe(pid);
  });

  it("a skipped function's trigger fails delivery and the event is lost (no DLS)", async () => {
    await post(eventing.brokerUrl, binaryHeaders("test.missing", { "ce-id": "m1" }));
    await eventing.idle();
    const log = parseRecords(readFileSync(eventing.eventLogPath, "utf8")).records.filter((r) => "id" in r && r.id === "m1");
    expect(log.map((r) => r.kind)).toEqual(["event", "delivery", "delivery", "lost"]);
    expect(log[1]).toMatchObject({ status: 0, result: "retry", reason: expect.stringMatching(/rafdir-missing is not running locally/) as unknown });
  });
});
