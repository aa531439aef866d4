// CloudEvents over HTTP for the local broker, pure: a request or response (binary or structured mode) becomes an
// Envelope — attributes as strings plus the data bytes untouched, as the Go broker keeps them — and an Envelope
// becomes a binary-mode request. Validation uses the cloudevents SDK's validate() after our own required-field checks.
import { CloudEvent } from "cloudevents";

export interface Envelope {
  /** Context attributes and extensions, as strings (how they travel in binary mode). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly data: Buffer | undefined;
}

export type HeaderMap = Readonly<Record<string, string | string[] | undefined>>;

export type ParseResult =
  | { ok: true; event: Envelope; mode: "binary" | "structured" }
  | { ok: false; problem: "not-event" | "batch" | "invalid"; reason: string };

const BATCH = "application/cloudevents-batch";
const STRUCTURED = "application/cloudevents";

function header(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}

/** True for content types whose structured-mode `data` is a JSON value (absent means application/json). */
export function isJsonContentType(ct: string | undefined): boolean {
  if (ct === undefined) return true;
  const media = (ct.split(";")[0] ?? "").trim().toLowerCase();
  return media === "application/json" || media === "text/json" || media.endsWith("+json");
}

/** Decodes an HTTP message. Mode detection follows the SDK: batch, then structured, then binary (a ce-id header). */
export function parseMessage(headers: HeaderMap, body: Buffer): ParseResult {
  const ct = header(headers, "content-type");
  if (ct?.toLowerCase().startsWith(BATCH)) return { ok: false, problem: "batch", reason: "batched CloudEvents are not supported" };
  let parsed: { ok: true; event: Envelope } | { ok: false; reason: string };
  let mode: "binary" | "structured";
  if (ct?.toLowerCase().startsWith(STRUCTURED)) {
    mode = "structured";
    parsed = parseStructured(body);
  } else if (header(headers, "ce-id") !== undefined) {
    mode = "binary";
    parsed = { ok: true, event: parseBinary(headers, ct, body) };
  } else {
    return { ok: false, problem: "not-event", reason: "not a CloudEvent: no structured content type and no ce-id header" };
  }
  if (!parsed.ok) return { ok: false, problem: "invalid", reason: parsed.reason };
  const problem = validateAttributes(parsed.event.attrs);
  return problem ? { ok: false, problem: "invalid", reason: problem } : { ok: true, event: parsed.event, mode };
}

function parseBinary(headers: HeaderMap, ct: string | undefined, body: Buffer): Envelope {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (name.startsWith("ce-") && v !== undefined) attrs[name.slice(3)] = Array.isArray(v) ? v.join(",") : v;
  }
  if (ct !== undefined) attrs["datacontenttype"] = ct;
  return { attrs, data: body.length > 0 ? body : undefined };
}

function parseStructured(body: Buffer): { ok: true; event: Envelope } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (e) {
    return { ok: false, reason: `structured event is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return { ok: false, reason: "structured event must be a JSON object" };
  const attrs: Record<string, string> = {};
  let data: Buffer | undefined;
  const obj = json as Record<string, unknown>;
  if (obj["data"] !== undefined && obj["data_base64"] !== undefined) return { ok: false, reason: "data and data_base64 are mutually exclusive" };
  for (const [k, v] of Object.entries(obj)) {
    if (k === "data" || k === "data_base64" || v === null) continue;
    if (typeof v === "string") attrs[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") attrs[k] = String(v);
    else return { ok: false, reason: `attribute ${k} must be a string, number or boolean` };
  }
  if (typeof obj["data_base64"] === "string") data = Buffer.from(obj["data_base64"], "base64");
  else if (obj["data"] !== undefined) {
    const d = obj["data"];
    data = typeof d === "string" && !isJsonContentType(attrs["datacontenttype"]) ? Buffer.from(d, "utf8") : Buffer.from(JSON.stringify(d), "utf8");
    attrs["datacontenttype"] ??= "application/json";
  }
  return { ok: true, event: { attrs, data } };
}

/** Undefined when the attributes form a valid CloudEvent 1.0, else why not. */
export function validateAttributes(attrs: Readonly<Record<string, string>>): string | undefined {
  const sv = attrs["specversion"];
  if (sv === undefined) return "missing required attribute specversion";
  if (sv !== "1.0") return `unsupported specversion ${JSON.stringify(sv)} (only 1.0)`;
  for (const required of ["id", "source", "type"]) {
    if (!attrs[required]) return `missing required attribute ${required}`;
  }
  try {
    new CloudEvent({ ...attrs }, false).validate();
  } catch (e) {
    const details = (e as { errors?: unknown }).errors;
    return `invalid CloudEvent: ${e instanceof Error ? e.message : String(e)}${details ? ` ${JSON.stringify(details)}` : ""}`;
  }
  return undefined;
}

/** Header values must be visible ASCII or space; anything else is percent-encoded (CloudEvents HTTP binding). */
function headerValue(v: string): string {
  return v.replace(/[^\x20-\x7e]/gu, (c) => encodeURIComponent(c));
}

/** A binary-mode HTTP message for `ev` (how the Knative dispatcher sends). */
export function toBinary(ev: Envelope): { headers: Record<string, string>; body: Buffer | undefined } {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ev.attrs)) {
    if (k === "datacontenttype") headers["content-type"] = headerValue(v);
    else headers[`ce-${k}`] = headerValue(v);
  }
  return { headers, body: ev.data };
}

export function withAttrs(ev: Envelope, set: Record<string, string | undefined>): Envelope {
  const attrs: Record<string, string> = { ...ev.attrs };
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) delete attrs[k];
    else attrs[k] = v;
  }
  return { attrs, data: ev.data };
}

/** The data for humans and the event log: parsed JSON, text, or base64 for bytes that are not UTF-8. */
export function describeData(ev: Envelope): { data?: unknown; dataBase64?: string } {
  if (!ev.data) return {};
  const text = ev.data.toString("utf8");
  if (Buffer.from(text, "utf8").equals(ev.data)) {
    if (isJsonContentType(ev.attrs["datacontenttype"])) {
      try {
        return { data: JSON.parse(text) as unknown };
      } catch {
        return { data: text };
      }
    }
    return { data: text };
  }
  return { dataBase64: ev.data.toString("base64") };
}
