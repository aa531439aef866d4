import { describe, expect, it } from "vitest";
import { describeData, isJsonContentType, parseMessage, toBinary } from "./envelope.ts";

const bin = { "ce-specversion": "1.0", "ce-id": "1", "ce-type": "t", "ce-source": "/s" };

describe("parseMessage", () => {
  it("binary mode keeps the data bytes and extensions", () => {
    const r = parseMessage({ ...bin, "ce-rafdirrun": "r1", "content-type": "application/json" }, Buffer.from('{"a": 1}'));
    expect(r).toMatchObject({ ok: true, mode: "binary" });
    if (!r.ok) return;
    expect(r.event.attrs).toEqual({ specversion: "1.0", id: "1", type: "t", source: "/s", rafdirrun: "r1", datacontenttype: "application/json" });
    expect(r.event.data?.toString()).toBe('{"a": 1}');
  });

  it("structured mode: JSON data, data_base64, non-string extensions", () => {
    const body = JSON.stringify({ specversion: "1.0", id: "1", type: "t", source: "/s", knativebrokerttl: 3, data: { a: 1 } });
    const r = parseMessage({ "content-type": "application/cloudevents+json; charset=utf-8" }, Buffer.from(body));
    expect(r).toMatchObject({ ok: true, mode: "structured" });
    if (!r.ok) return;
    expect(r.event.attrs).toMatchObject({ knativebrokerttl: "3", datacontenttype: "application/json" });
    expect(r.event.data?.toString()).toBe('{"a":1}');
    const b64 = parseMessage({ "content-type": "application/cloudevents+json" }, Buffer.from(JSON.stringify({ specversion: "1.0", id: "1", type: "t", source: "/s", datacontenttype: "application/octet-stream", data_base64: "AAEC" })));
    expect(b64.ok && [...(b64.event.data ?? [])]).toEqual([0, 1, 2]);
    const text = parseMessage({ "content-type": "application/cloudevents+json" }, Buffer.from(JSON.stringify({ specversion: "1.0", id: "1", type: "t", source: "/s", datacontenttype: "text/plain", data: "hi" })));
    expect(text.ok && text.event.data?.toString()).toBe("hi");
  });

  it.each([
    ["batch", { "content-type": "application/cloudevents-batch+json" }, "[]", "batch"],
    ["plain JSON", { "content-type": "application/json" }, '{"type":"t"}', "not-event"],
    ["no headers", {}, "", "not-event"],
    ["binary without specversion", { "ce-id": "1", "ce-type": "t", "ce-source": "/s" }, "", "invalid"],
    ["binary with empty type", { ...bin, "ce-type": "" }, "", "invalid"],
    ["binary specversion 0.3", { ...bin, "ce-specversion": "0.3" }, "", "invalid"],
    ["structured not JSON", { "content-type": "application/cloudevents+json" }, "{", "invalid"],
    ["structured array", { "content-type": "application/cloudevents+json" }, "[]", "invalid"],
    ["structured missing source", { "content-type": "application/cloudevents+json" }, '{"specversion":"1.0","id":"1","type":"t"}', "invalid"],
    ["bad extension name (SDK validate)", { "content-type": "application/cloudevents+json" }, '{"specversion":"1.0","id":"1","type":"t","source":"/s","Bad_Name":"x"}', "invalid"],
    ["bad time (SDK validate)", { ...bin, "ce-time": "yesterday" }, "", "invalid"],
  ])("%s → %s", (_n, headers: Record<string, string>, body, problem) => {
    const r = parseMessage(headers, Buffer.from(body));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toBe(problem);
  });
});

describe("toBinary", () => {
  it("ce- headers, content-type from datacontenttype, non-ASCII percent-encoded", () => {
    const m = toBinary({ attrs: { specversion: "1.0", id: "1", type: "t", source: "/s", subject: "grüße", datacontenttype: "application/json" }, data: Buffer.from("{}") });
    expect(m.headers).toEqual({ "ce-specversion": "1.0", "ce-id": "1", "ce-type": "t", "ce-source": "/s", "ce-subject": "gr%C3%BC%C3%9Fe", "content-type": "application/json" });
    expect(m.body?.toString()).toBe("{}");
  });
});

describe("data helpers", () => {
  it.each([
    [undefined, true],
    ["application/json", true],
    ["application/json; charset=utf-8", true],
    ["application/vnd.x+json", true],
    ["text/plain", false],
  ])("isJsonContentType(%j) = %s", (ct, want) => expect(isJsonContentType(ct)).toBe(want));

  it("describeData parses JSON, keeps text, base64s bytes", () => {
    const a = { specversion: "1.0", id: "1", type: "t", source: "/s" };
    expect(describeData({ attrs: { ...a, datacontenttype: "application/json" }, data: Buffer.from('{"x":1}') })).toEqual({ data: { x: 1 } });
    expect(describeData({ attrs: { ...a, datacontenttype: "text/plain" }, data: Buffer.from("hi") })).toEqual({ data: "hi" });
    expect(describeData({ attrs: a, data: Buffer.from([0xff, 0xfe]) })).toEqual({ dataBase64: "//4=" });
    expect(describeData({ attrs: a, data: undefined })).toEqual({});
  });
});
