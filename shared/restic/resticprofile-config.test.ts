import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ProfileConfigError, buildResticprofileConfig, type RunSpec } from "./resticprofile-config.ts";

/** The upstream shape: a default_configuration the repositories inherit from, and includes (dropped). */
const BASE = {
  version: "1",
  includes: ["profiles.d/*.toml"],
  global: { "restic-lock-retry-after": "1m" },
  default_configuration: {
    "cache-dir": "/var/cache/restic",
    "run-before": ["echo base-1", "echo base-2"],
    backup: { "exclude-caches": true, exclude: ["*.tmp", "*.swp"], source: ["/base-a", "/base-b"], tag: ["base"], stdin: true, "stdin-command": "pg_dump x" },
    retention: { "keep-daily": 7, "keep-tag": ["pinned"], "after-backup": true },
  },
};
const REPOS = {
  local: { inherit: "default_configuration", repository: "/mnt/restic-repo", "password-file": "/etc/restic/password" },
  offsite: { inherit: "default_configuration", repository: "s3:example/bucket", backup: { exclude: ["*.iso"] } },
};
const FOLDERS: RunSpec = { profile: "app", host: "app.example.com", folders: ["/data", "/var/lib/app/"] };
const STDIN: RunSpec = { profile: "db", host: "db.example.com", stdin: { filename: "db.sql" } };

type Doc = Record<string, Record<string, unknown>>;
const doc = (run: RunSpec, base: unknown = BASE, repos: Record<string, unknown> = REPOS) =>
  buildResticprofileConfig(base, repos, run).document as Doc;

