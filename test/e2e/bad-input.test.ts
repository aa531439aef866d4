// Acceptance: bad requests get Kubernetes Status errors and change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest, testSandbox, type TestSandbox } from "../support/sandbox.ts";

describe("bad input to the sandbox API server", () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await testSandbox({ watchHistory: 50 });
  });
  afterAll(async () => {
    await sb?.close();
  });

  async function configMapNames(): Promise<string[]> {
    const res = await rawRequest(sb, "GET", "/api/v1/namespaces/default/configmaps");
    return ((res.json()["items"] as Array<{ metadata: { name: string } }>) ?? []).map((i) => i.metadata.name);
  }

  it.each([
    ["malformed JSON", "POST", "/api/v1/namespaces/default/configmaps", '{"metadata": {"name": "x"', 400, "BadRequest"],
    ["a JSON array", "POST", "/api/v1/namespaces/default/configmaps", "[]", 400, "BadRequest"],
    ["a mismatched kind", "POST", "/api/v1/namespaces/default/configmaps", '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}', 400, "BadRequest"],
    ["an unknown resource", "POST", "/api/v1/namespaces/default/gizmos", '{"metadata":{"name":"x"}}', 404, "NotFound"],
    ["an unknown group", "GET", "/apis/gizmo.example.com/v1/gizmos", undefined, 404, "NotFound"],
    ["an invalid name", "POST", "/api/v1/namespaces/default/configmaps", '{"metadata":{"name":"Bad_Name"}}', 422, "Invalid"],
    ["a missing namespace", "POST", "/api/v1/namespaces/nowhere/configmaps", '{"metadata":{"name":"x"}}', 404, "NotFound"],
    ["an empty body", "POST", "/api/v1/namespaces/default/configmaps", "", 400, "BadRequest"],
  ])("given %s, answers %i %s with a Status body and stores nothing", async (_what, method, path, body, code, reason) => {
    const before = await configMapNames();
    const res = await rawRequest(sb, method, path, body);
    expect(res.status).toBe(code);
    expect(res.json()).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason, code });
    expect(await configMapNames()).toEqual(before);
  });

  it("names the bad field and value in 422 causes", async () => {
    const res = await rawRequest(sb, "POST", "/api/v1/namespaces/default/configmaps", '{"metadata":{"name":"Bad_Name"}}');
    const details = res.json()["details"] as { causes: Array<{ field: string; message: string; reason: string }> };
    expect(details.causes[0]).toMatchObject({ field: "metadata.name", reason: "FieldValueInvalid" });
    expect(details.causes[0]?.message).toContain('"Bad_Name"');
  });

  it("rejects a PVC without a storage request (422) and a Deployment whose selector misses its template (422)", async () => {
    const pvc = await rawRequest(sb, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", JSON.stringify({ metadata: { name: "p" }, spec: { accessModes: ["ReadWriteOnce"] } }));
    expect(pvc.status).toBe(422);
    expect(JSON.stringify(pvc.json()["details"])).toContain("spec.resources");
    const deploy = await rawRequest(
      sb,
      "POST",
      "/apis/apps/v1/namespaces/default/deployments",
      JSON.stringify({
        metadata: { name: "d" },
        spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
      }),
    );
    expect(deploy.status).toBe(422);
    expect(String(deploy.json()["message"])).toContain("`selector` does not match template `labels`");
  });

  it("answers 410 Gone to a watch that starts before the retained history", async () => {
    for (let i = 0; i < 60; i++) {
      await rawRequest(sb, "POST", "/api/v1/namespaces/default/configmaps", JSON.stringify({ metadata: { name: `churn-${i}` } }));
    }
    const res = await rawRequest(sb, "GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2");
    expect(res.status).toBe(410);
    expect(res.json()).toMatchObject({ kind: "Status", reason: "Expired", code: 410 });
  });

  it("rejects unknown fields under fieldValidation=Strict, and only warns under Warn", async () => {
    const body = JSON.stringify({ metadata: { name: "strict-cm" }, data: { a: "b" }, bogus: true });
    const strict = await rawRequest(sb, "POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", body);
    expect(strict.status).toBe(400);
    expect(String(strict.json()["message"])).toContain('unknown field "bogus"');
    expect(await configMapNames()).not.toContain("strict-cm");
  });
});
