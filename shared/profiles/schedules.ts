// ConfigMap key `schedules` (new in rafdir): name → {cron, timeZone, profiles}. Each schedule has a PingSource
// `rafdir-schedule-<name>` whose tick names it. Without the key there is one schedule, "daily" (knative/pingsources.yaml).
import { z } from "zod";
import { cronProblem, nextRun, timeZoneProblem } from "./cron.ts";
import { NameList } from "./fields.ts";
import { fieldMessage, formatPath, renderValue, valueAt } from "./messages.ts";
import { nameProblem } from "./names.ts";
import { closest } from "./profile-schema.ts";
import type { Schedule } from "./types.ts";

/** Frozen; parseSchedules hands out copies. */
export const DEFAULT_SCHEDULES: readonly Readonly<Schedule>[] = Object.freeze([
  Object.freeze({ name: "daily", cron: "0 2 * * *", timeZone: "Etc/UTC", profiles: "all" as const }),
]);

const ScheduleSchema = z.strictObject(
  {
    cron: z.string({ error: "is required: a five-field cron like \"0 2 * * *\"" }).superRefine((c, ctx) => {
      const problem = cronProblem(c);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
    timeZone: z
      .string({ error: "must be an IANA time zone like \"Europe/Berlin\"" })
      .superRefine((tz, ctx) => {
        const problem = timeZoneProblem(tz);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .default("Etc/UTC"),
    profiles: z.union([z.literal("all"), NameList], { error: `must be "all" or a list of profile names` }).default("all"),
  },
  { error: (iss) => (iss.code === "invalid_type" ? "must be a mapping with cron, timeZone and profiles" : undefined) },
);

export interface ScheduleContext {
  /** Every profile name in the configuration, valid or not (a schedule naming an invalid profile is fine). */
  profileNames: readonly string[];
  /** When given, a schedule that never fires after `now` (e.g. 30 February) is an error. */
  now?: Date;
}

/** Schedules from parsed YAML; a bad schedule is reported and left out, the others stay. */
export function parseSchedules(input: unknown, ctx: ScheduleContext): { schedules: Schedule[]; errors: string[] } {
  if (input === undefined) return { schedules: DEFAULT_SCHEDULES.map((s) => ({ ...s })), errors: [] };
  if (input === null) return { schedules: [], errors: [] };
  if (typeof input !== "object" || Array.isArray(input))
    return { schedules: [], errors: [`schedules: ${renderValue(input)} must be a mapping of schedule name to {cron, timeZone, profiles}`] };

  const schedules: Schedule[] = [];
  const errors: string[] = [];
  for (const [name, value] of Object.entries(input)) {
    const owner = `schedule ${renderValue(name)}`;
    const bad = nameProblem(name, "label");
    if (bad) errors.push(`${owner}: ${renderValue(name)} ${bad.replace("is not a valid name", "is not a valid schedule name")}`);
    const parsed = ScheduleSchema.safeParse(value);
    if (!parsed.success) {
      for (const iss of parsed.error.issues) errors.push(...issueMessages(owner, value, iss));
      continue;
    }
    if (bad) continue;
    const schedule: Schedule = { name, cron: parsed.data.cron.trim(), timeZone: parsed.data.timeZone, profiles: parsed.data.profiles };
    if (ctx.now && nextRun(schedule, ctx.now) === undefined) {
      errors.push(fieldMessage(owner, "cron", "never fires", schedule.cron));
      continue;
    }
    if (schedule.profiles !== "all")
      schedule.profiles.forEach((p, i) => {
        if (!ctx.profileNames.includes(p)) errors.push(fieldMessage(owner, `profiles[${i}]`, "is not a configured profile", p));
      });
    schedules.push(schedule);
  }
  return { schedules, errors };
}

function issueMessages(owner: string, value: unknown, iss: z.core.$ZodIssue): string[] {
  if (iss.code === "unrecognized_keys")
    return iss.keys.map((k) => {
      const hint = closest(k, ["cron", "timeZone", "profiles"]);
      return fieldMessage(owner, formatPath([...iss.path, k]), `is not a schedule option${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ""}`);
    });
  if (iss.path.length === 0) return [`${owner}: ${renderValue(value)} ${iss.message}`];
  return [fieldMessage(owner, formatPath(iss.path), iss.message, valueAt(value, iss.path))];
}
