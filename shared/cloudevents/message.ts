// HTTP message → CloudEvent, strictly (reference/knative.md §8): HTTP.toEvent builds events with strict=false, so
// validate() is ours to call; batches are refused like Knative's ingress does; JSON data arriving as a string
// (no or unusual datacontenttype, e.g. a PingSource without contentType) is decoded here.
import type { IncomingHttpHeaders } from "node:http";
import { CloudEvent, HTTP, ValidationError } from "cloudevents";
import { runAndProfileOf } from "../events.ts";

export type ReadResult = { ok: true; event: CloudEvent<unknown> } | { ok: false; reason: string };

const BATCH = "application/cloudevents-batch";
const STRUCTURED_JSON = /^application\/cloudevents\+json\s*(;|$)/;
const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;
const MAX_REASON = 200;

/** Node's headers as the flat string map the SDK expects (repeated headers joined with ", "). */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

/** Reads one valid CloudEvent (spec 1.0) from a request whose body was read as text; never throws. */
export function readEvent(headers: IncomingHttpHeaders, body: unknown): ReadResult {
  const flat = flattenHeaders(headers);
  const contentType = (flat["content-type"] ?? "").toLowerCase();
  if (contentType.startsWith(BATCH)) return { ok: false, reason: "batched CloudEvents are not supported" };
  // The SDK looks structured parsers up by the exact header: "…+json;charset=utf-8" (no space) would be refused.
  if (STRUCTURED_JSON.test(contentType)) flat["content-type"] = "application/cloudevents+json";
  let event: CloudEvent<unknown>;
  try {
    const parsed = HTTP.toEvent({ headers: flat, body: body === "" ? undefined : body });
    if (Array.isArray(parsed)) return { ok: false, reason: "batched CloudEvents are not supported" };
    event = parsed as CloudEvent<unknown>;
    event.validate();
  } catch (err) {
    return { ok: false, reason: `invalid CloudEvent: ${describe(err)}` };
  }
  // The SDK defaults a missing specversion to 1.0; a binary-mode request must still send the header.
  const isBinary = !contentType.startsWith("application/cloudevents");
  const version = isBinary ? flat["ce-specversion"] : event.specversion;
  if (version !== "1.0") {
    return { ok: false, reason: `invalid CloudEvent: ${version ? `unsupported specversion ${short(version, 20)}` : "missing specversion"}` };
  }
  return decodeData(event);
}

function decodeData(event: CloudEvent<unknown>): ReadResult {
  const data = event.data;
  if (ArrayBuffer.isView(data)) return { ok: false, reason: "invalid CloudEvent: binary data (data_base64) is not supported" };
  if (typeof data !== "string") return { ok: true, event };
  const type = event.datacontenttype;
  if (type !== undefined && !JSON_TYPE.test(type)) return { ok: true, event };
  try {
    return { ok: true, event: event.cloneWith({ data: JSON.parse(data) as unknown }, false) };
  } catch {
    return { ok: false, reason: "invalid CloudEvent: data is not valid JSON" };
  }
}

/** A short, single-line, JSON-free reason. */
function describe(err: unknown): string {
  if (err instanceof SyntaxError) return "body is not valid JSON";
  if (err instanceof ValidationError) {
    const first: unknown = err.errors?.[0];
    if (typeof first === "object" && first !== null && typeof (first as { message?: unknown }).message === "string") {
      const { instancePath, message } = first as { instancePath?: unknown; message: string };
      return short(`${typeof instancePath === "string" && instancePath ? `${instancePath.slice(1)} ` : ""}${message}`);
    }
    if (typeof first === "string") return short(first);
  }
  return short(err instanceof Error ? err.message : String(err));
}

export function short(text: string, max = MAX_REASON): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The fields every log line about an event carries. */
export function eventLogFields(event: CloudEvent<unknown>): { ceId: string; ceType: string; ceSource: string; run?: string; profile?: string } {
  return { ceId: event.id, ceType: event.type, ceSource: event.source, ...runAndProfileOf(event) };
}
