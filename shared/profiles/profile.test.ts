// Upstream's profiles_test.go cases (names made valid Kubernetes names), then rafdir's own.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateProfile, type ProfileContext } from "./profile.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";
import type { Profile } from "./types.ts";

const ctx: ProfileContext = { settings: DEFAULT_SETTINGS, repositories: ["backblaze", "local"] };
const opts = (yaml: string): unknown => parse(yaml);

const defaults = {
  disabled: false,
  stop: false,
  podWaitTimeoutMs: 4 * 3_600_000,
  minIntervalMs: 12 * 3_600_000,
  repositories: ["backblaze", "local"],
};

describe("validateProfile: upstream's valid profiles", () => {
  const base = { name: "test", namespace: "test-ns", target: { kind: "deployment", name: "test-deployment" }, host: "test.example.com", restoreNamespaces: ["test-ns"] };
  it.each<[string, string, Partial<Profile>]>([
    ["defaultStop", "namespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\nfolders: [/test/folder]", { folders: ["/test/folder"] }],
    ["allFields (stop)", "namespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\nstop: true\nfolders: [/test/folder]", { folders: ["/test/folder"], stop: true }],
    ["stdInCommand", "namespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\nstdin-command: test command", {
      folders: [],
      stdin: { command: ["sh", "-c", "test command"], namespace: "test-ns" },
    }],
    ["foldersAndCommand", "namespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\nstdin-command: test command\nstdin-namespace: cmd-ns\nstdin-selector: app=testApp,instance=testInstance\nstdin-filename: testfile\nfolders: [/test/folder]", {
      folders: ["/test/folder"],
      stdin: {
        command: ["sh", "-c", "test command"],
        namespace: "cmd-ns",
        filename: "testfile",
        selector: { matchLabels: { app: "testApp", instance: "testInstance" }, matchExpressions: [] },
      },
    }],
    ["snapshotClassOverride", "namespace: test-ns\nsnapshot-class: snap-override\nstorage-class: storage-override\ndeployment: test-deployment\nhost: test.example.com\nfolders: [/test/folder]", {
      folders: ["/test/folder"],
      snapshotClass: "snap-override",
      storageClass: "storage-override",
    }],
    ["multipleFolders", "namespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\nfolders: [/test/folder1, /test/folder2, /test/folder3]", {
      folders: ["/test/folder1", "/test/folder2", "/test/folder3"],
    }],
    ["commandBeforeAndAfter", "namespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\ncommand-before: {cmd: echo foo, container: main}\ncommand-after: {cmd: echo foo, container: main}\nfolders: [/test/folder]", {
      folders: ["/test/folder"],
      commandBefore: { command: ["sh", "-c", "echo foo"], container: "main" },
      commandAfter: { command: ["sh", "-c", "echo foo"], container: "main" },
    }],
    ["name: is ignored", "name: testName\nnamespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\nfolders: [/test/folder]", { folders: ["/test/folder"] }],
    ["disabled", "disabled: true\nnamespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\nstdin-command: test command", {
      disabled: true,
      folders: [],
      stdin: { command: ["sh", "-c", "test command"], namespace: "test-ns" },
    }],
  ])("given upstream's %s, returns the normalised profile", (_, yaml, expected) => {
    expect(validateProfile("test", opts(yaml), ctx)).toEqual({ ok: true, profile: { ...defaults, ...base, ...expected } });
  });

  it("given upstream's node profile, returns a node target whose host is the node", () => {
    expect(validateProfile("test", opts("node: test-node.cluster\nfolders: [/test/folder]"), ctx)).toEqual({
      ok: true,
      profile: { ...defaults, name: "test", target: { kind: "node", node: "test-node.cluster" }, folders: ["/test/folder"], host: "test-node.cluster", restoreNamespaces: [] },
    });
  });

  it.each<[string, string[] | string]>([
    ["restore-namespaces: [dr, test-ns]", ["dr", "test-ns"]],
    ['restore-namespaces: ["*"]', ["*"]],
    ["restore-namespaces: [Not_OK]", 'profile "test": field "restore-namespaces[0]": "Not_OK" must be a namespace (a DNS-1123 label) or "*"'],
    ["restore-namespaces: []", 'profile "test": field "restore-namespaces": [] must name at least one'],
  ])("restore-namespaces: %s", (line, want) => {
    const r = validateProfile("test", opts(`namespace: test-ns\ndeployment: d\nfolders: [/f]\n${line}`), ctx);
    if (Array.isArray(want)) expect(r.ok && r.profile.restoreNamespaces).toEqual(want);
    else expect(!r.ok && r.issues.map((i) => i.message)).toEqual([want]);
  });
});

