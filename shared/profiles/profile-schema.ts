// The shape of one profile as written in the ConfigMap (upstream's kebab-case options, plus rafdir's new ones).
// Cross-field rules live in profile-rules.ts; the camelCase Profile is built in profile.ts.
import { z } from "zod";
import { Bool, Command, CommandSpec, duration, FileName, Folders, Host, Label, MAX_DURATION, NameList, NamespaceList, Selector, Subdomain } from "./fields.ts";
import { formatPath } from "./messages.ts";

export const RawProfileSchema = z.strictObject(
  {
    disabled: Bool.optional(),
    namespace: Label.optional(),
    deployment: Subdomain.optional(),
    statefulset: Subdomain.optional(),
    selector: Selector.optional(),
    node: Subdomain.optional(),
    folders: Folders.optional(),
    host: Host.optional(),
    "snapshot-class": Subdomain.optional(),
    "storage-class": Subdomain.optional(),
    stop: Bool.optional(),
    "command-before": CommandSpec.optional(),
    "command-after": CommandSpec.optional(),
    "stdin-command": Command.optional(),
    "stdin-filename": FileName.optional(),
    "stdin-namespace": Label.optional(),
    "stdin-selector": Selector.optional(),
    /** New: which container of the stdin pod runs stdin-command (default: the pod's default container). */
    "stdin-container": Label.optional(),
    "pod-wait-timeout": duration(1000, MAX_DURATION).optional(),
    /** New: skip the profile when it succeeded less than this long ago (default settings.minInterval). */
    "min-interval": duration(0, MAX_DURATION).optional(),
    /** New: back up into these repositories only (default: all). */
    repositories: NameList.optional(),
    /** New: namespaces a restore of this profile may write into (default: the profile's namespace; "*": any). */
    "restore-namespaces": NamespaceList.optional(),
    /** Upstream's examples carry `name:`; it never mattered (the map key is the name) and is ignored. */
    name: z.unknown().optional(),
  },
  { error: (iss) => (iss.code === "invalid_type" ? "must be a mapping of profile options" : undefined) },
);

export type RawProfile = z.output<typeof RawProfileSchema>;

export const PROFILE_OPTIONS: readonly string[] = Object.freeze(Object.keys(RawProfileSchema.shape));

/**
 * Go (upstream) treats `null` and `""` as "not set"; so do we, for top-level options. Helm renders
 * `deployment: ""` for an unset value, and `folders:` with nothing after it is null.
 */
export function dropUnset(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== ""));
}

export interface FieldIssue {
  /** Path as written in YAML, e.g. `folders[1]`; `(profile)` for the profile value itself. */
  field: string;
  path: PropertyKey[];
  fragment: string;
  /** False when the value would only clutter the message (an unknown option names itself). */
  showValue?: false;
}

/** zod issues → field issues; an unknown option becomes one issue per key, with a "did you mean" when close. */
export function fieldIssues(issues: ReadonlyArray<z.core.$ZodIssue>): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const iss of issues) {
    if (iss.code === "unrecognized_keys") {
      for (const key of iss.keys) {
        const path = [...iss.path, key];
        const options = iss.path.length === 0 ? PROFILE_OPTIONS : ["cmd", "container"];
        const hint = closest(key, options);
        const fragment = `is not an option${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ""}`;
        out.push({ field: formatPath(path), path, fragment, showValue: false });
      }
      continue;
    }
    const field = iss.path.length === 0 ? "(profile)" : formatPath(iss.path);
    out.push({ field, path: [...iss.path], fragment: iss.message });
  }
  return out;
}

/** The option `key` was probably meant to be: same in kebab-case or lowercase, or within two edits. */
export function closest(key: string, options: readonly string[]): string | undefined {
  const kebab = key.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/_/g, "-").toLowerCase();
  const exact = options.find((o) => o === kebab || o === key.toLowerCase());
  if (exact) return exact;
  let best: { option: string; distance: number } | undefined;
  for (const option of options) {
    const d = editDistance(kebab, option);
    if (d <= 2 && (!best || d < best.distance)) best = { option, distance: d };
  }
  return best?.option;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
