import { describe, expect, it } from "vitest";
import {
  ResticArgumentError,
  checkArgv,
  dumpArgv,
  forgetArgv,
  lsArgv,
  restic,
  resticprofileBackupArgv,
  restoreArgv,
  snapshotsArgv,
  statsArgv,
  unlockArgv,
  viaResticprofile,
  type ForgetRequest,
  type RestoreRequest,
  type SnapshotsQuery,
} from "./argv.ts";

const ID = "1ead4d7f29cf5fc16ec1994dee4093108a6ed6917a7ce96f7901f95efae05da1";

describe("prefixes", () => {
  it("given a resticprofile profile, returns the backup with restic's JSON passed through", () => {
    expect(resticprofileBackupArgv("/etc/rafdir/resticprofile.yaml", "app-local")).toEqual([
      "resticprofile", "--no-ansi", "--no-prio", "-c", "/etc/rafdir/resticprofile.yaml", "--name", "app-local", "backup", "--json", "--quiet",
    ]);
  });
  it("given global flags, puts them before the subcommand", () => {
    expect(restic(["snapshots"], { repo: "/repo", passwordFile: "/pw", retryLock: "5m" })).toEqual([
      "restic", "--repo=/repo", "--password-file=/pw", "--retry-lock=5m", "snapshots",
    ]);
  });
  it("given a subcommand, runs it through a profile", () => {
    expect(viaResticprofile("c.yaml", "p", unlockArgv())).toEqual(["resticprofile", "--no-ansi", "--no-prio", "-c", "c.yaml", "--name", "p", "unlock"]);
  });
});

describe("snapshotsArgv", () => {
  it.each<[string, SnapshotsQuery, string[]]>([
    ["host and tag", { host: "h", tags: ["app"] }, ["snapshots", "--json", "--host=h", "--tag=app"]],
    ["all of several tags", { host: "h", tags: ["app", "x"] }, ["snapshots", "--json", "--host=h", "--tag=app,x"]],
    ["paths and latest", { host: "h", tags: ["app"], paths: ["/data"], latest: 1 }, ["snapshots", "--json", "--host=h", "--tag=app", "--path=/data", "--latest=1"]],
    ["an id prefix", { host: "h", tags: ["app"], ids: ["1ead4d7f"] }, ["snapshots", "--json", "--host=h", "--tag=app", "1ead4d7f"]],
  ])("given %s, returns %j", (_name, q, argv) => {
    expect(snapshotsArgv(q)).toEqual(argv);
  });
});

describe("restoreArgv", () => {
  it.each<[string, RestoreRequest, string[]]>([
    ["no snapshot", { host: "h", tag: "app", target: "/" }, ["restore", "latest", "--target=/", "--host=h", "--tag=app"]],
    ["an id and a subfolder", { snapshot: ID, subfolder: "/data/app", host: "h", tag: "app", target: "/data/app" }, ["restore", `${ID}:/data/app`, "--target=/data/app", "--host=h", "--tag=app"]],
    ["includes", { snapshot: "1ead4d7f", host: "h", tag: "app", target: "/t", include: ["/data/a", "*.sql"] }, ["restore", "1ead4d7f", "--target=/t", "--host=h", "--tag=app", "--include=/data/a", "--include=*.sql"]],
    ["json", { snapshot: ID, subfolder: "/data", host: "h", tag: "app", target: "/t", json: true }, ["restore", `${ID}:/data`, "--target=/t", "--host=h", "--tag=app", "--json"]],
  ])("given %s, returns %j", (_name, r, argv) => {
    expect(restoreArgv(r)).toEqual(argv);
  });
});

