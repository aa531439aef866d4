// Kubernetes quantities (resource.Quantity: "10Gi", "500M", "1.5Gi", "2e3", "1073741824") as numbers and whole
// bytes, and back. Pure; the sandbox's API server validates with the same parser.

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const MULTIPLIERS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A resource.Quantity's value ("1Gi", "500M", "1.5", "2e3", "500m"), or undefined when it is not one. Numbers as they are. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  if (typeof q !== "string") return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  const suffix = m[2];
  if (suffix === undefined) return base;
  if (suffix.startsWith("e") || suffix.startsWith("E")) return base * 10 ** Number(suffix.slice(1));
  const mult = MULTIPLIERS[suffix];
  return mult === undefined ? undefined : base * mult;
}

/** Bytes of a quantity (rounded up), or undefined when it is not one or negative. */
export function quantityToBytes(q: unknown): number | undefined {
  const value = parseQuantity(q);
  return value === undefined || value < 0 ? undefined : Math.ceil(value);
}

const BINARY = [
  ["Ti", 2 ** 40],
  ["Gi", 2 ** 30],
  ["Mi", 2 ** 20],
  ["Ki", 2 ** 10],
] as const;

/** Exactly `bytes` as a quantity: the largest binary suffix that divides evenly, else plain bytes (1536 Mi → "1536Mi"). */
export function exactQuantity(bytes: number): string {
  for (const [suffix, unit] of BINARY) if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
  return String(Math.ceil(bytes));
}

/** The smallest whole number of `unit` (Mi or Gi) holding `bytes`, as a quantity: 1.2 GiB → "2Gi". */
export function bytesToQuantity(bytes: number, unit: "Mi" | "Gi" = "Gi"): string {
  const factor = MULTIPLIERS[unit] ?? 1;
  return `${Math.max(1, Math.ceil(bytes / factor))}${unit}`;
}

/** For people: 2147483648 → "2.0 GiB", 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
