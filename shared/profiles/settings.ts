// ConfigMap key `settings` (new in rafdir): concurrency, min-interval, timeouts, history limits.
// A bad field is reported and replaced by its default; the other fields keep their values.
import { z } from "zod";
import { duration, MAX_DURATION } from "./fields.ts";
import { fieldMessage, formatPath, valueAt } from "./messages.ts";
import type { Settings } from "./types.ts";

/** Frozen; parseSettings hands out copies. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  concurrency: 2,
  minIntervalMs: 12 * 3_600_000,
  timeouts: Object.freeze({ snapshotReadyMs: 10 * 60_000, podStartMs: 10 * 60_000, backupMs: 4 * 3_600_000 }),
  history: Object.freeze({ succeeded: 5, failed: 5 }),
  backupPod: Object.freeze({
    image: "ghcr.io/rafdir/rafdir:0.1.0",
    serviceAccountName: "rafdir-backup-pod",
    passwordSecret: Object.freeze({ name: "rafdir", key: "restic-repo-password" }),
    envFromSecrets: [],
    volumes: [],
    volumeMounts: [],
  }),
});

const KubeName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a lowercase DNS name").max(253);
const NamedObject = z.looseObject({ name: KubeName });

const count = (min: number, max: number, fallback: number): z.ZodDefault<z.ZodNumber> =>
  z
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const d = DEFAULT_SETTINGS;
const SettingsSchema = z.strictObject(
  {
    concurrency: count(1, 100, d.concurrency),
    minInterval: duration(0, MAX_DURATION).default(d.minIntervalMs),
    timeouts: z
      .strictObject(
        {
          snapshotReady: duration(1000, MAX_DURATION).default(d.timeouts.snapshotReadyMs),
          podStart: duration(1000, MAX_DURATION).default(d.timeouts.podStartMs),
          backup: duration(1000, MAX_DURATION).default(d.timeouts.backupMs),
        },
        { error: (iss) => (iss.code === "invalid_type" ? "must be a mapping" : undefined) },
      )
      .prefault({}),
    history: z
      .strictObject(
        { succeeded: count(0, 1000, d.history.succeeded), failed: count(0, 1000, d.history.failed) },
        { error: (iss) => (iss.code === "invalid_type" ? "must be a mapping" : undefined) },
      )
      .prefault({}),
    backupPod: z
      .strictObject(
        {
          image: z.string().min(1).default(d.backupPod.image),
          serviceAccountName: KubeName.default(d.backupPod.serviceAccountName),
          passwordSecret: z.strictObject({ name: KubeName, key: z.string().min(1) }).default({ ...d.backupPod.passwordSecret }),
          envFromSecrets: z.array(KubeName).default([]),
          volumes: z.array(NamedObject).default([]),
          volumeMounts: z.array(z.looseObject({ name: KubeName, mountPath: z.string().startsWith("/", "must be an absolute path") })).default([]),
        },
        { error: (iss) => (iss.code === "invalid_type" ? "must be a mapping" : undefined) },
      )
      .prefault({}),
  },
  { error: (iss) => (iss.code === "invalid_type" ? "must be a mapping of settings" : undefined) },
);

/** Settings from parsed YAML (undefined/null = all defaults), with one message per bad field. */
export function parseSettings(input: unknown): { settings: Settings; errors: string[] } {
  const first = SettingsSchema.safeParse(input ?? {});
  if (first.success) return { settings: fromParsed(first.data), errors: [] };

  const errors: string[] = [];
  const pruned: unknown = structuredClone(input);
  for (const iss of first.error.issues) {
    const paths = iss.code === "unrecognized_keys" ? iss.keys.map((k) => [...iss.path, k]) : [iss.path];
    for (const path of paths) {
      const fragment = iss.code === "unrecognized_keys" ? "is not a setting" : `${iss.message}; using the default`;
      errors.push(path.length === 0 ? `settings: ${iss.message}; using the defaults` : fieldMessage("settings", formatPath(path), fragment, valueAt(input, path)));
      removeAt(pruned, path);
    }
  }
  const second = SettingsSchema.safeParse(pruned ?? {});
  return { settings: second.success ? fromParsed(second.data) : structuredClone(DEFAULT_SETTINGS), errors };
}

function fromParsed(s: z.output<typeof SettingsSchema>): Settings {
  return {
    concurrency: s.concurrency,
    minIntervalMs: s.minInterval,
    timeouts: { snapshotReadyMs: s.timeouts.snapshotReady, podStartMs: s.timeouts.podStart, backupMs: s.timeouts.backup },
    history: { succeeded: s.history.succeeded, failed: s.history.failed },
    backupPod: {
      image: s.backupPod.image,
      serviceAccountName: s.backupPod.serviceAccountName,
      passwordSecret: { ...s.backupPod.passwordSecret },
      envFromSecrets: [...s.backupPod.envFromSecrets],
      volumes: s.backupPod.volumes.map((v) => ({ ...v })),
      volumeMounts: s.backupPod.volumeMounts.map((m) => ({ ...m })),
    },
  };
}

function removeAt(root: unknown, path: ReadonlyArray<PropertyKey>): void {
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (last !== undefined && typeof parent === "object" && parent !== null) delete (parent as Record<PropertyKey, unknown>)[last];
}
