// Kubernetes storage quantities as whole bytes, and back: enough of resource.Quantity for PVC sizes ("10Gi",
// "500M", "1.5Gi", "1073741824"). Pure.

const FACTORS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** Bytes of a quantity (rounded up), or undefined when it is not one. */
export function quantityToBytes(q: unknown): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) && q >= 0 ? Math.ceil(q) : undefined;
  if (typeof q !== "string") return undefined;
  const m = QUANTITY.exec(q.trim());
  if (!m) return undefined;
  return Math.ceil(Number(m[1]) * (FACTORS[m[2] ?? ""] ?? 1));
}

/** The smallest whole number of `unit` (Mi or Gi) holding `bytes`, as a quantity: 1.2 GiB → "2Gi". */
export function bytesToQuantity(bytes: number, unit: "Mi" | "Gi" = "Gi"): string {
  const factor = FACTORS[unit] ?? 1;
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
