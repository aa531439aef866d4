// Durations as upstream writes them (Go's time.ParseDuration: "30m", "1h30m", "1.5h", "500ms") plus "d" for days.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Source of one `<number><unit>` part; compiled per call, since a sticky RegExp carries state (lastIndex). */
const PART = String.raw`(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)`;

/** A duration in milliseconds, or a message fragment explaining why the value is not one. 0 / "0" mean zero. */
export function parseDuration(value: unknown): number | string {
  if (value === 0 || value === "0") return 0;
  if (typeof value !== "string") return `must be a duration like "30m" or "12h"`;
  const text = value.trim();
  if (text === "") return "must not be empty";
  if (text.startsWith("-")) return "must not be negative";
  let total = 0;
  const part = new RegExp(PART, "y");
  while (part.lastIndex < text.length) {
    const start = part.lastIndex;
    const m = part.exec(text);
    if (!m || m.index !== start) return `is not a duration (use units ms, s, m, h, d, e.g. "1h30m")`;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) return "is not a duration";
  return Math.round(total);
}

/** Compact human form: 45000 → "45s", 5400000 → "1h30m", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return ms <= 0 ? "0s" : `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3_600], ["m", 60], ["s", 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join("");
}
