// zod schemas for single profile options. Every message is a fragment that follows the quoted value
// ("is not an absolute path"), so messages.ts can prefix it with the profile and the field.
import { z } from "zod";
import { parseDuration } from "./duration.ts";
import { isDnsLabel, nameProblem } from "./names.ts";
import { checkFolder } from "./paths.ts";
import { parseSelector } from "./selector.ts";

/** Adds a custom issue (at `path` below the current value) and yields zod's NEVER. */
function fail(ctx: z.RefinementCtx, message: string, path: PropertyKey[] = []): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message, path });
  return z.NEVER;
}

/** true/false, and the YAML 1.1 words upstream's Go parser read as booleans (yes/no, on/off, y/n). */
export const Bool = z.unknown().transform((v, ctx): boolean => {
  if (typeof v === "boolean") return v;
  const word = typeof v === "string" ? v.toLowerCase() : undefined;
  if (word === "true" || word === "yes" || word === "on" || word === "y") return true;
  if (word === "false" || word === "no" || word === "off" || word === "n") return false;
  return fail(ctx, "must be true or false");
});

const Text = z.string({ error: "must be a string" });

const dnsName = (kind: "label" | "subdomain"): z.ZodType<string, unknown> =>
  Text.transform((s, ctx) => {
    const problem = nameProblem(s, kind);
    return problem ? fail(ctx, problem) : s;
  });

/** Namespaces, containers, repository names. */
export const Label = dnsName("label");
/** Deployments, statefulsets, nodes, storage and snapshot classes. */
export const Subdomain = dnsName("subdomain");

export const Folder = Text.transform((s, ctx) => {
  const r = checkFolder(s);
  return r.ok ? r.folder : fail(ctx, r.problem);
});

export const Folders = z
  .array(Folder, { error: "must be a list of absolute paths" })
  .min(1, "must list at least one folder")
  .superRefine((folders, ctx) => {
    folders.forEach((f, i) => {
      const first = folders.indexOf(f);
      if (typeof f === "string" && first < i) ctx.addIssue({ code: "custom", message: `is the same folder as folders[${first}]`, path: [i] });
    });
  });

/** restic `--host`: a hostname-like word (upstream writes it into TOML unescaped; we keep it tame). */
export const Host = Text.transform((s, ctx) => {
  if (s.length > 253) return fail(ctx, "is longer than 253 characters");
  return /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(s) ? s : fail(ctx, `is not a valid host: use letters, digits, ".", "-" and "_"`);
});

/** A file name inside a folder or a restic stdin snapshot: one path segment. */
export const FileName = Text.transform((s, ctx) => {
  if (s.includes("/")) return fail(ctx, `must be a file name, not a path (no "/")`);
  if (s === "." || s === "..") return fail(ctx, "is not a file name");
  if (/[\u0000-\u001f\u007f]/.test(s)) return fail(ctx, "contains control characters");
  return s.length > 255 ? fail(ctx, "is longer than 255 characters") : s;
});

/**
 * A command: upstream's string (run with `sh -c`, as upstream does) or an argv list (run as is).
 * A blank string means "no command", as upstream treats an empty `cmd`.
 */
export const Command = z.unknown().transform((v, ctx): string[] | undefined => {
  if (typeof v === "string") return v.trim() === "" ? undefined : ["sh", "-c", v];
  if (!Array.isArray(v)) return fail(ctx, "must be a command string or a list of strings");
  if (v.length === 0) return fail(ctx, "must not be an empty list");
  const bad = v.findIndex((a) => typeof a !== "string");
  if (bad >= 0) return fail(ctx, "must be a string", [bad]);
  if (v[0] === "") return fail(ctx, "must name a program", [0]);
  return v as string[];
});

/** `command-before` / `command-after`: `{cmd, container}`. */
export const CommandSpec = z.strictObject(
  { cmd: Command.optional(), container: Label.optional() },
  { error: (iss) => (iss.code === "invalid_type" ? "must be a mapping with cmd and container" : undefined) },
);

export const Selector = z.unknown().transform((v, ctx) => {
  const r = parseSelector(v);
  return r.ok ? r.selector : fail(ctx, r.problem);
});

/** A duration ("30m", "12h") in milliseconds, with bounds. */
export const duration = (min: number, max: number): z.ZodType<number, unknown> =>
  z.unknown().transform((v, ctx) => {
    const ms = parseDuration(v);
    if (typeof ms === "string") return fail(ctx, ms);
    if (ms < min) return fail(ctx, min === 1000 ? "must be at least 1s" : `must be at least ${min} ms`);
    return ms > max ? fail(ctx, "is too long (at most 366d)") : ms;
  });

export const MAX_DURATION = 366 * 86_400_000;

/** A list of DNS-label names (profiles, repositories); duplicates are reported. */
export const NameList = z
  .array(Label, { error: "must be a list of names" })
  .min(1, "must name at least one")
  .superRefine((names, ctx) => {
    names.forEach((n, i) => {
      if (typeof n === "string" && names.indexOf(n) < i) ctx.addIssue({ code: "custom", message: "is listed twice", path: [i] });
    });
  });

/** Namespaces a profile's snapshots may be restored into: DNS labels, or "*" for any namespace. */
export const NamespaceList = z
  .array(z.string().refine((v) => v === "*" || isDnsLabel(v), 'must be a namespace (a DNS-1123 label) or "*"'), { error: 'must be a list of namespaces (or ["*"])' })
  .min(1, "must name at least one");