describe("buildResticprofileConfig", () => {
  it("given a folders run, returns one profile per repository inheriting it", () => {
    const cfg = buildResticprofileConfig(BASE, REPOS, FOLDERS);
    expect(cfg.profiles).toEqual([
      { name: "app-local", repository: "local", kind: "folders" },
      { name: "app-offsite", repository: "offsite", kind: "folders" },
    ]);
    const d = cfg.document as Doc;
    expect(d["app-local"]?.["inherit"]).toBe("local");
    expect(d["app-local"]?.["backup"]).toEqual({
      exclude: ["*.tmp", "*.swp"],
      host: "app.example.com",
      tag: ["app"],
      "extended-status": false,
      stdin: false,
      source: ["/data", "/var/lib/app"],
    });
    expect(d["app-offsite"]?.["backup"]).toMatchObject({ exclude: ["*.iso"] });
    expect(d["app-local"]?.["snapshots"]).toEqual({ host: "app.example.com", tag: ["app"] });
  });

  it("given a stdin run, returns profiles without any source and with the file name", () => {
    const backup = doc(STDIN)["db-local"]?.["backup"] as Record<string, unknown>;
    expect(backup).toEqual({ exclude: ["*.tmp", "*.swp"], host: "db.example.com", tag: ["db"], "extended-status": false, stdin: true, "stdin-filename": "db.sql" });
  });

  it("given folders and stdin, returns folders profiles and the file in the first folder the dump goes to (upstream)", () => {
    const cfg = buildResticprofileConfig(BASE, { local: REPOS.local }, { ...FOLDERS, stdin: { filename: "dump.sql" } });
    expect(cfg.profiles).toEqual([{ name: "app-local", repository: "local", kind: "folders" }]);
    expect(cfg.stdinPath).toBe("/data/dump.sql");
    expect(buildResticprofileConfig(BASE, REPOS, STDIN).stdinPath).toBeUndefined();
  });

  it("strips every list from the ancestors and keeps the nearest one on the leaf", () => {
    const d = doc(FOLDERS);
    const base = d["default_configuration"] as Record<string, unknown>;
    expect(base["run-before"]).toBeUndefined();
    expect(base["backup"]).toEqual({ "exclude-caches": true, stdin: true });
    expect(d["offsite"]?.["backup"]).toEqual({});
    expect(d["app-local"]?.["run-before"]).toEqual(["echo base-1", "echo base-2"]);
  });

  it("never runs retention inside the backup, and scopes forget to host and tag", () => {
    const d = doc(FOLDERS);
    expect(d["app-local"]?.["retention"]).toEqual({ "keep-tag": ["pinned"], "before-backup": false, "after-backup": false, host: "app.example.com", tag: ["app"] });
    expect(d["app-local"]?.["forget"]).toEqual({ "keep-daily": 7, "keep-tag": ["pinned"], host: "app.example.com", tag: ["app"] });
  });

  it("given no keep-* anywhere, adds no retention or forget section", () => {
    const d = doc(FOLDERS, { default_configuration: { "cache-dir": "/c" } });
    expect(d["app-local"]?.["retention"]).toBeUndefined();
    expect(d["app-local"]?.["forget"]).toBeUndefined();
  });

  it("drops includes, keeps global, writes version 1, and lowercases keys as viper does", () => {
    const cfg = buildResticprofileConfig({ version: 1, includes: BASE.includes, global: BASE.global, Extra: { Backup: { "Exclude-Caches": true } } }, { local: { inherit: "Extra", repository: "/r" } }, FOLDERS);
    const parsed = parse(cfg.yaml) as Doc;
    expect(parsed["version"]).toBe("1");
    expect(parsed["includes"]).toBeUndefined();
    expect(parsed["global"]).toEqual({ "restic-lock-retry-after": "1m" });
    expect(parsed["extra"]).toEqual({ backup: { "exclude-caches": true } });
    expect(parsed["local"]?.["inherit"]).toBe("extra");
    expect(cfg.yaml).not.toContain("*a1"); // no YAML aliases for shared lists
  });

  it("without a base configuration, uses the repositories alone", () => {
    expect(doc(FOLDERS, undefined, { local: { repository: "/r" } })["app-local"]?.["inherit"]).toBe("local");
  });

  it.each<[string, unknown, Record<string, unknown>, RunSpec, RegExp]>([
    ["a version 2 base", { version: "2" }, REPOS, FOLDERS, /version 2/],
    ["no repositories", BASE, {}, FOLDERS, /no repositories/],
    ["a repository named like a base profile", BASE, { default_configuration: {} }, FOLDERS, /clashes/],
    ["a repository with an uppercase name", BASE, { Local: {} }, FOLDERS, /must match/],
    ["a repository that is not a map", BASE, { local: "s3:x" }, FOLDERS, /must be a resticprofile profile section/],
    ["a missing parent", BASE, { local: { inherit: "nope" } }, FOLDERS, /inherits "nope", which is not a profile/],
    ["an inherit cycle", { a: { inherit: "b" }, b: { inherit: "a" } }, { local: { inherit: "a" } }, FOLDERS, /cycle/],
    ["a relative folder", BASE, REPOS, { ...FOLDERS, folders: ["data"] }, /absolute/],
    ["a folder with ..", BASE, REPOS, { ...FOLDERS, folders: ["/data/../etc"] }, /\.\./],
    ["neither folders nor stdin", BASE, REPOS, { profile: "app", host: "h" }, /needs folders or a stdin/],
    ["a stdin file name with a slash", BASE, REPOS, { ...STDIN, stdin: { filename: "a/b" } }, /plain file name/],
    ["a profile name with a dot", BASE, REPOS, { ...FOLDERS, profile: "a.b" }, /must match/],
    ["a host with a space", BASE, REPOS, { ...FOLDERS, host: "a b" }, /not a valid host/],
    ["a generated name clashing with a base profile", { ...BASE, "app-local": {} }, REPOS, FOLDERS, /clashes/],
  ])("given %s, throws", (_name, base, repos, run, message) => {
    expect(() => buildResticprofileConfig(base, repos, run)).toThrow(ProfileConfigError);
    expect(() => buildResticprofileConfig(base, repos, run)).toThrow(message);
  });
});
