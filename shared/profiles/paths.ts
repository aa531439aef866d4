// Absolute POSIX paths as profiles and pod specs write them (folders, mountPaths).

/** `//data//app/` → `/data/app`; `/` stays `/`. Does not resolve `.`/`..` (folders reject them instead). */
export function normalisePath(path: string): string {
  const segments = path.split("/").filter((s) => s !== "");
  return `/${segments.join("/")}`;
}

/** Whether `path` is `dir` or lies below it (both normalised). */
export function isWithin(dir: string, path: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

/** A folder of a profile, normalised, or the reason it cannot be one. */
export function checkFolder(folder: string): { ok: true; folder: string } | { ok: false; problem: string } {
  if (!folder.startsWith("/")) return { ok: false, problem: "is not an absolute path" };
  if (/[\u0000-\u001f\u007f]/.test(folder)) return { ok: false, problem: "contains control characters" };
  if (folder.length > 4096) return { ok: false, problem: "is longer than 4096 characters" };
  const segments = folder.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === "..")) return { ok: false, problem: `must not contain "." or ".." segments` };
  if (segments.length === 0) return { ok: false, problem: "is the root directory: name the folders to back up" };
  return { ok: true, folder: `/${segments.join("/")}` };
}
