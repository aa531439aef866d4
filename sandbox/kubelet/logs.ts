// Container logs in the CRI format ("<RFC3339Nano> <stdout|stderr> <F|P> <content>\n", one entry per line;
// P = partial, no newline after it) and the reader behind pods/log (tailLines, follow, timestamps, limitBytes,
// sinceTime/sinceSeconds).

import { createWriteStream, type WriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { ApiError, errors } from "../apiserver/types.ts";

export type LogStream = "stdout" | "stderr";

/** Longest log entry; longer lines are split into partial (P) entries, as CRI runtimes do. */
export const MAX_ENTRY_BYTES = 16 * 1024;

/** A wall clock with nanosecond resolution (monotonic after creation): nanoseconds since the epoch. */
export function createClock(): () => bigint {
  const anchor = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return () => anchor + process.hrtime.bigint();
}

/** RFC3339 with 9 fractional digits, always UTC ("2024-05-01T10:00:00.123456789Z"): sorts as text. */
export function formatRfc3339Nano(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, "0")}Z`;
}

export function dateToRfc3339Nano(d: Date): string {
  return formatRfc3339Nano(BigInt(d.getTime()) * 1_000_000n);
}

export interface LogEntry {
  time: string;
  stream: LogStream;
  partial: boolean;
  content: Buffer;
}

/** Parses one log file line (without its trailing newline). */
export function parseLogLine(line: Buffer): LogEntry | undefined {
  const a = line.indexOf(0x20);
  const b = a < 0 ? -1 : line.indexOf(0x20, a + 1);
  const c = b < 0 ? -1 : line.indexOf(0x20, b + 1);
  if (c < 0) return undefined;
  const stream = line.subarray(a + 1, b).toString();
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  return {
    time: line.subarray(0, a).toString(),
    stream,
    partial: line.subarray(b + 1, c).toString().startsWith("P"),
    content: line.subarray(c + 1),
  };
}

/** Writes a container's output as CRI log entries; each stream is cut into lines separately. */
export class LogWriter {
  readonly #out: WriteStream;
  readonly #clock: () => bigint;
  readonly #pending: Record<LogStream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };

  constructor(path: string, clock: () => bigint = createClock()) {
    this.#out = createWriteStream(path, { flags: "a" });
    this.#out.on("error", () => {}); // a vanished state dir must not crash the kubelet
    this.#clock = clock;
  }

  /** False when the file lags behind: wait for drained() before writing more. */
  write(stream: LogStream, chunk: Buffer): boolean {
    // Every line completed by this chunk gets the same timestamp: the time it was read, as CRI runtimes do.
    const head = Buffer.from(`${formatRfc3339Nano(this.#clock())} ${stream} `);
    const parts: Buffer[] = [];
    let buf = this.#pending[stream].length ? Buffer.concat([this.#pending[stream], chunk]) : chunk;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
      this.#entries(parts, head, buf.subarray(0, nl));
      buf = buf.subarray(nl + 1);
    }
    while (buf.length >= MAX_ENTRY_BYTES) {
      parts.push(head, PARTIAL, buf.subarray(0, MAX_ENTRY_BYTES), NEWLINE);
      buf = buf.subarray(MAX_ENTRY_BYTES);
    }
    this.#pending[stream] = Buffer.from(buf);
    if (parts.length) this.#out.write(Buffer.concat(parts));
    return !this.#out.writableNeedDrain;
  }

  drained(): Promise<void> {
    if (!this.#out.writableNeedDrain || this.#out.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#out.off("drain", done);
        this.#out.off("close", done);
        resolve();
      };
      this.#out.on("drain", done);
      this.#out.on("close", done);
    });
  }

  /** Writes what is left without a newline (as P entries, so the raw text stays exact) and closes the file. */
  async close(): Promise<void> {
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.#pending[stream];
      if (rest.length) this.#out.write(Buffer.concat([Buffer.from(`${formatRfc3339Nano(this.#clock())} ${stream} `), PARTIAL, rest, NEWLINE]));
      this.#pending[stream] = Buffer.alloc(0);
    }
    await new Promise<void>((resolve) => this.#out.end(() => resolve()));
  }

  /** One line as F, after P entries for each full MAX_ENTRY_BYTES piece of it. */
  #entries(parts: Buffer[], head: Buffer, line: Buffer): void {
    let rest = line;
    while (rest.length > MAX_ENTRY_BYTES) {
      parts.push(head, PARTIAL, rest.subarray(0, MAX_ENTRY_BYTES), NEWLINE);
      rest = rest.subarray(MAX_ENTRY_BYTES);
    }
    parts.push(head, FULL, rest, NEWLINE);
  }
}

