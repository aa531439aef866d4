import { describe, expect, it } from "vitest";
import { bytesToQuantity, exactQuantity, formatBytes, parseQuantity, quantityToBytes } from "./quantity.ts";

describe("parseQuantity", () => {
  it.each<[unknown, number | undefined]>([
    ["1Gi", 2 ** 30],
    ["1500Mi", 1500 * 2 ** 20],
    ["2G", 2e9],
    ["500m", 0.5],
    ["1e3", 1000],
    [".5Ki", 512],
    ["-1Gi", -(2 ** 30)],
    [1024, 1024],
    ["1Gxx", undefined],
    ["Gi", undefined],
    [true, undefined],
  ])("%j -> %s", (q, value) => {
    expect(parseQuantity(q)).toBe(value);
  });
});

describe("quantityToBytes", () => {
  it.each<[unknown, number | undefined]>([
    ["10Gi", 10 * 2 ** 30],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["500M", 500e6],
    ["1k", 1000],
    ["500m", 1],
    ["2e3", 2000],
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

describe("exactQuantity", () => {
  it.each([
    [2 ** 30, "1Gi"],
    [3 * 2 ** 30, "3Gi"],
    [1536 * 2 ** 20, "1536Mi"],
    [1000, "1000"],
    [2 ** 40, "1Ti"],
  ])("%d bytes → %s", (bytes, q) => {
    expect(exactQuantity(bytes)).toBe(q);
  });
});
