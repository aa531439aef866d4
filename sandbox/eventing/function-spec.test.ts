import { describe, expect, it } from "vitest";
import { functionEnv, resolveEntrypoint, type Entrypoint } from "./function-spec.ts";
import type { Container } from "./manifest-schemas.ts";

const ROOT = "/proj";
const files = new Set(["/proj/bin/rafdir.js", "/proj/functions/plan/main.ts", "/proj/functions/restore/main.js"]);
const exists = (p: string) => files.has(p);

describe("resolveEntrypoint", () => {
  const c = (extra: Partial<Container>): Container => ({ image: "ghcr.io/rafdir/rafdir", ...extra });
  it.each<[string, Container, string, Entrypoint]>([
    ["functions/<fn>/main.ts by convention", c({}), "rafdir-plan", { command: "node", args: ["--import", "tsx-url", "/proj/functions/plan/main.ts"] }],
    ["convention, entry missing", c({}), "rafdir-cleanup", { skip: "entry point /proj/functions/cleanup/main.ts does not exist (yet)" }],
    ["rafdir-function launcher", c({ command: ["rafdir-function", "plan"] }), "rafdir-plan", { command: "node", args: ["--import", "tsx-url", "/proj/functions/plan/main.ts"] }],
    ["rafdir-function, entry missing", c({ command: ["rafdir-function"], args: ["snapshot"] }), "x", { skip: "entry point /proj/functions/snapshot/main.ts does not exist (yet)" }],
    ["rafdir-function without a name", c({ command: ["rafdir-function"] }), "x", { skip: 'rafdir-function needs a function name, got ""' }],
    ["rafdir command", c({ command: ["rafdir"], args: ["function", "plan"] }), "rafdir-plan", { command: "node", args: ["/proj/bin/rafdir.js", "function", "plan"] }],
    ["absolute rafdir command", c({ command: ["/usr/local/bin/rafdir", "function"], args: ["plan"] }), "x", { command: "node", args: ["/proj/bin/rafdir.js", "function", "plan"] }],
    ["args only: the image's rafdir entry point", c({ args: ["function", "plan"] }), "x", { command: "node", args: ["/proj/bin/rafdir.js", "function", "plan"] }],
    ["node + ts script", c({ command: ["node"], args: ["functions/plan/main.ts", "--x"] }), "x", { command: "node", args: ["--import", "tsx-url", "/proj/functions/plan/main.ts", "--x"] }],
    ["node + js script", c({ command: ["node", "functions/restore/main.js"] }), "x", { command: "node", args: ["/proj/functions/restore/main.js"] }],
    ["node with its own tsx loader", c({ command: ["node", "--import", "tsx", "functions/plan/main.ts"] }), "x", { command: "node", args: ["--import", "tsx", "/proj/functions/plan/main.ts"] }],
    ["node, script missing", c({ command: ["node", "functions/snapshot/main.ts"] }), "x", { skip: "entry point /proj/functions/snapshot/main.ts does not exist (yet)" }],
    ["other binaries", c({ command: ["/ko-app/plan"] }), "x", { skip: 'command "/ko-app/plan" cannot run locally (use rafdir-function, rafdir or node)' }],
  ])("%s", (_n, container, service, want) => expect(resolveEntrypoint(container, service, ROOT, exists, "node", "tsx-url")).toEqual(want));
});

describe("functionEnv", () => {
  const ctx = {
    namespace: "backup",
    service: "rafdir-plan",
    port: 4321,
    sink: "http://127.0.0.1:9/backup/rafdir",
    kubeconfig: "/sb/kubeconfig",
    inherited: { PATH: "/bin", KUBECONFIG: "/home/me/.kube/config", PORT: "1", UNSET: undefined },
    lookup: (kind: string, ns: string, name: string, key: string) => (kind === "secret" && name === "s" && key === "k" ? `${ns}-secret` : undefined),
  };
  it("sets Knative's variables over the manifest's and the parent's", () => {
    const { env, problems } = functionEnv(
      [
        { name: "LEVEL", value: "debug" },
        { name: "PORT", value: "80" },
        { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "PW", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
        { name: "OPT", valueFrom: { configMapKeyRef: { name: "c", key: "k", optional: true } } },
        { name: "K_CE_OVERRIDES", value: '{"extensions":{"a":"b"}}' },
      ],
      ctx,
    );
    expect(problems).toEqual([]);
    expect(env).toEqual({
      PATH: "/bin",
      LEVEL: "debug",
      NS: "backup",
      PW: "backup-secret",
      K_CE_OVERRIDES: '{"extensions":{"a":"b"}}',
      PORT: "4321",
      K_SINK: "http://127.0.0.1:9/backup/rafdir",
      KUBECONFIG: "/sb/kubeconfig",
      K_SERVICE: "rafdir-plan",
      K_CONFIGURATION: "rafdir-plan",
      K_REVISION: "rafdir-plan-00001",
    });
  });
  it("reports what it cannot set", () => {
    const { problems } = functionEnv(
      [
        { name: "MISSING", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } },
        { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      ],
      ctx,
    );
    expect(problems).toEqual(["MISSING: secret backup/nope key k not found", "IP: fieldRef status.podIP is not supported locally"]);
  });
});
