// Configuration from the environment, read once in main.ts and validated with zod. Errors name the variable and
// its bad value (k8up style), redacting values of secret-looking variables. Nothing else reads process.env.
import { z } from "zod";
import { parseCeOverrides } from "./cloudevents/overrides.ts";

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
  }
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL/i;

/**
 * Parses `env` with an object schema keyed by variable names. Empty strings count as unset (Kubernetes often sets
 * `VAR: ""`), so defaults apply. Throws ConfigError listing every bad variable.
 */
export function loadConfig<S extends z.ZodType<unknown, Record<string, unknown>>>(schema: S, env: Env = process.env): Readonly<z.output<S>> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const result = schema.safeParse(present);
  if (result.success) return Object.freeze(result.data);
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "(environment)");
    const value = present[name];
    const shown = value === undefined ? "unset" : SECRET_NAME.test(name) ? "[redacted]" : JSON.stringify(value);
    return `${name}=${shown}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

export const LogLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** What every function reads; extend it with `.extend({...})` for a function's own variables. */
export const FunctionEnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  /** Set by a SinkBinding; only functions that emit more than their reply need it. */
  K_SINK: z.url().optional(),
  /** `{"extensions":{...}}`, parsed here so a bad value fails at start. */
  K_CE_OVERRIDES: z
    .string()
    .transform((raw, ctx) => {
      const parsed = parseCeOverrides(raw);
      if (parsed.ok) return parsed.overrides;
      ctx.addIssue({ code: "custom", message: parsed.reason });
      return z.NEVER;
    })
    .optional(),
  LOG_LEVEL: z.enum(LogLevels).default("info"),
  RAFDIR_NAMESPACE: z.string().min(1).default("backup"),
});
export type FunctionEnv = z.output<typeof FunctionEnvSchema>;