const FULL = Buffer.from("F ");
const PARTIAL = Buffer.from("P ");
const NEWLINE = Buffer.from("\n");

export interface ReadLogsOptions {
  /** Only the last N entries (lines) before following. */
  tailLines?: number;
  /** Keep streaming new entries until `exited` settles or the signal aborts. */
  follow?: boolean;
  /** Prefix each entry with its RFC3339Nano timestamp and a space. */
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  /** Only entries at or after this time. */
  sinceTime?: Date;
  /** Only entries of the last N seconds (relative to the call). */
  sinceSeconds?: number;
  /** Settles when the container has exited: a follower drains the file once more and ends. */
  exited?: Promise<unknown>;
  /** Poll interval while following (default 100 ms). */
  pollMs?: number;
}

/** The log as served by pods/log: raw text (or timestamped lines) as a byte stream. */
export function readLogs(path: string, opts: ReadLogsOptions, signal: AbortSignal): Readable {
  return Readable.from(generateLogs(path, opts, signal), { objectMode: false });
}

async function* generateLogs(path: string, opts: ReadLogsOptions, signal: AbortSignal): AsyncGenerator<Buffer> {
  const since =
    opts.sinceTime !== undefined
      ? dateToRfc3339Nano(opts.sinceTime)
      : opts.sinceSeconds !== undefined
        ? dateToRfc3339Nano(new Date(Date.now() - opts.sinceSeconds * 1000))
        : undefined;
  let left = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  let exited = false;
  void opts.exited?.then(
    () => (exited = true),
    () => (exited = true),
  );
  const render = (entries: LogEntry[]): Buffer => {
    const parts: Buffer[] = [];
    for (const e of entries) {
      if (since !== undefined && e.time < since) continue;
      if (opts.timestamps) parts.push(Buffer.from(`${e.time} `));
      parts.push(e.content);
      if (!e.partial) parts.push(NEWLINE);
    }
    const out = Buffer.concat(parts);
    const taken = out.length > left ? out.subarray(0, left) : out;
    left -= taken.length;
    return taken;
  };

  const file = new LogFileCursor(path);
  try {
    // What is there already: streamed as it is read, or cut to the tail first.
    const tail = opts.tailLines;
    let backlog: LogEntry[] = [];
    for (let batch = await file.readEntries(); batch.length > 0; batch = await file.readEntries()) {
      if (tail === undefined) {
        const out = render(batch);
        if (out.length) yield out;
        if (left <= 0 || signal.aborted) return;
        continue;
      }
      backlog.push(...batch.filter((e) => since === undefined || e.time >= since));
      if (backlog.length > tail) backlog = tail === 0 ? [] : backlog.slice(-tail);
    }
    if (backlog.length) {
      const out = render(backlog);
      if (out.length) yield out;
    }
    if (!opts.follow) return;

    for (;;) {
      if (left <= 0 || signal.aborted) return;
      const last = exited; // read once more after the exit was seen: the writer is flushed by then
      for (let batch = await file.readEntries(); batch.length > 0; batch = await file.readEntries()) {
        const out = render(batch);
        if (out.length) yield out;
        if (left <= 0 || signal.aborted) return;
      }
      if (last) return;
      await pause(opts.pollMs ?? 100, signal, opts.exited);
    }
  } finally {
    await file.close();
  }
}

