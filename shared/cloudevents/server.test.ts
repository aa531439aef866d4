import { describe, expect, it, onTestFinished, vi } from "vitest";
import { HTTP } from "cloudevents";
import { EventTypes, newEvent } from "../events.ts";
import { captureLog } from "../testing/log-capture.ts";
import { createFunctionApp } from "./app.ts";
import { createLifecycle } from "./lifecycle.ts";
import { serve, type ServeOptions } from "./server.ts";

/** A function whose backup.planned handler waits until the test lets it go. */
async function start(extra: Partial<ServeOptions> = {}) {
  const captured = captureLog();
  const lifecycle = createLifecycle();
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const entered = vi.fn();
  const app = createFunctionApp({
    name: "snapshot",
    log: captured.log,
    lifecycle,
    handlers: {
      [EventTypes.backupPlanned]: async () => {
        entered();
        await gate;
        return undefined;
      },
    },
  });
  const handle = await serve(app, { port: 0, host: "127.0.0.1", log: captured.log, lifecycle, shutdownTimeoutMs: 2_000, ...extra });
  onTestFinished(() => handle.close());
  return { handle, lifecycle, release, entered, lines: captured.lines };
}

const post = (url: string) => {
  const msg = HTTP.binary(newEvent(EventTypes.backupPlanned, "/rafdir/plan", { run: "r", profile: "p" }));
  return fetch(`${url}/`, { method: "POST", headers: msg.headers as Record<string, string>, body: msg.body as string });
};

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe("serve", () => {
  it("given port 0, returns a handle with the chosen port, serving the app", async () => {
    const { handle } = await start();
    expect(handle.port).toBeGreaterThan(0);
    expect(handle.url).toBe(`http://127.0.0.1:${handle.port}`);
    expect((await fetch(`${handle.url}/health/readiness`)).status).toBe(200);
  });

  it("given close() during a request, returns only after the in-flight request finished with its reply", async () => {
    const { handle, lifecycle, release, entered, lines } = await start();
    const inFlight = post(handle.url);
    await until(() => entered.mock.calls.length > 0);

    let closed = false;
    const closing = handle.close().then(() => (closed = true));
    await until(() => lifecycle.isDraining());
    expect(lifecycle.isDraining()).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    await expect(fetch(`${handle.url}/health/liveness`)).rejects.toThrow(); // no new connections

    release();
    expect((await inFlight).status).toBe(202);
    await closing;
    expect(closed).toBe(true);
    expect(lines()).toContainEqual(expect.objectContaining({ msg: "server closed", forced: false }));
  });

  it("given a request that outlives shutdownTimeoutMs, returns after the timeout, cutting it off", async () => {
    const { handle, entered, lines } = await start({ shutdownTimeoutMs: 100 });
    const inFlight = post(handle.url).catch((err: unknown) => err);
    await until(() => entered.mock.calls.length > 0);
    const began = Date.now();
    await handle.close();
    expect(Date.now() - began).toBeGreaterThanOrEqual(90);
    expect(await inFlight).toBeInstanceOf(Error);
    expect(lines()).toContainEqual(expect.objectContaining({ msg: "server closed", forced: true }));
  });

  it("given close() twice, returns the same shutdown", async () => {
    const { handle } = await start();
    const first = handle.close();
    expect(handle.close()).toBe(first);
    await first;
  });

  it("given handleSignals and a SIGTERM, returns after draining, exiting 0 and removing its signal handlers", async () => {
    const before = process.listenerCount("SIGTERM");
    const exit = vi.fn();
    const { handle, lifecycle, release, entered } = await start({ handleSignals: true, exit });
    expect(process.listenerCount("SIGTERM")).toBe(before + 1);
    const inFlight = post(handle.url);
    await until(() => entered.mock.calls.length > 0);

    process.emit("SIGTERM", "SIGTERM");
    expect(lifecycle.isDraining()).toBe(true);
    release();
    expect((await inFlight).status).toBe(202);
    await until(() => exit.mock.calls.length > 0);
    expect(exit).toHaveBeenCalledWith(0);
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });

  it("given no handleSignals, returns without touching process signal handlers", async () => {
    const before = process.listenerCount("SIGTERM");
    await start();
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });
});
