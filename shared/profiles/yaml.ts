// Reading one ConfigMap key as YAML. Upstream parsed with sigs.k8s.io/yaml, i.e. YAML 1.1, where y/n/yes/no/on/off
// are booleans. rafdir reads profiles, schedules and settings as YAML 1.2 (so a profile named `n` or a deployment named
// `y` stays a string) and accepts those words where a boolean is expected (fields.ts Bool); repository sections are read
// as YAML 1.1, because they are handed on to resticprofile exactly as upstream handed them on.
// A key defined twice at the top level is reported, not silently overwritten.
import { isMap, isScalar, parseDocument } from "yaml";

export type YamlResult = { ok: true; value: unknown; duplicateKeys: string[] } | { ok: false; message: string };

export function readYaml(text: string, version: "1.1" | "1.2" = "1.2"): YamlResult {
  const doc = parseDocument(text, { version, uniqueKeys: false, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : "";
    const detail = (first.message.split("\n")[0] ?? first.code).replace(/:$/, "");
    return { ok: false, message: `is not valid YAML: ${detail}${more}` };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, message: `is not valid YAML: ${err instanceof Error ? err.message : String(err)}` };
  }
  const seen = new Set<string>();
  const duplicateKeys = new Set<string>();
  if (isMap(doc.contents))
    for (const item of doc.contents.items) {
      const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (seen.has(key)) duplicateKeys.add(key);
      seen.add(key);
    }
  return { ok: true, value, duplicateKeys: [...duplicateKeys] };
}

/** A YAML mapping as a plain record (null/empty → {}), or undefined when it is something else. */
export function asMapping(value: unknown): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return {};
  return typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
