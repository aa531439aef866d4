import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableStatus, isSuccessStatus, retryAfterMs } from "./retry.ts";

describe("Knative's retry rules", () => {
  it.each([
    [200, false, true],
    [202, false, true],
    [204, false, true],
    [302, false, false],
    [400, false, false],
    [403, false, false],
    [404, true, false],
    [408, true, false],
    [409, true, false],
    [413, false, false],
    [429, true, false],
    [500, true, false],
    [503, true, false],
  ])("given %d, returns retryable %s and success %s", (status, retryable, success) => {
    expect(isRetryableStatus(status)).toBe(retryable);
    expect(isSuccessStatus(status)).toBe(success);
  });

  it.each([
    [0, 200],
    [1, 400],
    [2, 800],
    [5, 5_000],
  ])("given retry %d with base 200 ms and cap 5 s, returns %d ms", (retry, ms) => {
    expect(backoffDelay(retry, 200, 5_000)).toBe(ms);
  });

  it.each([
    ["3", 3_000],
    [" 0 ", 0],
    ["Wed, 21 Oct 2015 07:28:00 GMT", undefined],
    ["-1", undefined],
    [null, undefined],
  ])("given Retry-After %j, returns %s", (header, ms) => {
    expect(retryAfterMs(header)).toBe(ms);
  });
});
