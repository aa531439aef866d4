import { describe, expect, it } from "vitest";
import {
  backoffMs,
  classifyResponse,
  deadLetterAttributes,
  DEFAULT_BROKER_DELIVERY,
  effectiveDelivery,
  ingressTtl,
  isRetryable,
  parseIsoDuration,
  replyTtl,
  retrySchedule,
} from "./delivery-policy.ts";

describe("parseIsoDuration", () => {
  it.each([
    ["PT0.2S", 200],
    ["PT1S", 1000],
    ["PT1M30S", 90_000],
    ["PT2H", 7_200_000],
    ["P1D", 86_400_000],
    ["P1DT1S", 86_401_000],
    ["PT0.05S", 50],
  ])("%s = %d ms", (text, ms) => expect(parseIsoDuration(text)).toBe(ms));

  it.each(["0.2s", "PT", "P", "200ms", "PT-1S", ""])("rejects %j", (text) => expect(parseIsoDuration(text)).toHaveProperty("error"));
});

describe("retry schedule (go-retryablehttp 0-based k)", () => {
  it.each([
    ["exponential", 200, 4, [200, 400, 800, 1600]],
    ["linear", 200, 4, [0, 200, 400, 600]],
    ["exponential", 100, 0, []],
    ["linear", 0, 2, [0, 0]],
  ] as const)("%s delay %d, %d retries", (policy, delayMs, retry, want) => {
    expect(retrySchedule({ policy, delayMs, retry })).toEqual(want);
  });

  it("backoffMs is delay·2^k or delay·k", () => {
    expect(backoffMs("exponential", 50, 3)).toBe(400);
    expect(backoffMs("linear", 50, 3)).toBe(150);
  });
});

describe("effectiveDelivery", () => {
  const brokerDls = { ref: { kind: "Service", name: "dls" } };
  it("trigger delivery replaces the broker's entirely, DLS falls back", () => {
    const eff = effectiveDelivery({ retry: 3, backoffPolicy: "linear", backoffDelay: "PT0.05S" }, { ...DEFAULT_BROKER_DELIVERY, deadLetterSink: brokerDls });
    expect(eff).toEqual({ retry: 3, policy: "linear", delayMs: 50, timeoutMs: undefined, deadLetterSink: brokerDls });
  });
  it("trigger with only a DLS gets no retries", () => {
    const own = { uri: "http://x/" };
    expect(effectiveDelivery({ deadLetterSink: own }, DEFAULT_BROKER_DELIVERY)).toMatchObject({ retry: 0, deadLetterSink: own });
  });
  it("no trigger delivery takes the broker's", () => {
    expect(effectiveDelivery(undefined, DEFAULT_BROKER_DELIVERY)).toMatchObject({ retry: 10, policy: "exponential", delayMs: 200 });
  });
  it("timeout parses", () => {
    expect(effectiveDelivery({ timeout: "PT5S" }, undefined)).toMatchObject({ timeoutMs: 5000, retry: 0 });
  });
  it("bad durations are errors", () => {
    expect(effectiveDelivery({ backoffDelay: "2s", timeout: "soon" }, undefined)).toEqual({
      errors: [expect.stringMatching(/^delivery\.backoffDelay: invalid ISO-8601/), expect.stringMatching(/^delivery\.timeout: invalid/)],
    });
  });
});

describe("isRetryable", () => {
  it.each([
    [0, true],
    [404, true],
    [408, true],
    [409, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [599, true],
    [301, false],
    [400, false],
    [401, false],
    [403, false],
    [410, false],
    [422, false],
  ])("%d → %s", (status, want) => expect(isRetryable(status)).toBe(want));
});

describe("classifyResponse", () => {
  const ceHeaders = { "ce-specversion": "1.0", "ce-id": "r1", "ce-type": "next", "ce-source": "/fn", "content-type": "application/json" };
  it.each([
    ["202 empty", 202, {}, "", "done", 202],
    ["204 empty", 204, {}, "", "done", 204],
    ["200 empty", 200, {}, "", "done", 200],
    ["200 + binary event", 200, ceHeaders, '{"a":1}', "reply", 200],
    ["202 + event is still forwarded", 202, ceHeaders, "", "reply", 202],
    ["200 + structured event", 200, { "content-type": "application/cloudevents+json" }, JSON.stringify({ specversion: "1.0", id: "x", type: "t", source: "/s" }), "reply", 200],
    ["200 + non-event JSON", 200, { "content-type": "application/json" }, '{"ok":true}', "failed", 502],
    ["200 + invalid event", 200, { "ce-id": "x", "ce-specversion": "1.0" }, "", "failed", 502],
    ["500", 500, {}, "boom", "failed", 500],
    ["400", 400, {}, "bad", "failed", 400],
  ])("%s", (_n, status, headers: Record<string, string>, body, kind, code) => {
    const out = classifyResponse(status, headers, Buffer.from(body));
    expect(out.kind).toBe(kind);
    expect(out.status).toBe(code);
  });

  it("non-event bodies are retryable failures; 400 is not", () => {
    expect(classifyResponse(200, {}, Buffer.from("ok"))).toMatchObject({ kind: "failed", status: 502, retryable: true });
    expect(classifyResponse(400, {}, Buffer.alloc(0))).toMatchObject({ kind: "failed", retryable: false });
    expect(classifyResponse(0, {}, Buffer.alloc(0), "ECONNREFUSED")).toMatchObject({ kind: "failed", status: 0, retryable: true, reason: "ECONNREFUSED" });
  });
});

describe("dead letter attributes", () => {
  it("base64 of the body, cut to 1024 chars", () => {
    const body = Buffer.alloc(2000, "x");
    const a = deadLetterAttributes("http://127.0.0.1:1/x", 500, body);
    expect(a["knativeerrordest"]).toBe("http://127.0.0.1:1/x");
    expect(a["knativeerrorcode"]).toBe("500");
    expect(a["knativeerrordata"]).toHaveLength(1024);
    expect(Buffer.from(a["knativeerrordata"] ?? "", "base64").toString()).toBe("x".repeat(768));
  });
  it("no data for an empty body", () => {
    expect(deadLetterAttributes("u", 0, Buffer.alloc(0))["knativeerrordata"]).toBeUndefined();
  });
});

describe("TTL", () => {
  it.each([
    [{}, { ttl: 255 }],
    [{ knativebrokerttl: "3" }, { ttl: 3 }],
    [{ knativebrokerttl: "0" }, { reject: expect.stringMatching(/exhausted/) as unknown }],
    [{ knativebrokerttl: "-1" }, { reject: expect.stringMatching(/exhausted/) as unknown }],
    [{ knativebrokerttl: "x" }, { reject: expect.stringMatching(/integer/) as unknown }],
  ])("ingress %j", (attrs: Record<string, string>, want) => expect(ingressTtl(attrs)).toEqual(want));

  it.each([
    [255, 254],
    [2, 1],
    [1, "drop"],
    [0, "drop"],
  ] as const)("reply after ttl %d → %s", (ttl, want) => expect(replyTtl(ttl)).toBe(want));
});
