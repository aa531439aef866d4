// K_CE_OVERRIDES, injected by a SinkBinding (reference/knative.md §4): `{"extensions":{...}}` merged into every
// event a function sends itself. Overrides win over the event's own extension values, as in Knative's sources.
import type { CloudEvent } from "cloudevents";
import { z } from "zod";

export const CeOverridesSchema = z.object({
  extensions: z.record(z.string().regex(/^[a-z0-9]+$/, "extension names are lowercase alphanumerics"), z.string()).default({}),
});
export type CeOverrides = z.output<typeof CeOverridesSchema>;

/** Parses the raw JSON; the error names what is wrong (for loadConfig and createEmitter). */
export function parseCeOverrides(raw: string): { ok: true; overrides: CeOverrides } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  const result = CeOverridesSchema.safeParse(json);
  if (result.success) return { ok: true, overrides: result.data };
  const issue = result.error.issues[0];
  return { ok: false, reason: `${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}` };
}

export function applyOverrides<T>(event: CloudEvent<T>, overrides: CeOverrides | undefined): CloudEvent<T> {
  if (!overrides || Object.keys(overrides.extensions).length === 0) return event;
  return event.cloneWith({ ...overrides.extensions });
}
