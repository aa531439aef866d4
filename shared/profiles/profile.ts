// One profile: name check → shape (zod) → cross-field rules → the normalised camelCase Profile.
import { profileIssue, valueAt } from "./messages.ts";
import { nameProblem } from "./names.ts";
import { ruleIssues } from "./profile-rules.ts";
import { dropUnset, fieldIssues, RawProfileSchema, type FieldIssue, type RawProfile } from "./profile-schema.ts";
import type { ExecSpec, InvalidProfile, Profile, Settings, TargetSpec } from "./types.ts";

export interface ProfileContext {
  settings: Settings;
  /** Configured repository names in order; undefined when `repositories` could not be read. */
  repositories?: readonly string[];
}

export type ProfileResult = { ok: true; profile: Profile } | { ok: false; issues: InvalidProfile[] };

/** Validates and normalises the profile `rawName` (the YAML key) with options `input`. */
export function validateProfile(rawName: string, input: unknown, ctx: ProfileContext): ProfileResult {
  const name = rawName.trim();
  const issues: InvalidProfile[] = [];
  const problem = nameProblem(name, "label");
  if (problem) issues.push(profileIssue(rawName, "name", problem.replace("is not a valid name", "is not a valid profile name"), rawName));

  const options = dropUnset(input);
  const parsed = RawProfileSchema.safeParse(options);
  const found: FieldIssue[] = parsed.success ? ruleIssues(parsed.data, ctx) : fieldIssues(parsed.error.issues);
  for (const f of found) {
    const value = f.showValue === false ? undefined : f.field === "(profile)" ? input : valueAt(options, f.path);
    issues.push(profileIssue(rawName, f.field, f.fragment, value));
  }

  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, profile: toProfile(name, parsed.data, ctx) };
}

function toProfile(name: string, p: RawProfile, ctx: ProfileContext): Profile {
  const target = targetOf(p);
  const namespace = p.namespace ?? (target.kind === "none" ? p["stdin-namespace"] : undefined);
  const stdinCommand = p["stdin-command"];
  const before = execOf(p["command-before"]);
  const after = execOf(p["command-after"]);
  return {
    name,
    disabled: p.disabled ?? false,
    ...(namespace !== undefined ? { namespace } : {}),
    target,
    folders: p.folders ?? [],
    host: p.host ?? (target.kind === "node" ? target.node : name),
    ...(p["snapshot-class"] !== undefined ? { snapshotClass: p["snapshot-class"] } : {}),
    ...(p["storage-class"] !== undefined ? { storageClass: p["storage-class"] } : {}),
    stop: p.stop ?? false,
    ...(before ? { commandBefore: before } : {}),
    ...(after ? { commandAfter: after } : {}),
    ...(stdinCommand !== undefined
      ? {
          stdin: {
            command: stdinCommand,
            ...(p["stdin-container"] !== undefined ? { container: p["stdin-container"] } : {}),
            ...(p["stdin-filename"] !== undefined ? { filename: p["stdin-filename"] } : {}),
            namespace: p["stdin-namespace"] ?? namespace ?? "",
            ...(p["stdin-selector"] !== undefined ? { selector: p["stdin-selector"] } : {}),
          },
        }
      : {}),
    podWaitTimeoutMs: p["pod-wait-timeout"] ?? ctx.settings.timeouts.backupMs,
    minIntervalMs: p["min-interval"] ?? ctx.settings.minIntervalMs,
    repositories: p.repositories ?? [...(ctx.repositories ?? [])],
    restoreNamespaces: p["restore-namespaces"] ?? (namespace !== undefined ? [namespace] : []),
  };
}

function targetOf(p: RawProfile): TargetSpec {
  if (p.node !== undefined) return { kind: "node", node: p.node };
  if (p.deployment !== undefined) return { kind: "deployment", name: p.deployment };
  if (p.statefulset !== undefined) return { kind: "statefulset", name: p.statefulset };
  if (p.selector !== undefined) return { kind: "selector", selector: p.selector };
  return { kind: "none" };
}

function execOf(spec: { cmd?: string[] | undefined; container?: string | undefined } | undefined): ExecSpec | undefined {
  if (spec?.cmd === undefined) return undefined;
  return { command: spec.cmd, ...(spec.container !== undefined ? { container: spec.container } : {}) };
}
