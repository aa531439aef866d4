import { describe, expect, it } from "vitest";
import { applyPatch, mediaType } from "./patch.ts";
import { ApiError, type KObject } from "./types.ts";

const MERGE = "application/merge-patch+json";
const JSON_PATCH = "application/json-patch+json";
const SMP = "application/strategic-merge-patch+json";
const APPLY = "application/apply-patch+yaml";

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

function catchError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

/** Every object key anywhere in a value. */
function allKeys(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(allKeys);
  if (typeof v === "object" && v !== null) return Object.entries(v).flatMap(([k, x]) => [k, ...allKeys(x)]);
  return [];
}

const deployment = (): KObject =>
  deepFreeze({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "prod",
      labels: { app: "web", tier: "front" },
      finalizers: ["a.example.com/x", "b.example.com/y"],
      ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: "u1" }],
    },
    spec: {
      replicas: 2,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
      template: {
        spec: {
          containers: [
            {
              name: "app",
              image: "app:1",
              env: [
                { name: "A", value: "1" },
                { name: "B", value: "2" },
              ],
              ports: [{ containerPort: 80, name: "http" }],
              volumeMounts: [{ name: "data", mountPath: "/data" }],
            },
            { name: "sidecar", image: "side:1" },
          ],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "pvc" } }],
          tolerations: [{ key: "k1", operator: "Exists" }],
        },
      },
    },
    status: { conditions: [{ type: "Available", status: "False", reason: "Min" }] },
  });

const spec = (o: KObject) => o["spec"] as { template: { spec: Record<string, unknown> } } & Record<string, unknown>;
const containers = (o: KObject) => spec(o).template.spec["containers"] as Array<Record<string, unknown>>;

describe("mediaType", () => {
  it.each([
    ["application/merge-patch+json; charset=utf-8", MERGE],
    ["Application/JSON-Patch+JSON", JSON_PATCH],
    ["", ""],
  ])("given %j, returns %j", (header, want) => {
    expect(mediaType(header)).toBe(want);
  });
});

describe("applyPatch with a merge patch", () => {
  it.each([
    ["adds a label", { metadata: { labels: { new: "x" } } }, (o: KObject) => o.metadata.labels, { app: "web", tier: "front", new: "x" }],
    ["removes a label with null", { metadata: { labels: { tier: null } } }, (o: KObject) => o.metadata.labels, { app: "web" }],
    ["replaces a list wholesale", { metadata: { finalizers: ["z"] } }, (o: KObject) => o.metadata.finalizers, ["z"]],
    ["creates nested maps", { spec: { selector: { matchLabels: { a: "b" } } } }, (o: KObject) => spec(o)["selector"], { matchLabels: { a: "b" } }],
    ["sets a scalar", { spec: { replicas: 5 } }, (o: KObject) => spec(o)["replicas"], 5],
  ])("given a patch that %s, returns the merged object", (_what, patch, pick, want) => {
    expect(pick(applyPatch(`${MERGE}; charset=utf-8`, deployment(), patch))).toEqual(want);
  });

  it("given the patch as raw JSON text, returns the merged object", () => {
    expect(applyPatch(MERGE, deployment(), '{"spec":{"replicas":7}}')["spec"]).toMatchObject({ replicas: 7 });
  });

  it.each([[null], [[1, 2]], ["not json"]])("given the non-object patch %j, throws 400", (patch) => {
    expect(catchError(() => applyPatch(MERGE, deployment(), patch)).code).toBe(400);
  });
});

