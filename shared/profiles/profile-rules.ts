// Cross-field rules of a profile (upstream's Profile.Validate and validateNode, made precise), as an ordered list of
// small pure rules. Each returns the issues it finds; the first field named is the one to fix.
import type { FieldIssue, RawProfile } from "./profile-schema.ts";

export interface RuleContext {
  /** The configured repository names; undefined when `repositories` could not be read (not checked then). */
  repositories?: readonly string[];
}

type Rule = (p: RawProfile, ctx: RuleContext) => FieldIssue[];

const issue = (field: string, fragment: string): FieldIssue => ({ field, path: [field], fragment });

const KINDS = ["deployment", "statefulset", "selector"] as const;
const TARGET_OPTIONS = "deployment, statefulset, selector or node";
const STDIN_OPTIONS = ["stdin-filename", "stdin-namespace", "stdin-selector", "stdin-container"] as const;

/** A node profile backs up hostPath folders on that node and nothing else (upstream validateNode). */
const nodeOnlyFolders: Rule = (p) => {
  if (p.node === undefined) return [];
  const present = (k: keyof RawProfile): boolean => p[k] !== undefined && !(k === "stop" && p.stop === false);
  const forbidden = ["namespace", "host", ...KINDS, "stop", "command-before", "command-after", "stdin-command", ...STDIN_OPTIONS] as const;
  const out = forbidden.filter(present).map((k) =>
    issue(k, k === "host" ? "is not allowed with node: the host is the node name" : "is not allowed with node: a node profile only backs up hostPath folders"),
  );
  if (!p.folders) out.push(issue("folders", "is required with node"));
  return out;
};

const exactlyOneTarget: Rule = (p) => {
  if (p.node !== undefined) return [];
  const set = KINDS.filter((k) => p[k] !== undefined);
  if (set.length > 1) {
    const [first, ...rest] = set;
    return rest.map((k) => issue(k, `cannot be combined with ${first}: set exactly one of ${TARGET_OPTIONS}`));
  }
  if (set.length === 1 || isStdinOnlyBySelector(p)) return [];
  return [issue("deployment", `is required: set one of ${TARGET_OPTIONS} (or, for a stdin-command only profile, stdin-selector)`)];
};

/** A stdin-only profile may name its command pod with stdin-selector instead of a target. */
const isStdinOnlyBySelector = (p: RawProfile): boolean =>
  p["stdin-command"] !== undefined && p.folders === undefined && p["stdin-selector"] !== undefined;

const namespaceRequired: Rule = (p) => {
  if (p.node !== undefined || p.namespace !== undefined) return [];
  if (isStdinOnlyBySelector(p) && KINDS.every((k) => p[k] === undefined) && p["stdin-namespace"] !== undefined) return [];
  return [issue("namespace", "is required")];
};

const somethingToBackUp: Rule = (p) =>
  p.node !== undefined || p.folders !== undefined || p["stdin-command"] !== undefined
    ? []
    : [issue("folders", "is required: list the folders to back up, or set stdin-command")];

const stdinOptions: Rule = (p) => {
  if (p.node !== undefined) return [];
  if (p["stdin-command"] === undefined) return STDIN_OPTIONS.filter((k) => p[k] !== undefined).map((k) => issue(k, "is only used with stdin-command"));
  const out: FieldIssue[] = [];
  if (p["stdin-namespace"] !== undefined && p["stdin-selector"] === undefined)
    out.push(issue("stdin-selector", "is required when stdin-namespace is set"));
  if (p.folders !== undefined && p["stdin-filename"] === undefined)
    out.push(issue("stdin-filename", "is required when both folders and stdin-command are set (the output is written to folders[0]/<stdin-filename>)"));
  return out;
};

const stopRules: Rule = (p) => {
  if (p.node !== undefined || p.stop !== true) return [];
  const out: FieldIssue[] = [];
  if (p.deployment === undefined && p.statefulset === undefined) out.push(issue("stop", "needs a deployment or statefulset to scale down"));
  for (const k of ["command-before", "command-after"] as const)
    if (p[k]?.cmd !== undefined) out.push(issue(k, "cannot be combined with stop"));
  if (p["stdin-command"] !== undefined && p["stdin-selector"] === undefined)
    out.push(issue("stop", "stops the pod stdin-command runs in: set stdin-selector to run it in another pod"));
  return out;
};

/** Upstream: a container without a cmd is a mistake; an empty `{}` or blank cmd means "no command". */
const commandsHaveCmd: Rule = (p) =>
  (["command-before", "command-after"] as const)
    .filter((k) => p[k] !== undefined && p[k]?.cmd === undefined && p[k]?.container !== undefined)
    .map((k) => ({ field: `${k}.cmd`, path: [k, "cmd"], fragment: `is required when ${k}.container is set` }));

const knownRepositories: Rule = (p, ctx) => {
  const known = ctx.repositories;
  if (!known || !p.repositories) return [];
  return p.repositories.flatMap((r, i) =>
    known.includes(r)
      ? []
      : [{ field: `repositories[${i}]`, path: ["repositories", i], fragment: `is not a configured repository (configured: ${known.join(", ") || "none"})` }],
  );
};

/** In order: the first issues reported are the ones to fix first. */
export const PROFILE_RULES: readonly Rule[] = Object.freeze([
  nodeOnlyFolders,
  exactlyOneTarget,
  namespaceRequired,
  somethingToBackUp,
  stdinOptions,
  stopRules,
  commandsHaveCmd,
  knownRepositories,
]);

export function ruleIssues(p: RawProfile, ctx: RuleContext): FieldIssue[] {
  return PROFILE_RULES.flatMap((rule) => rule(p, ctx));
}
