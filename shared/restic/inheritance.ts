// resticprofile v1 inheritance, as far as rafdir needs it: walking an `inherit` chain, and the list trap.
//
// v1 decodes a child profile onto its parent's struct, so typed list fields (`source`, `exclude`, `run-before`, …)
// merge BY INDEX: parent ['/a','/b'] + child ['/c'] = ['/c','/b'], and a child `[]` changes nothing. A child can
// never shrink a list it inherits. So in a generated config lists live only on the leaf profiles: every ancestor
// loses its list values (`withoutLists`) and each leaf gets the lists it would have inherited, nearest definition
// winning (`inheritedLists`) — the "replace" semantics users expect, with no way for a list to leak.

/** Top-level keys of a v1 file that are not profiles. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(["global", "groups", "includes", "version", "$schema"]);

export class ProfileConfigError extends Error {
  override readonly name = "ProfileConfigError";
}

export type Section = Record<string, unknown>;

export function isSection(v: unknown): v is Section {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The profile `name` and its ancestors, nearest first. Throws on a missing parent or a cycle. */
export function inheritChain(doc: Section, name: string): string[] {
  const chain: string[] = [];
  let current: string | undefined = name;
  while (current !== undefined) {
    if (chain.includes(current)) throw new ProfileConfigError(`profile "${name}": inherit cycle ${[...chain, current].join(" → ")}`);
    const profile: unknown = doc[current];
    if (RESERVED_KEYS.has(current) || !isSection(profile)) {
      const who = chain.length === 0 ? `profile "${current}"` : `profile "${chain[chain.length - 1] ?? ""}" inherits "${current}", which`;
      throw new ProfileConfigError(`${who} is not a profile section`);
    }
    chain.push(current);
    const parent: unknown = profile["inherit"];
    if (parent !== undefined && typeof parent !== "string") throw new ProfileConfigError(`profile "${current}": inherit must be a profile name`);
    current = parent === "" ? undefined : parent;
  }
  return chain;
}

/** A copy of a profile with every list value removed, at profile level and inside its sections. */
export function withoutLists(profile: Section): Section {
  const out: Section = {};
  for (const [key, value] of Object.entries(profile)) {
    if (Array.isArray(value)) continue;
    out[key] = isSection(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => !Array.isArray(v))) : value;
  }
  return out;
}

/**
 * The list values a profile inheriting `chain` (nearest first) would see, with the nearest definition replacing
 * farther ones: `{ "run-before": [...], backup: { exclude: [...] } }`. Expects keys lowercased (`lowercaseKeys`).
 */
export function inheritedLists(doc: Section, chain: readonly string[]): Section {
  const out: Section = {};
  for (const name of [...chain].reverse()) {
    const profile = doc[name];
    if (!isSection(profile)) continue;
    for (const [key, value] of Object.entries(profile)) {
      if (Array.isArray(value)) out[key] = value;
      else if (isSection(value)) {
        for (const [innerKey, inner] of Object.entries(value)) {
          if (!Array.isArray(inner)) continue;
          const section = isSection(out[key]) ? out[key] : (out[key] = {});
          section[innerKey] = inner;
        }
      }
    }
  }
  return out;
}

/** All keys of one section along the chain, nearest winning (scalars and lists alike). */
export function effectiveSection(doc: Section, chain: readonly string[], section: string): Section {
  const out: Section = {};
  for (const name of [...chain].reverse()) {
    const profile = doc[name];
    const value = isSection(profile) ? profile[section] : undefined;
    if (isSection(value)) Object.assign(out, value);
  }
  return out;
}

/**
 * viper lowercases keys; doing the same up front (profile level and one level of sections) keeps lookups exact.
 * `env` keeps its variable names as written (resticprofile upper-cases them anyway).
 */
export function lowercaseKeys(profile: Section): Section {
  const out: Section = {};
  for (const [rawKey, value] of Object.entries(profile)) {
    const key = rawKey.toLowerCase();
    out[key] = isSection(value) && key !== "env" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v])) : value;
  }
  return out;
}
