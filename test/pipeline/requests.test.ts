// Acceptance (issue 4), manual requests: io.rafdir.backup.requested for one profile runs only that profile; a second
// request while its run is still active starts no duplicate; a recent success is skipped (visibly: plan's Event on
// rafdir-config says why) unless the request forces it. Over the concurrency limit a profile is queued, never
// dropped: it runs when a slot frees up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Obj } from "../../shared/kube/port.ts";
import { waitFor } from "../support/sandbox.ts";
import { appReady, expectSucceeded } from "./assertions.ts";
import { startPipeline, type KubeEvent, type Pipeline } from "./harness.ts";

const APP = `
apiVersion: v1
kind: Namespace
metadata: {name: req}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: req}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "echo state-1 > /tmp/state && touch /tmp/ready && exec sleep infinity"]
`;

const dump = (cmd: string) => ({ namespace: "req", deployment: "api", "stdin-command": cmd, "stdin-filename": "state.txt" });
const PROFILES = {
  alpha: dump("cat /tmp/state"),
  beta: dump("cat /tmp/state"),
  // slow enough that a second request arrives while it runs
  slow: dump("sleep 4; cat /tmp/state"),
  off: { ...dump("cat /tmp/state"), disabled: true },
  // counts its command-before and its dump, to prove each ran once
  twice: {
    ...dump("echo dump >> /tmp/twice; sleep 3; cat /tmp/state"),
    "command-before": { cmd: "echo before >> /tmp/twice" },
    "command-after": { cmd: "echo after >> /tmp/twice" },
  },
};

