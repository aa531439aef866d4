import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseProgress } from "./runtime-exec.ts";
import { resolveContainerPath, shQuote } from "./runtime-setup.ts";

const dir = mkdtempSync(join(tmpdir(), "rafdir-setup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("runtime-setup", () => {
  it("quotes anything for sh", () => {
    const nasty = [`it's`, `$(rm -rf /)`, "a b\nc", `"\\`, ""];
    const out = execFileSync("/bin/sh", ["-c", `printf '%s\\0' ${nasty.map(shQuote).join(" ")}`]).toString();
    expect(out.split("\0").slice(0, -1)).toEqual(nasty);
  });

  it("resolves mount targets through symlinks, as inside the container root", () => {
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "link"));
    expect(resolveContainerPath(join(dir, "link", "new", "deeper"))).toBe(join(dir, "real", "new", "deeper"));
    expect(resolveContainerPath("/definitely-not-here/x/../y")).toBe("/definitely-not-here/y");
    expect(() => resolveContainerPath("relative/path")).toThrow(/absolute/);
  });

  it("parses the fd-3 progress channel", () => {
    expect(parseProgress("ns mnt:[4026532177]\nok\n")).toEqual({ ns: "mnt:[4026532177]", ok: true });
    expect(parseProgress("ns mnt:[1]\nerr mount: bad\nthings")).toEqual({ ns: "mnt:[1]", ok: false, kind: "err", message: "mount: bad\nthings" });
    expect(parseProgress("")).toEqual({ ok: false });
  });
});