describe("validateProfile: upstream's invalid profiles", () => {
  const valid = "namespace: test-ns\ndeployment: test-deployment\nhost: test.example.com\nfolders: [/test/folder]\n";
  it.each([
    ["emptyFolders", "namespace: test-ns\ndeployment: test-deployment\nhost: test.example.com", "folders", `profile "test": field "folders" is required: list the folders to back up, or set stdin-command`],
    ["deploymentAndStatefulSetMixed", "namespace: test-ns\nstatefulset: test-sts\ndeployment: test-deployment\nhost: h\nfolders: [/f]", "statefulset",
      `profile "test": field "statefulset": "test-sts" cannot be combined with deployment: set exactly one of deployment, statefulset, selector or node`],
    ["deploymentAndSelectorMixed", "namespace: test-ns\ndeployment: test-deployment\nselector: foo=bar\nhost: h\nfolders: [/f]", "selector",
      `profile "test": field "selector": "foo=bar" cannot be combined with deployment: set exactly one of deployment, statefulset, selector or node`],
    ["nodeAndStatefulSetMixed", "statefulset: test-sts\nnode: test-node.cluster\nfolders: [/f]", "statefulset",
      `profile "test": field "statefulset": "test-sts" is not allowed with node: a node profile only backs up hostPath folders`],
    ["nodeAndDeploymentMixed", "deployment: test-deployment\nnode: test-node.cluster\nfolders: [/f]", "deployment", undefined],
    ["nodeWithNamespace", "node: test-node.cluster\nnamespace: test-ns\nfolders: [/f]", "namespace", undefined],
    ["nodeWithHostname", "node: test-node.cluster\nhost: test.example.com\nfolders: [/f]", "host",
      `profile "test": field "host": "test.example.com" is not allowed with node: the host is the node name`],
    ["nodeWithStop", "node: test-node.cluster\nstop: true\nfolders: [/f]", "stop", undefined],
    ["nodeWithCommandBefore", "node: test-node.cluster\ncommand-before: {cmd: echo foo, container: main}\nfolders: [/f]", "command-before", undefined],
    ["nodeWithCommandAfter", "node: test-node.cluster\ncommand-after: {cmd: echo foo, container: main}\nfolders: [/f]", "command-after", undefined],
    ["FoldersAndCommandWithoutFilename", `${valid}stdin-command: test command\nstdin-namespace: cmd-ns\nstdin-selector: app=x`, "stdin-filename",
      `profile "test": field "stdin-filename" is required when both folders and stdin-command are set (the output is written to folders[0]/<stdin-filename>)`],
    ["StdInNamespaceWithoutSelector", `${valid}stdin-command: test command\nstdin-namespace: cmd-ns\nstdin-filename: testfile`, "stdin-selector",
      `profile "test": field "stdin-selector" is required when stdin-namespace is set`],
    ["commandBeforeEmptyCmdButContainer", `${valid}command-before: {container: main}`, "command-before.cmd",
      `profile "test": field "command-before.cmd" is required when command-before.container is set`],
    ["commandAfterEmptyCmdButContainer", `${valid}command-after: {container: main}`, "command-after.cmd", undefined],
    ["commandBeforeAndStop", `${valid}stop: true\ncommand-before: {cmd: echo foo, container: main}`, "command-before", undefined],
    ["commandAfterAndStop", `${valid}stop: true\ncommand-after: {cmd: echo foo, container: main}`, "command-after",
      `profile "test": field "command-after": {"cmd":"echo foo","container":"main"} cannot be combined with stop`],
  ])("given upstream's %s, reports field %j", (_, yaml, field, message) => {
    const r = validateProfile("test", opts(yaml), ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]?.field).toBe(field);
    if (message) expect(r.issues[0]?.message).toBe(message);
  });
});

