import { describe, expect, it } from "vitest";
import { parseRafdirConfig } from "./parse.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";

/** What upstream's Helm chart (templates/configmap.yaml) renders from its values.yaml. */
const upstream = {
  "profiles.yaml": `version: "1"
includes:
  - profiles.d/*.toml

default_configuration:
  cache-dir: /var/cache/restic
  backup:
    exclude-caches: true
`,
  repositories: `backblaze:
  inherit: default_configuration
  repository: s3:s3.eu-central-003.backblazeb2.com/bucket
local:
  inherit: default_configuration
  repository: /mnt/restic-repo
`,
  profiles: `grafana:
  namespace: monitoring
  deployment: grafana
  host: grafana.example.com
  stop: true
  folders:
  - /var/lib/grafana
postgres:
  namespace: db
  selector: app.kubernetes.io/name=postgres
  host: postgres.example.com
  snapshot-class: topolvm
  storage-class: rafdir-topolvm
  stdin-command: |
    pg_dumpall -U postgres | gzip
  stdin-filename: all.sql.gz
control-plane:
  node: control-plane.example.com
  folders:
  - /etc/kubernetes
`,
};

describe("parseRafdirConfig", () => {
  it("given upstream's Helm-rendered ConfigMap, returns every profile, the repositories and the base", () => {
    const c = parseRafdirConfig(upstream);
    expect(c.errors).toEqual([]);
    expect(c.invalid).toEqual([]);
    expect(c.profiles.map((p) => [p.name, p.target.kind, p.host])).toEqual([
      ["grafana", "deployment", "grafana.example.com"],
      ["postgres", "selector", "postgres.example.com"],
      ["control-plane", "node", "control-plane.example.com"],
    ]);
    expect(c.repositories).toEqual({
      backblaze: { inherit: "default_configuration", repository: "s3:s3.eu-central-003.backblazeb2.com/bucket" },
      local: { inherit: "default_configuration", repository: "/mnt/restic-repo" },
    });
    expect(c.profiles[0]?.repositories).toEqual(["backblaze", "local"]);
    expect(c.base).toMatchObject({ version: "1", default_configuration: { "cache-dir": "/var/cache/restic" } });
    expect(c.baseText).toBe(upstream["profiles.yaml"]);
    expect(c.schedules).toEqual([{ name: "daily", cron: "0 2 * * *", timeZone: "Etc/UTC", profiles: "all" }]);
    expect(c.settings).toEqual(DEFAULT_SETTINGS);
  });

  it("given one bad profile, returns the others and reports it", () => {
    const profiles = `${upstream.profiles}broken:\n  namespace: x\n  deployment: y\n  folders: [data/x]\n`;
    const c = parseRafdirConfig({ ...upstream, profiles });
    expect(c.profiles.map((p) => p.name)).toEqual(["grafana", "postgres", "control-plane"]);
    expect(c.invalid).toEqual([
      { profile: "broken", field: "folders[0]", value: "data/x", message: `profile "broken": field "folders[0]": "data/x" is not an absolute path` },
    ]);
    expect(c.errors).toEqual([]);
  });

  it("given a profile defined twice, reports it and keeps neither copy", () => {
    const profiles = `a:\n  node: n1\n  folders: [/x]\na:\n  node: n2\n  folders: [/y]\nb:\n  node: n1\n  folders: [/z]\n`;
    const c = parseRafdirConfig({ ...upstream, profiles });
    expect(c.profiles.map((p) => p.name)).toEqual(["b"]);
    expect(c.invalid).toEqual([{ profile: "a", field: "name", value: "a", message: `profile "a": field "name": "a" is defined more than once; rename one of them` }]);
  });

  it.each([
    ["unparseable YAML", { profiles: "a: [1, 2\nb: 3" }, "profiles", `key "profiles" is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1`],
    ["a list", { profiles: "- a\n- b" }, "profiles", `key "profiles" must be a mapping of profile name to options, not ["a","b"]`],
    ["a missing key", { profiles: undefined }, "profiles", `key "profiles" is missing`],
  ])("given profiles as %s, returns a config-level error and no profiles", (_, patch, key, message) => {
    const data: Record<string, string> = { ...upstream };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete data[k];
    else data[k] = v;
    const c = parseRafdirConfig(data);
    expect(c.profiles).toEqual([]);
    expect(c.errors).toEqual([{ key, message: expect.stringContaining(message) }]);
  });

  it("given an empty profiles key, returns no profiles and no error", () => {
    const c = parseRafdirConfig({ ...upstream, profiles: "" });
    expect(c.profiles).toEqual([]);
    expect(c.errors).toEqual([]);
  });

  it.each([
    ["no repositories key", { repositories: undefined }, [`key "repositories" is missing: configure at least one restic repository`]],
    ["a bad repository name", { repositories: "Local:\n  repository: /r\nok:\n  repository: /s\n" }, [
      `repository "Local" is not a valid repository name: use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "local")`,
    ]],
    ["a repository that is not a mapping", { repositories: "local: /mnt/repo\nok: {repository: /s}" }, [
      `repository "local" must be a mapping (a resticprofile section), not "/mnt/repo"`,
    ]],
    ["no usable repository", { repositories: "{}" }, [`key "repositories" has no usable repository: nothing can be backed up`]],
    ["no profiles.yaml", { "profiles.yaml": undefined }, [`key "profiles.yaml" (the resticprofile base configuration) is missing`]],
    ["profiles.yaml that is a list", { "profiles.yaml": "- a" }, [`key "profiles.yaml" must be a YAML mapping (a resticprofile configuration)`]],
    ["bad settings", { settings: "concurrency: 0" }, [`settings: field "concurrency": 0 must be at least 1; using the default`]],
    ["unparseable settings", { settings: "concurrency: [" }, [expect.stringContaining(`key "settings" is not valid YAML`)]],
    ["a bad schedule", { schedules: "n: {cron: nope}" }, [expect.stringContaining(`schedule "n": field "cron": "nope" must have five fields`)]],
  ])("given %s, returns config-level errors and goes on", (_, patch, messages) => {
    const data: Record<string, string> = { ...upstream };
    for (const [k, v] of Object.entries(patch)) if (v === undefined) delete data[k];
    else data[k] = v;
    const c = parseRafdirConfig(data, new Date("2025-06-01T00:00:00Z"));
    expect(c.errors.map((e) => e.message)).toEqual(messages);
  });

  it("given a profile naming an unknown repository, invalidates only that profile", () => {
    const profiles = "a:\n  node: n1\n  folders: [/x]\n  repositories: [s3]\nb:\n  node: n1\n  folders: [/y]\n  repositories: [local]\n";
    const c = parseRafdirConfig({ ...upstream, profiles });
    expect(c.profiles.map((p) => [p.name, p.repositories])).toEqual([["b", ["local"]]]);
    expect(c.invalid.map((i) => i.message)).toEqual([`profile "a": field "repositories[0]": "s3" is not a configured repository (configured: backblaze, local)`]);
  });

  it("given schedules and settings, applies settings defaults to every profile", () => {
    const c = parseRafdirConfig({
      ...upstream,
      schedules: "nightly:\n  cron: '0 3 * * *'\n  timeZone: Europe/Berlin\n  profiles: [grafana, postgres]\nweekly:\n  cron: '@weekly'\n",
      settings: "concurrency: 1\nminInterval: 20h\ntimeouts:\n  backup: 2h\nhistory:\n  failed: 10\n",
    });
    expect(c.errors).toEqual([]);
    expect(c.schedules).toEqual([
      { name: "nightly", cron: "0 3 * * *", timeZone: "Europe/Berlin", profiles: ["grafana", "postgres"] },
      { name: "weekly", cron: "@weekly", timeZone: "Etc/UTC", profiles: "all" },
    ]);
    expect(c.settings).toEqual({ ...DEFAULT_SETTINGS, concurrency: 1, minIntervalMs: 72_000_000, timeouts: { ...DEFAULT_SETTINGS.timeouts, backupMs: 7_200_000 }, history: { succeeded: 5, failed: 10 } });
    expect(c.profiles.map((p) => [p.minIntervalMs, p.podWaitTimeoutMs])).toEqual([
      [72_000_000, 7_200_000],
      [72_000_000, 7_200_000],
      [72_000_000, 7_200_000],
    ]);
  });

  it("given hostile profile names, rejects each with a clear error and keeps the rest", () => {
    const profiles = `"../../etc":\n  node: n\n  folders: [/x]\n"__proto__":\n  node: n\n  folders: [/x]\n"a\\nb":\n  node: n\n  folders: [/x]\nok:\n  node: n\n  folders: [/x]\n`;
    const c = parseRafdirConfig({ ...upstream, profiles });
    expect(c.profiles.map((p) => p.name)).toEqual(["ok"]);
    expect(c.invalid.map((i) => i.message)).toEqual([
      `profile "../../etc": field "name": "../../etc" is not a valid profile name: use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "etc")`,
      `profile "__proto__": field "name": "__proto__" is not a valid profile name: use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "proto")`,
      `profile "a\\nb": field "name": "a\\nb" is not a valid profile name: use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "a-b")`,
    ]);
    expect(Object.getPrototypeOf(c.profiles)).toBe(Array.prototype);
  });

  it("given no ConfigMap data at all, reports the three upstream keys missing", () => {
    const c = parseRafdirConfig(undefined);
    expect(c.errors.map((e) => e.key)).toEqual(["profiles.yaml", "repositories", "profiles"]);
    expect(c.schedules).toHaveLength(1);
  });
});
