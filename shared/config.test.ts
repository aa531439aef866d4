import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, FunctionEnvSchema, loadConfig } from "./config.ts";

describe("loadConfig with the function env schema", () => {
  it("given an empty environment, returns the defaults", () => {
    expect(loadConfig(FunctionEnvSchema, {})).toEqual({ PORT: 8080, LOG_LEVEL: "info", RAFDIR_NAMESPACE: "backup" });
  });

  it("given everything set, returns it parsed (overrides as an object)", () => {
    const config = loadConfig(FunctionEnvSchema, {
      PORT: "9090",
      K_SINK: "http://broker-ingress.knative-eventing.svc.cluster.local/backup/rafdir",
      K_CE_OVERRIDES: '{"extensions":{"cluster":"prod"}}',
      LOG_LEVEL: "debug",
      RAFDIR_NAMESPACE: "rafdir",
      UNRELATED: "ignored",
    });
    expect(config).toEqual({
      PORT: 9090,
      K_SINK: "http://broker-ingress.knative-eventing.svc.cluster.local/backup/rafdir",
      K_CE_OVERRIDES: { extensions: { cluster: "prod" } },
      LOG_LEVEL: "debug",
      RAFDIR_NAMESPACE: "rafdir",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("given empty strings, returns the defaults (Kubernetes sets VAR: \"\")", () => {
    expect(loadConfig(FunctionEnvSchema, { PORT: "", K_SINK: "" })).toMatchObject({ PORT: 8080 });
  });

  it.each([
    ["a non-numeric PORT", { PORT: "eighty" }, 'PORT="eighty": '],
    ["a PORT out of range", { PORT: "70000" }, 'PORT="70000": '],
    ["a K_SINK that is not a URL", { K_SINK: "broker" }, 'K_SINK="broker": '],
    ["K_CE_OVERRIDES that is not JSON", { K_CE_OVERRIDES: "{extensions" }, 'K_CE_OVERRIDES="{extensions": not valid JSON'],
    ["an override extension with capitals", { K_CE_OVERRIDES: '{"extensions":{"Bad":"x"}}' }, "K_CE_OVERRIDES="],
    ["an unknown LOG_LEVEL", { LOG_LEVEL: "loud" }, 'LOG_LEVEL="loud": '],
  ])("given %s, throws a ConfigError naming the variable and its value", (_what, env, expected) => {
    expect(() => loadConfig(FunctionEnvSchema, env)).toThrow(ConfigError);
    expect(() => loadConfig(FunctionEnvSchema, env)).toThrow(expected);
  });

  it("given several bad variables, lists them all", () => {
    expect(() => loadConfig(FunctionEnvSchema, { PORT: "x", LOG_LEVEL: "y" })).toThrow(/PORT="x".*; LOG_LEVEL="y"/);
  });
});

describe("loadConfig with a function's own schema", () => {
  const schema = FunctionEnvSchema.extend({ RESTIC_PASSWORD: z.string().min(8), RAFDIR_CONFIG: z.string() });

  it("given a bad secret, returns an error that redacts its value", () => {
    expect(() => loadConfig(schema, { RESTIC_PASSWORD: "short", RAFDIR_CONFIG: "/etc/rafdir" })).toThrow(
      "RESTIC_PASSWORD=[redacted]: ",
    );
  });

  it("given a missing required variable, returns an error saying it is unset", () => {
    expect(() => loadConfig(schema, { RESTIC_PASSWORD: "long enough" })).toThrow("RAFDIR_CONFIG=unset: ");
  });
});