describe("validateProfile: rafdir's rules and messages", () => {
  const valid = "namespace: app\ndeployment: web\nfolders: [/data]\n";

  it.each([
    ["../etc", `profile "../etc": field "name": "../etc" is not a valid profile name: use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "etc")`],
    ["myApplication", `profile "myApplication": field "name": "myApplication" is not a valid profile name: use lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "myapplication")`],
    ["", `profile "": field "name": "" must not be empty`],
    ["a".repeat(64), `is longer than 63 characters`],
    ["__proto__", `field "name": "__proto__" is not a valid profile name`],
  ])("given the profile name %j, reports %j", (name, message) => {
    const r = validateProfile(name, opts(valid), ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.message).toContain(message);
  });

  it("given a name with surrounding spaces, trims it", () => {
    const r = validateProfile(" db ", opts(valid), ctx);
    expect(r.ok && r.profile.name).toBe("db");
  });

  it.each([
    [`${valid.replace("[/data]", "[/data, data/x]")}`, "folders[1]", `profile "db": field "folders[1]": "data/x" is not an absolute path`],
    [`${valid.replace("[/data]", "[/data/../etc]")}`, "folders[0]", `profile "db": field "folders[0]": "/data/../etc" must not contain "." or ".." segments`],
    [`${valid.replace("[/data]", "[/]")}`, "folders[0]", `profile "db": field "folders[0]": "/" is the root directory: name the folders to back up`],
    [`${valid.replace("[/data]", "[/data, /data/]")}`, "folders[1]", `profile "db": field "folders[1]": "/data/" is the same folder as folders[0]`],
    [`${valid.replace("[/data]", "/data")}`, "folders", `profile "db": field "folders": "/data" must be a list of absolute paths`],
    [`${valid.replace("[/data]", "[]")}`, "folders", `profile "db": field "folders": [] must list at least one folder`],
    [`${valid}stop: "yes please"`, "stop", `profile "db": field "stop": "yes please" must be true or false`],
    [`${valid}namespace2: x`, "namespace2", `profile "db": field "namespace2" is not an option (did you mean "namespace"?)`],
    [`${valid}snapshotClass: x`, "snapshotClass", `(did you mean "snapshot-class"?)`],
    [`${valid}folder: [/x]`, "folder", `(did you mean "folders"?)`],
    [`${valid}command-before: {cmd: x, contianer: main}`, "command-before.contianer", `(did you mean "container"?)`],
    [`${valid}command-before: echo hi`, "command-before", `"echo hi" must be a mapping with cmd and container`],
    [`${valid}stdin-command: [pg_dump, 3]\nstdin-filename: f`, "stdin-command[1]", `field "stdin-command[1]": 3 must be a string`],
    [`${valid}stdin-command: x\nstdin-filename: ../../etc/passwd`, "stdin-filename", `must be a file name, not a path (no "/")`],
    [`${valid.replace("app", "App_NS")}`, "namespace", `field "namespace": "App_NS" is not a valid name`],
    [`${valid.replace("web", "web/../x")}`, "deployment", `field "deployment": "web/../x" is not a valid name`],
    [`${valid}host: "evil\\"]\\n[x]"`, "host", "is not a valid host"],
    [`${valid}pod-wait-timeout: 30`, "pod-wait-timeout", `field "pod-wait-timeout": 30 must be a duration like "30m" or "12h"`],
    [`${valid}min-interval: soon`, "min-interval", `field "min-interval": "soon" is not a duration`],
    [`${valid}repositories: [local, s3]`, "repositories[1]", `field "repositories[1]": "s3" is not a configured repository (configured: backblaze, local)`],
    [`${valid}repositories: []`, "repositories", "must name at least one"],
    ["namespace: app\nselector: {}\nfolders: [/data]", "selector", "must not be empty (it would select every pod)"],
    ["namespace: app\nselector: app=web\nstop: true\nfolders: [/data]", "stop", `field "stop": true needs a deployment or statefulset to scale down`],
    [`${valid}stop: true\nstdin-command: dump\nstdin-filename: d.sql`, "stop", "stops the pod stdin-command runs in"],
    [`${valid}stdin-container: db`, "stdin-container", `field "stdin-container": "db" is only used with stdin-command`],
    ["deployment: web\nfolders: [/data]", "namespace", `profile "db": field "namespace" is required`],
    ["namespace: app\nfolders: [/data]", "deployment", "is required: set one of deployment, statefulset, selector or node"],
    ["3", "(profile)", `profile "db": field "(profile)": 3 must be a mapping of profile options`],
  ])("given %j, reports field %j: %j", (yaml, field, message) => {
    const r = validateProfile("db", opts(yaml), ctx);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const hit = r.issues.find((i) => i.field === field);
    expect(hit?.message, JSON.stringify(r.issues)).toContain(message);
    expect(hit?.profile).toBe("db");
  });

  it("given a bad value, carries it in the issue", () => {
    const r = validateProfile("db", opts(valid.replace("[/data]", "[/data, data/x]")), ctx);
    expect(!r.ok && r.issues).toEqual([
      { profile: "db", field: "folders[1]", value: "data/x", message: `profile "db": field "folders[1]": "data/x" is not an absolute path` },
    ]);
  });

  it("given several problems, reports each of them", () => {
    const r = validateProfile("Bad Name", opts("namespace: X\ndeployment: web\nfolders: [rel]\nstop: maybe"), ctx);
    expect(!r.ok && r.issues.map((i) => i.field)).toEqual(["name", "namespace", "folders[0]", "stop"]);
  });

  it.each([
    ["null and empty options count as unset (Go zero values)", `${valid}statefulset: ""\nselector: null\nhost:`, { host: "db" }],
    ["YAML 1.1 boolean words, as upstream's Go parser read them", `${valid}stop: yes\ndisabled: Off`, { stop: true, disabled: false }],
    ["y and n as names, not booleans", "namespace: n\ndeployment: y\nfolders: [/data]", { namespace: "n", target: { kind: "deployment", name: "y" } }],
    ["a label-map selector", "namespace: app\nselector: {app: web, tier: db}\nfolders: [/data]", {
      target: { kind: "selector", selector: { matchLabels: { app: "web", tier: "db" }, matchExpressions: [] } },
    }],
    ["an argv command list", `${valid}command-before: {cmd: [redis-cli, save]}`, { commandBefore: { command: ["redis-cli", "save"] } }],
    ["an empty command-before (no command, as upstream)", `${valid}command-before: {cmd: ""}`, {}],
    ["folders with trailing and doubled slashes", valid.replace("[/data]", "[/data/, //srv//www]"), { folders: ["/data", "/srv/www"] }],
    ["per-profile min-interval, pod-wait-timeout and repositories", `${valid}min-interval: 0\npod-wait-timeout: 30m\nrepositories: [local]`, {
      minIntervalMs: 0,
      podWaitTimeoutMs: 1_800_000,
      repositories: ["local"],
    }],
    ["a statefulset with stop", "namespace: app\nstatefulset: db\nstop: true\nfolders: [/var/lib/postgresql]", {
      target: { kind: "statefulset", name: "db" },
      stop: true,
      folders: ["/var/lib/postgresql"],
    }],
  ])("given %s, accepts it", (_, yaml, expected) => {
    const r = validateProfile("db", opts(yaml), ctx);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (r.ok) expect(r.profile).toMatchObject(expected);
  });

  it("given a stdin-only profile with stdin-namespace and stdin-selector but no target, accepts it", () => {
    const r = validateProfile("pg", opts("stdin-command: pg_dumpall\nstdin-namespace: db\nstdin-selector: app=postgres\nstdin-filename: all.sql\nstdin-container: postgres"), ctx);
    expect(r).toEqual({
      ok: true,
      profile: {
        ...defaults,
        name: "pg",
        namespace: "db",
        restoreNamespaces: ["db"],
        target: { kind: "none" },
        folders: [],
        host: "pg",
        stdin: {
          command: ["sh", "-c", "pg_dumpall"],
          container: "postgres",
          filename: "all.sql",
          namespace: "db",
          selector: { matchLabels: { app: "postgres" }, matchExpressions: [] },
        },
      },
    });
  });

  it("given no repository list and no readable repositories, resolves to none (not checked)", () => {
    const r = validateProfile("db", opts(`${valid}repositories: [anything]`), { settings: DEFAULT_SETTINGS });
    expect(r.ok && r.profile.repositories).toEqual(["anything"]);
  });
});
