import { describe, expect, it } from "vitest";
import { parseQuantity } from "./quantity.ts";

describe("parseQuantity", () => {
  it.each<[unknown, number | undefined]>([
    ["1Gi", 2 ** 30],
    ["1500Mi", 1500 * 2 ** 20],
    ["2G", 2e9],
    ["500m", 0.5],
    ["1e3", 1000],
    [".5Ki", 512],
    [1024, 1024],
    ["1Gxx", undefined],
    ["Gi", undefined],
    [true, undefined],
  ])("%j -> %s", (q, value) => {
    expect(parseQuantity(q)).toBe(value);
  });
});