describe("forgetArgv", () => {
  it.each<[string, ForgetRequest, string[]]>([
    ["a keep policy", { host: "h", tags: ["app"], keep: { last: 3, daily: 7, within: "30d", tags: ["keep"] } }, ["forget", "--json", "--host=h", "--tag=app", "--keep-last=3", "--keep-daily=7", "--keep-within=30d", "--keep-tag=keep"]],
    ["prune", { host: "h", tags: ["app"], keep: { yearly: 1 }, prune: true }, ["forget", "--json", "--host=h", "--tag=app", "--keep-yearly=1", "--prune"]],
    ["a snapshot id", { host: "h", tags: ["app"], snapshots: [ID] }, ["forget", "--json", "--host=h", "--tag=app", ID]],
    ["a dry run", { host: "h", tags: ["app"], keep: { hourly: 24 }, dryRun: true }, ["forget", "--json", "--host=h", "--tag=app", "--keep-hourly=24", "--dry-run"]],
  ])("given %s, returns %j", (_name, f, argv) => {
    expect(forgetArgv(f)).toEqual(argv);
  });
});

describe("other subcommands", () => {
  it.each<[string, string[], string[]]>([
    ["check", checkArgv(), ["check"]],
    ["check a subset", checkArgv({ readDataSubset: "1/7" }), ["check", "--read-data-subset=1/7"]],
    ["unlock", unlockArgv(), ["unlock"]],
    ["unlock all", unlockArgv({ removeAll: true }), ["unlock", "--remove-all"]],
    ["dump latest", dumpArgv({ path: "/db.sql", host: "h", tag: "app" }), ["dump", "latest", "/db.sql", "--host=h", "--tag=app"]],
    ["dump an id", dumpArgv({ snapshot: ID, path: "/db.sql", host: "h", tag: "app" }), ["dump", ID, "/db.sql", "--host=h", "--tag=app"]],
    ["stats (restore size by default)", statsArgv({ snapshot: ID }), ["stats", "--json", "--mode=restore-size", ID]],
    ["stats raw data", statsArgv({ snapshot: "1ead4d7f", mode: "raw-data" }), ["stats", "--json", "--mode=raw-data", "1ead4d7f"]],
    ["ls a folder", lsArgv({ snapshot: ID, path: "/data" }), ["ls", "--json", ID, "/data"]],
  ])("given %s, returns %j", (_name, got, argv) => {
    expect(got).toEqual(argv);
  });
});

describe("invalid input", () => {
  it.each<[string, () => unknown]>([
    ["forget with neither policy nor ids", () => forgetArgv({ host: "h", tags: ["a"] })],
    ["forget with both", () => forgetArgv({ host: "h", tags: ["a"], keep: { last: 1 }, snapshots: [ID] })],
    ["an empty keep policy", () => forgetArgv({ host: "h", tags: ["a"], keep: {} })],
    ["keep-last 0", () => forgetArgv({ host: "h", tags: ["a"], keep: { last: 0 } })],
    ["a snapshot id that is a flag", () => restoreArgv({ snapshot: "--delete", host: "h", tag: "a", target: "/" })],
    ["a relative target", () => restoreArgv({ host: "h", tag: "a", target: "data" })],
    ["a tag with a comma", () => snapshotsArgv({ host: "h", tags: ["a,b"] })],
    ["no tags", () => snapshotsArgv({ host: "h", tags: [] })],
    ["an empty host", () => snapshotsArgv({ host: "", tags: ["a"] })],
    ["a relative dump path", () => dumpArgv({ path: "db.sql", host: "h", tag: "a" })],
    ["stats of a snapshot id that is a flag", () => statsArgv({ snapshot: "--mode=raw-data" })],
    ["stats of \"latest\"", () => statsArgv({ snapshot: "latest" })],
    ["snapshots of an id that is not hex", () => snapshotsArgv({ host: "h", tags: ["a"], ids: ["xyz12345"] })],
    ["ls of a relative path", () => lsArgv({ snapshot: ID, path: "data" })],
  ])("given %s, throws", (_name, fn) => {
    expect(fn).toThrow(ResticArgumentError);
  });
});
