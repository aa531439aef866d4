// The generated configuration as the real resticprofile reads it: `--dry-run` prints the restic command line.
// Needs .tools/bin on PATH (scripts/test.sh puts it there).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { viaResticprofile } from "./argv.ts";
import { buildResticprofileConfig, type RunSpec } from "./resticprofile-config.ts";
import { runCommand } from "./run.ts";

const dir = mkdtempSync(join(tmpdir(), "rafdir-rp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BASE = {
  version: "1",
  default_configuration: {
    "cache-dir": "/var/cache/restic",
    backup: { "exclude-caches": true, exclude: ["*.tmp"], source: ["/base-a", "/base-b", "/base-c"], tag: ["base-1", "base-2"], "files-from": ["/list"], "stdin-command": "echo leaked" },
    retention: { "keep-daily": 7, "after-backup": true },
  },
};
const REPOS = { local: { inherit: "default_configuration", repository: "/mnt/restic-repo" } };

/** The command lines resticprofile would run, from its `dry-run:` log lines: restic's (argv after the binary) and others. */
async function dryRunAll(yaml: string, profile: string, command: string[]): Promise<{ restic: string[][]; other: string[] }> {
  const file = join(dir, `${profile}-${command[0] ?? ""}.yaml`);
  writeFileSync(file, yaml);
  const argv = viaResticprofile(file, profile, ["--dry-run", ...command]);
  const r = await runCommand(argv, { env: { PATH: process.env["PATH"] ?? "", HOME: dir } });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const lines = `${r.stdout}\n${r.stderr}`
    .split("\n")
    .filter((l) => l.includes("dry-run: "))
    .map((l) => l.slice(l.indexOf("dry-run: ") + 9).trim());
  const isRestic = (l: string) => (l.split(" ")[0] ?? "").endsWith("/restic");
  return { restic: lines.filter(isRestic).map((l) => l.split(/ +/).slice(1)), other: lines.filter((l) => !isRestic(l)) };
}

const dryRun = async (yaml: string, profile: string, command: string[]): Promise<string[][]> => {
  const all = await dryRunAll(yaml, profile, command);
  expect(all.other).toEqual([]);
  return all.restic;
};

/** The arguments after the last flag (resticprofile puts the sources last). */
function positionals(argv: string[]): string[] {
  let last = -1;
  argv.forEach((a, i) => {
    if (a.startsWith("--")) last = i;
  });
  return argv.slice(last + 1);
}

describe("the generated configuration under the real resticprofile", () => {
  it("without rafdir's handling, v1 inheritance leaks the base source list and stdin-command (the trap this guards against)", async () => {
    const naive = stringify({ ...BASE, ...REPOS, "db-local": { inherit: "local", backup: { stdin: true, "stdin-filename": "db.sql", source: [], tag: ["db"] } } });
    const { restic, other } = await dryRunAll(naive, "db-local", ["backup"]);
    expect(positionals(restic[0] ?? [])).toEqual(["/base-a", "/base-b", "/base-c"]);
    expect(other).toEqual(["echo leaked"]);
  });

  it("a stdin profile gets no inherited source, files-from or tag: only its host, tag and file name", async () => {
    const run: RunSpec = { profile: "db", host: "db.example.com", stdin: { filename: "db.sql" } };
    const cfg = buildResticprofileConfig(BASE, REPOS, run);
    const commands = await dryRun(cfg.yaml, "db-local", ["backup"]);
    expect(commands).toHaveLength(1); // retention does not run inside the backup
    const argv = commands[0] ?? [];
    expect(argv[0]).toBe("backup");
    expect(argv).toEqual(expect.arrayContaining(["--stdin", "--stdin-filename=db.sql", "--host=db.example.com", "--tag=db", "--repo=/mnt/restic-repo", "--exclude=*.tmp"]));
    expect(argv.join(" ")).not.toMatch(/base-|files-from|--json/);
    expect(positionals(argv)).toEqual([]);
  });

  it("a folders profile backs up exactly its folders, even fewer than the base lists", async () => {
    const run: RunSpec = { profile: "app", host: "app.example.com", folders: ["/data"] };
    const cfg = buildResticprofileConfig(BASE, REPOS, run);
    const [argv = []] = await dryRun(cfg.yaml, "app-local", ["backup"]);
    expect(argv.filter((a) => a.startsWith("--tag"))).toEqual(["--tag=app"]);
    expect(argv).not.toContain("--stdin"); // a base stdin-command would have made it a piped backup
    expect(cfg.yaml).not.toContain("leaked");
    expect(positionals(argv)).toEqual(["/data"]);
  });

  it("forget is scoped to the profile's host and tag and keeps the base policy", async () => {
    const run: RunSpec = { profile: "app", host: "app.example.com", folders: ["/data"] };
    const cfg = buildResticprofileConfig(BASE, REPOS, run);
    const [argv = []] = await dryRun(cfg.yaml, "app-local", ["forget"]);
    expect(argv).toEqual(expect.arrayContaining(["forget", "--host=app.example.com", "--tag=app", "--keep-daily=7"]));
  });
});