describe("applyPatch with a JSON patch", () => {
  it.each([
    ["add", [{ op: "add", path: "/metadata/labels/x", value: "y" }], (o: KObject) => o.metadata.labels?.["x"], "y"],
    ["replace", [{ op: "replace", path: "/spec/replicas", value: 3 }], (o: KObject) => spec(o)["replicas"], 3],
    ["remove", [{ op: "remove", path: "/metadata/finalizers/0" }], (o: KObject) => o.metadata.finalizers, ["b.example.com/y"]],
    [
      "test then replace",
      [
        { op: "test", path: "/spec/replicas", value: 2 },
        { op: "replace", path: "/spec/replicas", value: 4 },
      ],
      (o: KObject) => spec(o)["replicas"],
      4,
    ],
    ["append", [{ op: "add", path: "/metadata/finalizers/-", value: "c" }], (o: KObject) => o.metadata.finalizers?.length, 3],
    ["move", [{ op: "move", from: "/metadata/labels/app", path: "/metadata/labels/name" }], (o: KObject) => o.metadata.labels, { name: "web", tier: "front" }],
  ])("given a %s operation, returns the patched object", (_op, patch, pick, want) => {
    expect(pick(applyPatch(JSON_PATCH, deployment(), patch))).toEqual(want);
  });

  it.each([
    ["a failing test", [{ op: "test", path: "/spec/replicas", value: 9 }], 422, "testing value /spec/replicas failed: test failed"],
    ["a missing path", [{ op: "remove", path: "/metadata/annotations/x" }], 422, 'remove operation does not apply: doc is missing path: "/metadata/annotations/x"'],
    ["a missing parent", [{ op: "add", path: "/nope/deeper/x", value: 1 }], 422, "add operation does not apply"],
    ["an unknown op", [{ op: "frobnicate", path: "/a" }], 422, "Unexpected kind: frobnicate"],
    ["a missing from", [{ op: "copy", from: "/nope", path: "/a" }], 422, "copy operation does not apply: doc is missing from path: /nope"],
    ["a non-array body", { op: "add" }, 400, "cannot unmarshal object"],
    ["a non-object operation", ["x"], 400, "cannot unmarshal operation 0"],
  ])("given %s, throws %s", (_what, patch, code, message) => {
    const err = catchError(() => applyPatch(JSON_PATCH, deployment(), patch));
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
  });

  it("given more than 10000 operations, throws 413", () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: "test", path: "/kind", value: "Deployment" }));
    expect(catchError(() => applyPatch(JSON_PATCH, deployment(), ops)).code).toBe(413);
  });
});

