// Parses Kubernetes REST paths into what they address.

export interface ResourcePath {
  group: string;
  version: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The deprecated `/watch/` path prefix was used. */
  watchPrefix: boolean;
}

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** `/api/v1/...` or `/apis/<group>/<version>/...` → the resource it addresses; undefined for anything else. */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname.split("/").filter((p) => p !== "").map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    rest = parts.slice(1);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1] ?? "";
    rest = parts.slice(2);
  } else {
    return undefined;
  }
  const version = rest[0] ?? "";
  let segs = rest.slice(1);
  let watchPrefix = false;
  if (segs[0] === "watch") {
    watchPrefix = true;
    segs = segs.slice(1);
  }
  if (segs[0] === "namespaces" && segs.length >= 3 && !(segs.length === 3 && NAMESPACE_SUBRESOURCES.has(segs[2] ?? ""))) {
    const [, namespace, plural, name, subresource, ...extra] = segs;
    if (extra.length > 0 || !plural) return undefined;
    return { group, version, plural, namespace, name, subresource, watchPrefix };
  }
  const [plural, name, subresource, ...extra] = segs;
  if (extra.length > 0 || !plural) return undefined;
  return { group, version, plural, name, subresource, watchPrefix };
}