describe("manual requests", () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
    await p.apply(APP);
    await appReady(p, "req", "app=api");
    await p.setProfiles(PROFILES);
  }, 120_000);
  afterAll(async () => {
    await p?.close();
  });

  /** plan's notice about one request: the newest Event on rafdir-config created at or after `since` that mentions `text`. */
  async function notice(since: Date, text: string): Promise<KubeEvent> {
    return waitFor(
      `an Event on rafdir-config mentioning ${text}`,
      async () =>
        (await p.configEvents()).find(
          (e) => (e.message ?? "").includes(text) && new Date(e.lastTimestamp ?? e.metadata.creationTimestamp ?? 0).getTime() >= Math.floor(since.getTime() / 1000) * 1000,
        ),
      15_000,
    );
  }

  it("a request for one profile runs only that profile", async () => {
    const since = new Date();
    await p.request({ profiles: ["alpha"], force: true });
    const run = await p.finished("alpha", since);
    await expectSucceeded(p, run);
    expect(run.spec).toMatchObject({ profile: "alpha", trigger: "manual" });
    const planned = await notice(since, run.metadata.name);
    expect(planned.reason).toBe("Planned");
    expect(planned.message).not.toMatch(/beta|slow/);
    expect(await p.runs("beta")).toEqual([]);
    expect(await p.runs("slow")).toEqual([]);
    const announced = p.events().filter((e) => e.kind === "event" && e.type === "io.rafdir.backup.planned");
    expect(announced.map((e) => (e.data as { profile?: string }).profile)).toEqual(["alpha"]);
  });

  it("a request that names a disabled profile runs it (upstream)", async () => {
    const since = new Date();
    await p.request({ profiles: ["off"] });
    const run = await p.finished("off", since);
    await expectSucceeded(p, run);
    expect(p.events().filter((e) => e.kind === "event" && e.type === "io.rafdir.backup.planned").map((e) => (e.data as { profile?: string }).profile)).toEqual(["alpha", "off"]);
  });

  it("a second request while the profile's run is active starts no duplicate", async () => {
    const since = new Date();
    await p.request({ profiles: ["slow"], force: true });
    const first = await waitFor("the first run of slow", async () => (await p.runs("slow")).at(0), 10_000);
    // a different request (its own event time, a later second) while the first run is still going
    await new Promise((r) => setTimeout(r, 1100));
    expect((await p.runs("slow")).map((r) => r.status.phase)).not.toContain("Succeeded");
    const second = new Date();
    await p.request({ profiles: ["slow"], force: true });
    const skipped = await notice(second, "still active");
    expect(skipped.message).toMatch(/slow \(still active/);

    const run = await p.finished("slow", since);
    await expectSucceeded(p, run);
    expect(run.metadata.name).toBe(first.metadata.name);
    expect((await p.runs("slow")).map((r) => r.metadata.name)).toEqual([first.metadata.name]);
  });

  it("two requests sent back to back (the same second) make one run: command-before, the dump and command-after once each", async () => {
    const since = new Date();
    await Promise.all([p.request({ profiles: ["twice"], force: true }), p.request({ profiles: ["twice"], force: true })]);
    const run = await p.finished("twice", since);
    await expectSucceeded(p, run);
    expect((await p.runs("twice")).map((r) => r.metadata.name)).toEqual([run.metadata.name]);
    expect((await p.exec("req", "app=api", ["cat", "/tmp/twice"])).stdout).toBe("before\nafter\ndump\n");
    const succeeded = p.events().filter((e) => e.kind === "event" && e.type === "io.rafdir.backup.succeeded" && e.rafdirrun === run.metadata.name);
    expect(succeeded).toHaveLength(1);
  });

  it("a recent success is skipped unless the request forces it", async () => {
    const [done] = await p.runs("alpha");
    expect(done?.status.phase).toBe("Succeeded");

    const since = new Date();
    await p.request({ profiles: ["alpha"] });
    const skipped = await notice(since, "recent success");
    expect(skipped.reason).toBe("NothingDue");
    expect(skipped.message).toMatch(/alpha \(recent success: succeeded .* ago, within min-interval/);
    expect((await p.runs("alpha")).map((r) => r.metadata.name)).toEqual([done?.metadata.name]);

    await new Promise((r) => setTimeout(r, 1100));
    const forced = new Date();
    await p.request({ profiles: ["alpha"], force: true });
    const run = await p.finished("alpha", forced);
    await expectSucceeded(p, run);
    expect(run.metadata.name).not.toBe(done?.metadata.name);
    expect(run.spec.force).toBe(true);
    expect((await p.runs("alpha")).length).toBe(2);
  });

  it("over the concurrency limit, the profiles that find no slot are queued and run one after the other", async () => {
    const cm = await p.kube.get<{ data?: Record<string, string> } & Obj>({ apiVersion: "v1", kind: "ConfigMap", name: "rafdir-config", namespace: "backup" });
    const settings = cm?.data?.["settings"] ?? "";
    const queue = { q1: { ...dump("sleep 2; echo q1-$(cat /tmp/state)"), host: "q1.example" }, q2: { ...dump("echo q2-$(cat /tmp/state)"), host: "q2.example" }, q3: { ...dump("echo q3-$(cat /tmp/state)"), host: "q3.example" } };
    await p.setProfiles({ ...PROFILES, ...queue }, { settings: `${settings}\nconcurrency: 1\n` });
    try {
      const since = new Date();
      await p.request({ profiles: ["q1", "q2", "q3"], force: true });
      const queued = await notice(since, "queued");
      expect(queued.message).toMatch(/planned q1-\d+; queued q2-\d+, q3-\d+ \(concurrency limit reached/);
      const runs = await Promise.all(["q1", "q2", "q3"].map((name) => p.finished(name, since, 90_000)));
      for (const run of runs) await expectSucceeded(p, run);
      // one at a time, in the order they were queued
      const [a, b, c] = runs.map((r) => ({ start: Date.parse(r.status.startedAt ?? ""), end: Date.parse(r.status.finishedAt ?? "") }));
      expect(a && b && c && a.end <= b.start && b.end <= c.start).toBe(true);
      for (const name of ["q1", "q2", "q3"]) expect((await p.dump(`${name}.example`, name, "/state.txt")).toString()).toBe(`${name}-state-1\n`);
    } finally {
      await p.setProfiles(PROFILES, { settings });
    }
  });
});
