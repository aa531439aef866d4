import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, parseSettings } from "./settings.ts";

describe("parseSettings", () => {
  it.each([
    ["nothing", undefined],
    ["null", null],
    ["an empty mapping", {}],
  ])("given %s, returns the defaults", (_, input) => {
    expect(parseSettings(input)).toEqual({ settings: DEFAULT_SETTINGS, errors: [] });
  });

  it("given every setting, returns them normalised to milliseconds", () => {
    const input = {
      concurrency: 4,
      minInterval: "6h",
      timeouts: { snapshotReady: "5m", podStart: "2m", backup: "1h30m" },
      history: { succeeded: 3, failed: 10 },
      backupPod: {
        image: "registry.example.com/rafdir:1",
        serviceAccountName: "backup-runner",
        passwordSecret: { name: "restic", key: "password" },
        envFromSecrets: ["s3-credentials"],
        volumes: [{ name: "repo", nfs: { server: "nas", path: "/restic" } }],
        volumeMounts: [{ name: "repo", mountPath: "/mnt/restic-repo" }],
      },
    };
    expect(parseSettings(input)).toEqual({
      settings: {
        concurrency: 4,
        minIntervalMs: 21_600_000,
        timeouts: { snapshotReadyMs: 300_000, podStartMs: 120_000, backupMs: 5_400_000 },
        history: { succeeded: 3, failed: 10 },
        backupPod: input.backupPod,
      },
      errors: [],
    });
  });

  it.each([
    ["a relative mount path", { volumeMounts: [{ name: "repo", mountPath: "mnt" }] }, 'field "backupPod.volumeMounts[0].mountPath"'],
    ["a bad volume name", { volumes: [{ name: "Repo_1" }] }, 'field "backupPod.volumes[0].name"'],
  ])("given a backupPod with %s, reports the field and keeps the default", (_what, backupPod, field) => {
    const { settings, errors } = parseSettings({ backupPod });
    expect(errors.join("\n")).toContain(field);
    expect(settings.backupPod.volumes).toEqual([]);
  });

  it("given a partial timeouts mapping, fills the rest with defaults", () => {
    expect(parseSettings({ timeouts: { backup: "8h" } }).settings.timeouts).toEqual({ ...DEFAULT_SETTINGS.timeouts, backupMs: 28_800_000 });
  });

  it.each([
    [{ concurrency: 0 }, `settings: field "concurrency": 0 must be at least 1; using the default`],
    [{ concurrency: "two" }, `settings: field "concurrency": "two" must be a whole number; using the default`],
    [{ minInterval: "soon" }, `settings: field "minInterval": "soon" is not a duration (use units ms, s, m, h, d, e.g. "1h30m"); using the default`],
    [{ timeouts: { backup: "0s" } }, `settings: field "timeouts.backup": "0s" must be at least 1s; using the default`],
    [{ history: { failed: -1 } }, `settings: field "history.failed": -1 must be at least 0; using the default`],
    [{ concurency: 3 }, `settings: field "concurency": 3 is not a setting`],
    ["fast", `settings: must be a mapping of settings; using the defaults`],
  ])("given %j, reports %j and keeps the defaults for that field", (input, message) => {
    const r = parseSettings(input);
    expect(r.errors).toEqual([message]);
    expect(r.settings).toEqual(DEFAULT_SETTINGS);
  });

  it("given one bad field among good ones, keeps the good ones", () => {
    const r = parseSettings({ concurrency: 5, minInterval: "never", history: { succeeded: 1 } });
    expect(r.settings).toEqual({ ...DEFAULT_SETTINGS, concurrency: 5, history: { succeeded: 1, failed: 5 } });
    expect(r.errors).toHaveLength(1);
  });
});
