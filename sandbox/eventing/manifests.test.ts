import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifestDir, loadManifestText, ManifestError } from "./manifests.ts";
import { compileModel } from "./model.ts";
import { TESTDATA } from "./recorder.test-util.ts";

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ManifestError) return e.problems.join("\n");
    throw e;
  }
  throw new Error("expected a ManifestError");
}

const trigger = (name: string, spec: string) => `apiVersion: eventing.knative.dev/v1
kind: Trigger
metadata: { name: ${name}, namespace: backup }
spec:
  broker: rafdir
  subscriber: { ref: { apiVersion: serving.knative.dev/v1, kind: Service, name: x } }
${spec}`;

describe("loadManifestDir", () => {
  it("reads the directory recursively, skips kustomization.yaml but applies its namespace", () => {
    const m = loadManifestDir(join(TESTDATA, "knative"));
    expect(m.brokers.map((b) => `${b.namespace}/${b.name}`)).toEqual(["backup/rafdir"]);
    expect(m.triggers.length).toBe(11);
    expect(m.triggers.every((t) => t.namespace === "backup")).toBe(true);
    expect(m.pingSources.map((p) => p.name).sort()).toEqual(["rafdir-janitor", "rafdir-schedule-nightly"]);
    expect(m.apiServerSources.map((a) => a.name)).toEqual(["rafdir-resources"]);
    expect(m.services.map((s) => s.name)).toEqual(["rafdir-plan"]);
    expect(m.triggers[0]?.origin).toMatch(/triggers\.yaml#0$/);
  });

  it("compiles the testdata into a model", () => {
    const model = compileModel(loadManifestDir(join(TESTDATA, "knative")));
    expect(model.warnings).toEqual([]);
    expect(model.brokers.get("backup/rafdir")?.delivery).toMatchObject({ retry: 2 });
    expect(model.triggers.find((t) => t.name === "failing")?.delivery).toMatchObject({ retry: 3, policy: "linear", delayMs: 50, deadLetterSink: { ref: { name: "dead-letters" } } });
  });
});

describe("loadManifestText", () => {
  it("picks the eventing kinds, ignores others, defaults the namespace", () => {
    const m = loadManifestText(
      `apiVersion: v1
kind: ConfigMap
metadata: { name: c }
---
apiVersion: v1
kind: Service
metadata: { name: core-service }
---
apiVersion: eventing.knative.dev/v1
kind: Broker
metadata: { name: rafdir }
`,
      "inline.yaml",
      "backup",
    );
    expect(m.brokers.map((b) => `${b.namespace}/${b.name}`)).toEqual(["backup/rafdir"]);
    expect(m.services).toEqual([]);
  });

  it.each([
    ["schema error", trigger("t1", "  filters: [{ exact: { type: 1 } }]"), /inline\.yaml: Trigger backup\/t1: spec\.filters\.0\.exact\.type: Invalid input/],
    ["unknown filter key", trigger("t1", "  filters: [{ sql: x }]"), /Trigger backup\/t1: spec\.filters\.0: Unrecognized key: "sql"/],
    ["missing subscriber", "apiVersion: eventing.knative.dev/v1\nkind: Trigger\nmetadata: { name: t2 }\nspec: { broker: rafdir }", /Trigger backup\/t2: spec\.subscriber/],
    ["old apiVersion", "apiVersion: eventing.knative.dev/v1beta1\nkind: Trigger\nmetadata: { name: t3 }\nspec: {}", /Trigger backup\/t3: apiVersion/],
    ["YAML syntax", "a: [", /inline\.yaml: YAML error/],
    ["data and dataBase64", "apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata: { name: p }\nspec: { data: a, dataBase64: YQ==, sink: { uri: 'http://x' } }", /PingSource backup\/p: spec: data and dataBase64/],
    ["duplicates", `${trigger("t1", "")}\n---\n${trigger("t1", "")}`, /inline\.yaml#1: Trigger backup\/t1 is defined twice \(also in inline\.yaml#0\)/],
  ])("%s", (_n, text, msg) => expect(problems(() => loadManifestText(text, "inline.yaml", "backup"))).toMatch(msg));
});

describe("compileModel rejects bad semantics, naming file and object", () => {
  const broker = "apiVersion: eventing.knative.dev/v1\nkind: Broker\nmetadata: { name: rafdir, namespace: backup }\n---\n";
  it.each([
    ["two dialects", trigger("t1", "  filters:\n    - exact: { type: a }\n      suffix: { source: b }"), /f\.yaml#1: Trigger backup\/t1: spec\.filters\[0\]: multiple dialects found \(exact, suffix\)/],
    ["cesql", trigger("t1", "  filters: [{ cesql: \"type = 'a'\" }]"), /Trigger backup\/t1: spec\.filters\[0\]\.cesql: CESQL filters are not supported/],
    ["bad backoffDelay", trigger("t1", "  delivery: { retry: 1, backoffDelay: 2s }"), /Trigger backup\/t1: spec\.delivery\.backoffDelay: invalid ISO-8601/],
    ["bad schedule", "apiVersion: sources.knative.dev/v1\nkind: PingSource\nmetadata: { name: p, namespace: backup }\nspec: { schedule: '@every 5m', sink: { uri: 'http://x' } }", /PingSource backup\/p: spec\.schedule: .*@every/],
    ["bad selector", "apiVersion: sources.knative.dev/v1\nkind: ApiServerSource\nmetadata: { name: a, namespace: backup }\nspec: { resources: [{ apiVersion: v1, kind: Pod, selector: { matchLabels: { 'bad key!': x } } }], sink: { uri: 'http://x' } }", /ApiServerSource backup\/a: /],
  ])("%s", (_n, text, msg) => expect(problems(() => compileModel(loadManifestText(broker + text, "f.yaml")))).toMatch(msg));

  it("a trigger on a missing broker is a warning; no broker at all gets the fallback", () => {
    const model = compileModel(loadManifestText(trigger("t1", ""), "f.yaml"), { fallbackBroker: "backup/rafdir" });
    expect(model.warnings.join("\n")).toMatch(/no Broker in the manifests/);
    const other = compileModel(loadManifestText(`${broker}${trigger("t1", "").replace("broker: rafdir", "broker: other")}`, "f.yaml"));
    expect(other.warnings.join("\n")).toMatch(/Trigger backup\/t1: broker backup\/other does not exist/);
  });
});
