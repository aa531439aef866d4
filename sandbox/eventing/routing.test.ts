// Pure routing decisions: ingress paths and status codes, destination resolution, fault rules.
import { describe, expect, it } from "vitest";
import { routeRequest } from "./broker.ts";
import { FaultInjector, ruleApplies, ruleFires } from "./faults.ts";
import type { Destination } from "./manifest-schemas.ts";
import { resolveDestination, type ResolveContext } from "./subscribers.ts";

describe("routeRequest (MT broker ingress codes)", () => {
  it.each([
    ["OPTIONS", "/backup/rafdir", { kind: "options" }],
    ["GET", "/backup/rafdir", { kind: "status", status: 405 }],
    ["PUT", "/backup/rafdir", { kind: "status", status: 405 }],
    ["POST", "/", { kind: "status", status: 404 }],
    ["POST", "/backup", { kind: "status", status: 400 }],
    ["POST", "/backup/rafdir/extra", { kind: "status", status: 400 }],
    ["POST", "//rafdir", { kind: "status", status: 400 }],
    ["POST", "/backup/rafdir", { kind: "ingress", broker: "backup/rafdir" }],
    ["POST", "/backup/rafdir/", { kind: "ingress", broker: "backup/rafdir" }],
    ["POST", "/_sandbox/faults", { kind: "admin", path: ["faults"] }],
    ["GET", "/_sandbox/pingsources/backup/janitor/tick", { kind: "admin", path: ["pingsources", "backup", "janitor", "tick"] }],
  ])("%s %s", (method, path, want) => expect(routeRequest(method, path)).toMatchObject(want));
});

describe("resolveDestination", () => {
  const ctx: ResolveContext = {
    ingressBase: "http://127.0.0.1:9000",
    brokers: new Set(["backup/rafdir"]),
    services: new Map([
      ["backup/rafdir-plan", "http://127.0.0.1:9101"],
      ["dead-letters", "http://127.0.0.1:9102"],
    ]),
  };
  const svc = (name: string, extra: Partial<Destination> = {}, ns?: string): Destination => ({
    ref: { apiVersion: "serving.knative.dev/v1", kind: "Service", name, ...(ns ? { namespace: ns } : {}) },
    ...extra,
  });
  it.each<[string, Destination, string]>([
    ["service by namespace/name", svc("rafdir-plan"), "http://127.0.0.1:9101"],
    ["service by bare name", svc("dead-letters"), "http://127.0.0.1:9102"],
    ["service with uri path", svc("rafdir-plan", { uri: "/hook?x=1" }), "http://127.0.0.1:9101/hook?x=1"],
    ["broker ref", { ref: { apiVersion: "eventing.knative.dev/v1", kind: "Broker", name: "rafdir" } }, "http://127.0.0.1:9000/backup/rafdir"],
    ["broker ingress uri", { uri: "http://broker-ingress.knative-eventing.svc.cluster.local/backup/rafdir" }, "http://127.0.0.1:9000/backup/rafdir"],
    ["cluster-local service uri", { uri: "http://rafdir-plan.backup.svc.cluster.local/x" }, "http://127.0.0.1:9101/x"],
    ["short service uri", { uri: "http://rafdir-plan.backup.svc" }, "http://127.0.0.1:9101/"],
    ["external uri", { uri: "http://example.org:8080/in" }, "http://example.org:8080/in"],
  ])("%s", (_n, dest, url) => expect(resolveDestination(dest, "backup", ctx)).toEqual({ ok: true, url }));

  it.each<[string, Destination, RegExp]>([
    ["service not running", svc("rafdir-restore"), /Service backup\/rafdir-restore is not running locally/],
    ["service in another namespace", svc("rafdir-plan", {}, "other"), /other\/rafdir-plan/],
    ["unknown broker", { ref: { apiVersion: "eventing.knative.dev/v1", kind: "Broker", name: "default" } }, /Broker backup\/default does not exist/],
    ["other kinds", { ref: { apiVersion: "messaging.knative.dev/v1", kind: "Channel", name: "c" } }, /cannot resolve/],
    ["bad uri", { uri: "not a url" }, /invalid uri/],
  ])("%s fails", (_n, dest, msg) => {
    const r = resolveDestination(dest, "backup", ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(msg);
  });
});

describe("fault rules", () => {
  it.each([
    [{}, { type: "t", trigger: "backup/a" }, true],
    [{ type: "t" }, { type: "t", trigger: "backup/a" }, true],
    [{ type: "u" }, { type: "t", trigger: "backup/a" }, false],
    [{ trigger: "a" }, { type: "t", trigger: "backup/a" }, true],
    [{ trigger: "backup/a" }, { type: "t", trigger: "backup/a" }, true],
    [{ trigger: "b" }, { type: "t", trigger: "backup/a" }, false],
  ])("applies %j to %j → %s", (rule, target, want) => expect(ruleApplies(rule, target)).toBe(want));

  it.each([
    [{ every: 2 }, 1, 0.9, false],
    [{ every: 2 }, 2, 0.9, true],
    [{ every: 1 }, 7, 0.9, true],
    [{ probability: 0.5 }, 1, 0.4, true],
    [{ probability: 0.5 }, 1, 0.6, false],
    [{ probability: 0 }, 1, 0, false],
    [{ probability: 1 }, 1, 0.999, true],
    [{}, 1, 0, false],
  ])("%j fires on n=%d r=%d → %s", (rule, n, r, want) => expect(ruleFires(rule, n, r)).toBe(want));

  it("counts per rule, drop wins over duplicate, set() resets", () => {
    const f = new FaultInjector({ drop: { every: 3 }, duplicate: { every: 2 } }, () => 0.5);
    const t = { type: "t", trigger: "backup/a" };
    expect([1, 2, 3, 4].map(() => f.decide(t))).toEqual([
      { drop: false, duplicate: false },
      { drop: false, duplicate: true },
      { drop: true, duplicate: false },
      { drop: false, duplicate: false },
    ]);
    f.set({});
    expect(f.decide(t)).toEqual({ drop: false, duplicate: false });
    expect(() => f.set({ drop: { probability: 2 } } as never)).toThrow();
  });
});
