import { describe, expect, it } from "vitest";
import { JobError, jobIdentity, parseJob, stdinArgv } from "./job.ts";

const JOB = {
  run: "nightly-1",
  profile: "app",
  host: "app.example.com",
  resticprofileConfigPath: "/etc/rafdir/resticprofile.yaml",
  profiles: [{ name: "app-local", repository: "local", kind: "folders" }],
};
const STDIN = { namespace: "app", pod: "db-0", command: "pg_dump app", filename: "app.sql" };

describe("parseJob", () => {
  it("given a folders job, returns it", () => {
    expect(parseJob(JSON.stringify(JOB))).toEqual(JOB);
  });
  it("given a stdin job, returns it", () => {
    const job = { ...JOB, profiles: [{ name: "app-local", repository: "local", kind: "stdin" }], stdin: STDIN };
    expect(parseJob(JSON.stringify(job)).stdin).toEqual(STDIN);
  });
  it("given folders and a dump written beside them, returns it", () => {
    const stdin = { namespace: "app", pod: "db-0", command: ["pg_dump", "app"], path: "/data/app.sql" };
    expect(parseJob(JSON.stringify({ ...JOB, stdin })).stdin).toEqual(stdin);
  });
  it.each([
    ["a string command", "pg_dump app | gzip", ["sh", "-c", "pg_dump app | gzip"]],
    ["an argv command", ["pg_dump", "app"], ["pg_dump", "app"]],
  ])("given %s, stdinArgv returns %j", (_n, command, argv) => {
    expect(stdinArgv({ ...STDIN, command })).toEqual(argv);
  });

  it.each<[string, string, RegExp]>([
    ["not JSON", "{", /not JSON/],
    ["no profiles", JSON.stringify({ ...JOB, profiles: [] }), /profiles/],
    ["a stdin profile without stdin", JSON.stringify({ ...JOB, profiles: [{ name: "a", repository: "r", kind: "stdin" }] }), /stdin: stdin profiles need stdin/],
    ["a stdin profile with a path", JSON.stringify({ ...JOB, profiles: [{ name: "a", repository: "r", kind: "stdin" }], stdin: { ...STDIN, path: "/x" } }), /with a filename and no path/],
    ["a dump beside folders without a path", JSON.stringify({ ...JOB, stdin: STDIN }), /stdin\.path: a dump beside folders needs the path/],
    ["a relative path", JSON.stringify({ ...JOB, stdin: { ...STDIN, path: "data/x" } }), /stdin\.path/],
    ["mixed profile kinds", JSON.stringify({ ...JOB, profiles: [...JOB.profiles, { name: "b", repository: "r", kind: "stdin" }], stdin: STDIN }), /mixes folders and stdin/],
    ["an empty command", JSON.stringify({ ...JOB, profiles: [{ name: "a", repository: "r", kind: "stdin" }], stdin: { ...STDIN, command: "" } }), /stdin\.command/],
    ["an unknown kind", JSON.stringify({ ...JOB, profiles: [{ name: "a", repository: "r", kind: "disk" }] }), /profiles\.0\.kind/],
    ["no host", JSON.stringify({ ...JOB, host: undefined }), /host/],
  ])("given %s, throws naming the field", (_name, text, message) => {
    expect(() => parseJob(text)).toThrow(JobError);
    expect(() => parseJob(text)).toThrow(message);
  });
});

describe("jobIdentity", () => {
  it.each([
    ["a partial job", JSON.stringify({ run: "r1", profile: "p", profiles: 3 }), { run: "r1", profile: "p" }],
    ["garbage", "nope", { run: "", profile: "" }],
    ["an array", "[]", { run: "", profile: "" }],
  ])("given %s, returns %j", (_n, text, want) => {
    expect(jobIdentity(text)).toEqual(want);
  });
});