describe("applyPatch with a strategic merge patch", () => {
  it("given a container image change, returns the container merged by name and the others kept", () => {
    const out = applyPatch(SMP, deployment(), { spec: { template: { spec: { containers: [{ name: "sidecar", image: "side:2" }] } } } });
    expect(containers(out).map((c) => [c["name"], c["image"]])).toEqual([
      ["app", "app:1"],
      ["sidecar", "side:2"],
    ]);
    expect(containers(out)[0]?.["env"]).toHaveLength(2);
  });

  it.each([
    ["env by name", { env: [{ name: "B", value: "3" }, { name: "C", value: "4" }] }, "env", [{ name: "A", value: "1" }, { name: "B", value: "3" }, { name: "C", value: "4" }]],
    ["volumeMounts by mountPath", { volumeMounts: [{ mountPath: "/data", readOnly: true }] }, "volumeMounts", [{ name: "data", mountPath: "/data", readOnly: true }]],
    ["ports by containerPort", { ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 9090 }] }, "ports", [{ containerPort: 80, name: "http", protocol: "TCP" }, { containerPort: 9090 }]],
    ["env with an element deleted", { env: [{ name: "A", $patch: "delete" }] }, "env", [{ name: "B", value: "2" }]],
    ["env replaced", { env: [{ name: "Z", value: "0" }, { $patch: "replace" }] }, "env", [{ name: "Z", value: "0" }]],
  ])("given a container patch of %s, returns the merged list", (_what, containerPatch, field, want) => {
    const out = applyPatch(SMP, deployment(), { spec: { template: { spec: { containers: [{ name: "app", ...containerPatch }] } } } });
    expect(containers(out)[0]?.[field]).toEqual(want);
  });

  it.each([
    ["merges finalizers as a set", { metadata: { finalizers: ["b.example.com/y", "c"] } }, (o: KObject) => o.metadata.finalizers, ["a.example.com/x", "b.example.com/y", "c"]],
    [
      "deletes from a primitive list",
      { metadata: { $deleteFromPrimitiveList_finalizers: ["a.example.com/x"] } },
      (o: KObject) => o.metadata.finalizers,
      ["b.example.com/y"],
    ],
    [
      "merges ownerReferences by uid",
      { metadata: { ownerReferences: [{ uid: "u2", kind: "Secret", name: "s", apiVersion: "v1" }] } },
      (o: KObject) => o.metadata.ownerReferences?.map((r) => r.uid),
      ["u2", "u1"],
    ],
    [
      "merges conditions by type",
      { status: { conditions: [{ type: "Available", status: "True" }, { type: "Progressing", status: "True" }] } },
      (o: KObject) => o["status"],
      { conditions: [{ type: "Available", status: "True", reason: "Min" }, { type: "Progressing", status: "True" }] },
    ],
    [
      "replaces tolerations",
      { spec: { template: { spec: { tolerations: [{ key: "k2", operator: "Exists" }] } } } },
      (o: KObject) => spec(o).template.spec["tolerations"],
      [{ key: "k2", operator: "Exists" }],
    ],
    [
      "keeps only retained keys",
      { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } },
      (o: KObject) => spec(o)["strategy"],
      { type: "Recreate" },
    ],
    [
      "replaces a map with $patch: replace",
      { metadata: { labels: { only: "me", $patch: "replace" } } },
      (o: KObject) => o.metadata.labels,
      { only: "me" },
    ],
    [
      "empties a map with $patch: delete",
      { metadata: { labels: { $patch: "delete" } } },
      (o: KObject) => o.metadata.labels,
      {},
    ],
    [
      "deletes a field with null",
      { spec: { strategy: null } },
      (o: KObject) => Object.hasOwn(spec(o), "strategy"),
      false,
    ],
    [
      "drops nulls inside new fields",
      { spec: { paused: { a: 1, b: null } } },
      (o: KObject) => spec(o)["paused"],
      { a: 1 },
    ],
    [
      "reorders with $setElementOrder",
      { spec: { template: { spec: { $setElementOrder_containers: [{ name: "sidecar" }, { name: "app" }], containers: [{ name: "app", image: "app:2" }] } } } },
      (o: KObject) => containers(o).map((c) => `${String(c["name"])}=${String(c["image"])}`),
      ["sidecar=side:1", "app=app:2"],
    ],
    [
      "reorders the live list when only $setElementOrder is given",
      { spec: { template: { spec: { $setElementOrder_containers: [{ name: "sidecar" }, { name: "app" }] } } } },
      (o: KObject) => containers(o).map((c) => c["name"]),
      ["sidecar", "app"],
    ],
    [
      "adds a container (new items go first, as in apimachinery's mergeSortedSlice)",
      { spec: { template: { spec: { containers: [{ name: "new", image: "n" }] } } } },
      (o: KObject) => containers(o).map((c) => c["name"]),
      ["new", "app", "sidecar"],
    ],
    [
      "patches one container and adds another",
      { spec: { template: { spec: { containers: [{ name: "sidecar", image: "s2" }, { name: "new", image: "n" }] } } } },
      (o: KObject) => containers(o).map((c) => c["name"]),
      ["app", "sidecar", "new"],
    ],
    [
      "treats an empty merge list as no change",
      { spec: { template: { spec: { containers: [] } } } },
      (o: KObject) => containers(o).length,
      2,
    ],
  ])("given a patch that %s, returns the expected value", (_what, patch, pick, want) => {
    // `$x_y` stands for `$x/y` keys, which read badly in test names.
    const body: unknown = JSON.parse(JSON.stringify(patch).replace(/"\$(deleteFromPrimitiveList|setElementOrder)_/g, '"$$$1/'));
    const out = applyPatch(SMP, deployment(), body);
    expect(pick(out)).toEqual(want);
    expect(allKeys(out).filter((k) => k.startsWith("$"))).toEqual([]);
  });

  it("given a Service port patch, returns ports merged by port", () => {
    const svc: KObject = deepFreeze({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s" },
      spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] },
    });
    const out = applyPatch(SMP, svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } });
    expect(out["spec"]).toEqual({ ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] });
  });

  it.each([
    ["a list element without its merge key", { spec: { template: { spec: { containers: [{ image: "x" }] } } } }, 400, "does not contain declared merge key: name"],
    ["an unknown $patch value", { metadata: { labels: { $patch: "explode" } } }, 400, "unknown patch type: explode"],
    ["a bad $retainKeys list", { spec: { strategy: { $retainKeys: "type" } } }, 400, "invalid patch format of retainKeys"],
    ["a field outside $retainKeys", { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } }, 400, "invalid patch format of retainKeys"],
    ["a bad $deleteFromPrimitiveList", { metadata: { "$deleteFromPrimitiveList/finalizers": "x" } }, 400, "invalid patch format of primitive list"],
    ["a bad $setElementOrder", { metadata: { "$setElementOrder/finalizers": "x" } }, 400, "invalid patch format of setElementOrder list"],
  ])("given %s, throws %s", (_what, patch, code, message) => {
    const err = catchError(() => applyPatch(SMP, deployment(), patch));
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
  });

  it("given a custom resource, throws 415 like the real server", () => {
    const err = catchError(() => applyPatch(SMP, deployment(), { spec: {} }, { customResource: true }));
    expect(err.code).toBe(415);
  });
});

