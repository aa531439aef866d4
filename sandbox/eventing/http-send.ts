// Sends one event in binary mode and reads the whole answer. Status 0 means no HTTP answer (network error,
// timeout, unresolvable destination). Redirects are not followed: a 3xx is a final failure, as in Knative.
import { toBinary, type Envelope } from "./envelope.ts";

export interface SendResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Why there was no HTTP answer (status 0). */
  error?: string;
}

export interface SendOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Extra request headers (e.g. Prefer: reply). */
  headers?: Record<string, string>;
}

export async function sendEvent(url: string, ev: Envelope, opts: SendOptions = {}): Promise<SendResult> {
  const msg = toBinary(ev);
  const signals = [opts.signal, opts.timeoutMs !== undefined ? AbortSignal.timeout(opts.timeoutMs) : undefined].filter(
    (s): s is AbortSignal => s !== undefined,
  );
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { ...msg.headers, ...opts.headers },
      body: msg.body ? new Uint8Array(msg.body) : undefined,
      redirect: "manual",
      signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
    });
    const body = Buffer.from(await res.arrayBuffer());
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { status: res.status, headers, body };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.name === "TimeoutError" ? `timeout after ${opts.timeoutMs ?? 0} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { status: 0, headers: {}, body: Buffer.alloc(0), error: why };
  }
}
