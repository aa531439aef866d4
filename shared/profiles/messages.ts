// Message formatting shared by every validator: `profile "db": field "folders[1]": "data/x" is not an absolute path`.
import type { InvalidProfile } from "./types.ts";

const MAX_VALUE = 80;

/** A value as it appears in a message: JSON (so hostile text is escaped), cut at 80 characters. */
export function renderValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** A zod-style path as written in YAML: ["folders", 1] → `folders[1]`, ["command-before", "cmd"] → `command-before.cmd`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = root;
  for (const part of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

/** `fragment` follows the value ("is not an absolute path") or, without a value, the field ("is required"). */
export function fieldMessage(owner: string, field: string, fragment: string, value?: unknown): string {
  const subject = value === undefined ? `field ${renderValue(field)}` : `field ${renderValue(field)}: ${renderValue(value)}`;
  return `${owner}: ${subject} ${fragment}`;
}

/** The profile name as reported: never empty (events require a name), at most 253 characters. */
export function reportedName(name: string): string {
  return name === "" ? "(empty name)" : name.slice(0, 253);
}

export function profileIssue(profile: string, field: string, fragment: string, value?: unknown): InvalidProfile {
  return {
    profile: reportedName(profile),
    field,
    ...(value === undefined ? {} : { value }),
    message: fieldMessage(`profile ${renderValue(profile)}`, field, fragment, value),
  };
}