/** Reads complete lines from a growing file, remembering where it stopped. */
class LogFileCursor {
  readonly #path: string;
  #fh: Awaited<ReturnType<typeof open>> | undefined;
  #pos = 0;
  #rest = Buffer.alloc(0);

  constructor(path: string) {
    this.#path = path;
  }

  /** The next batch of complete entries (up to ~256 KiB of file), [] at the current end of the file. */
  async readEntries(): Promise<LogEntry[]> {
    if (!this.#fh) {
      try {
        this.#fh = await open(this.#path, "r");
      } catch {
        return []; // not created yet
      }
    }
    const buf = Buffer.allocUnsafe(256 * 1024);
    const { bytesRead } = await this.#fh.read(buf, 0, buf.length, this.#pos);
    if (bytesRead === 0) return [];
    this.#pos += bytesRead;
    let data = Buffer.concat([this.#rest, buf.subarray(0, bytesRead)]);
    const entries: LogEntry[] = [];
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a)) {
      const e = parseLogLine(data.subarray(0, nl));
      if (e) entries.push(e); // slices of `data`, a fresh buffer per read
      data = data.subarray(nl + 1);
    }
    this.#rest = Buffer.from(data);
    if (entries.length === 0) return this.readEntries(); // a long line spread over reads
    return entries;
  }

  async close(): Promise<void> {
    await this.#fh?.close();
    this.#fh = undefined;
  }
}

function pause(ms: number, signal: AbortSignal, wake?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    void wake?.then(done, done);
  });
}

/** pods/log query options (core/v1 PodLogOptions), validated like the API server does. */
export interface PodLogQuery {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  sinceTime?: Date;
}

export function parsePodLogQuery(params: URLSearchParams): PodLogQuery {
  const bool = (name: string): boolean => {
    const v = params.get(name);
    if (v === null || v === "" || v === "false" || v === "0") return false;
    if (v === "true" || v === "1") return true;
    throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be true or false`);
  };
  const int = (name: string, min: number): number | undefined => {
    const v = params.get(name);
    if (v === null || v === "") return undefined;
    if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
    const n = Number(v);
    if (n < min) throw invalidLogOption(name, n, `must be greater than ${min === 0 ? "or equal to 0" : "0"}`);
    return n;
  };
  const q: PodLogQuery = {
    follow: bool("follow"),
    previous: bool("previous"),
    timestamps: bool("timestamps"),
  };
  const container = params.get("container");
  if (container) q.container = container;
  const tailLines = int("tailLines", 0);
  if (tailLines !== undefined) q.tailLines = tailLines;
  const limitBytes = int("limitBytes", 1);
  if (limitBytes !== undefined) q.limitBytes = limitBytes;
  const sinceSeconds = int("sinceSeconds", 1);
  if (sinceSeconds !== undefined) q.sinceSeconds = sinceSeconds;
  const sinceTime = params.get("sinceTime");
  if (sinceTime) {
    const d = new Date(sinceTime);
    if (Number.isNaN(d.getTime()) || !/^\d{4}-\d\d-\d\dT/.test(sinceTime))
      throw errors.badRequest(`invalid value for sinceTime: ${JSON.stringify(sinceTime)}: must be an RFC3339 time`);
    q.sinceTime = d;
  }
  if (q.sinceSeconds !== undefined && q.sinceTime !== undefined)
    throw new ApiError(422, "Invalid", `PodLogOptions "" is invalid: []: Forbidden: at most one of \`sinceTime\` or \`sinceSeconds\` may be specified`, {
      kind: "PodLogOptions",
      causes: [{ reason: "FieldValueForbidden", message: "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified", field: "" }],
    });
  return q;
}

function invalidLogOption(field: string, value: number, why: string): ApiError {
  const message = `Invalid value: ${value}: ${why}`;
  return new ApiError(422, "Invalid", `PodLogOptions "" is invalid: ${field}: ${message}`, {
    kind: "PodLogOptions",
    causes: [{ reason: "FieldValueInvalid", message, field }],
  });
}