describe("applyPatch with server-side apply", () => {
  it("given a YAML configuration, returns it merged with list merge keys and no managedFields", () => {
    const yaml = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: web",
      "  managedFields: [{manager: me}]",
      "  labels: {team: a}",
      "spec:",
      "  template:",
      "    spec:",
      "      containers:",
      "      - name: app",
      "        image: app:9",
    ].join("\n");
    const out = applyPatch(APPLY, deployment(), yaml);
    expect(out.metadata.labels).toEqual({ app: "web", tier: "front", team: "a" });
    expect(out.metadata["managedFields"]).toBeUndefined();
    expect(containers(out).map((c) => [c["name"], c["image"]])).toEqual([
      ["app", "app:9"],
      ["sidecar", "side:1"],
    ]);
  });

  it("given a custom resource, returns a plain merge", () => {
    const cr: KObject = deepFreeze({ apiVersion: "x.io/v1", kind: "Backup", metadata: { name: "b" }, spec: { targets: [{ name: "a" }, { name: "b" }] } });
    const out = applyPatch(APPLY, cr, { spec: { targets: [{ name: "c" }] } }, { customResource: true });
    expect(out["spec"]).toEqual({ targets: [{ name: "c" }] });
  });

  it("given invalid YAML, throws 400", () => {
    expect(catchError(() => applyPatch(APPLY, deployment(), "a: [")).code).toBe(400);
  });
});

describe("applyPatch in general", () => {
  it("given an unknown content type, throws 415", () => {
    const err = catchError(() => applyPatch("application/xml", deployment(), {}));
    expect(err.code).toBe(415);
    expect(err.reason).toBe("UnsupportedMediaType");
  });

  it.each([MERGE, SMP, APPLY])("given a %s patch that drops apiVersion and kind, returns the target's", (type) => {
    const out = applyPatch(type, deployment(), { apiVersion: null, kind: null });
    expect([out.apiVersion, out.kind]).toEqual(["apps/v1", "Deployment"]);
  });

  it.each([MERGE, JSON_PATCH, SMP, APPLY])("given frozen inputs to a %s patch, returns a new object without mutating them", (type) => {
    const target = deployment();
    const before = JSON.stringify(target);
    const patch = deepFreeze(type === JSON_PATCH ? [{ op: "replace", path: "/spec/replicas", value: 1 }] : { spec: { replicas: 1 } });
    const out = applyPatch(type, target, patch);
    expect(spec(out)["replicas"]).toBe(1);
    expect(JSON.stringify(target)).toBe(before);
  });
});
