import { describe, expect, it } from "vitest";
import { bytesToQuantity, formatBytes, quantityToBytes } from "./quantity.ts";

describe("quantityToBytes", () => {
  it.each<[unknown, number | undefined]>([
    ["10Gi", 10 * 2 ** 30],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["500M", 500e6],
    ["1k", 1000],
    ["1073741824", 2 ** 30],
    [2048, 2048],
    ["1Gb", undefined],
    ["-1Gi", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%s → %s", (q, want) => {
    expect(quantityToBytes(q)).toBe(want);
  });
});

describe("bytesToQuantity / formatBytes", () => {
  it.each<[number, string, string]>([
    [0, "1Gi", "0 B"],
    [2 ** 30, "1Gi", "1.0 GiB"],
    [2 ** 30 + 1, "2Gi", "1.0 GiB"],
    [1536, "1Gi", "1.5 KiB"],
  ])("%d → %s, %s", (bytes, q, text) => {
    expect(bytesToQuantity(bytes)).toBe(q);
    expect(formatBytes(bytes)).toBe(text);
  });
  it("rounds to MiB when asked", () => expect(bytesToQuantity(3 * 2 ** 20 + 1, "Mi")).toBe("4Mi"));
});
