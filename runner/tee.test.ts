import { PassThrough } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Tee } from "./tee.ts";

const collect = (s: PassThrough): Promise<Buffer> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("end", () => resolve(Buffer.concat(chunks)));
    s.on("close", () => resolve(Buffer.concat(chunks)));
  });

describe("Tee", () => {
  it("copies every byte to every target and counts them", async () => {
    const a = new PassThrough({ highWaterMark: 1024 });
    const b = new PassThrough({ highWaterMark: 1024 });
    const tee = new Tee([a, b]);
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const got = Promise.all([collect(a), collect(b)]);
    await pipeline(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), tee);
    a.end();
    b.end();
    const [ga, gb] = await got;
    expect(tee.bytes).toBe(300_000);
    expect(ga.equals(data)).toBe(true);
    expect(gb.equals(data)).toBe(true);
  });

  it("waits for a slow target, and stops waiting for one that is dropped", async () => {
    const fast = new PassThrough({ highWaterMark: 16 });
    const stuck = new PassThrough({ highWaterMark: 16 }); // nobody reads it
    let emptied = false;
    const tee = new Tee([fast, stuck], () => (emptied = true));
    const fastData = collect(fast);
    let written = false;
    tee.write(Buffer.alloc(64, 1), () => (written = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(written).toBe(false);
    tee.drop(stuck);
    for (const end = Date.now() + 10_000; !written && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
    expect(written).toBe(true);
    expect(tee.live).toBe(1);
    tee.drop(fast);
    expect(emptied).toBe(true);
    expect(fast.destroyed).toBe(true);
    expect((await fastData).length).toBe(64);
  });
});
