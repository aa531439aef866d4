// `rafdir events [--dir DIR] [--follow]`: prints the sandbox event log (<dir>/events.jsonl) readably — one line per
// event with what happened to it; with --follow, every record as it arrives until Ctrl-C.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { formatRecord, summarize } from "../sandbox/eventing/eventlog-format.ts";
import { eventLogPath, parseRecords } from "../sandbox/eventing/eventlog.ts";

export interface EventsIo {
  out?: (text: string) => void;
  /** Stops --follow (default: SIGINT/SIGTERM). */
  signal?: AbortSignal;
  pollMs?: number;
}

export async function eventsCommand(dir: string, follow: boolean, io: EventsIo = {}): Promise<number> {
  const out = io.out ?? ((t: string) => void process.stdout.write(t));
  const file = eventLogPath(resolve(dir));
  if (!follow) {
    if (!existsSync(file)) {
      out(`no events yet (${file} does not exist; is the sandbox running with eventing?)\n`);
      return 0;
    }
    const { records, bad } = parseRecords(readFileSync(file, "utf8"));
    for (const line of summarize(records)) out(`${line}\n`);
    if (bad.length > 0) out(`(${bad.length} unreadable line${bad.length === 1 ? "" : "s"} skipped)\n`);
    return 0;
  }
  return tail(file, out, io);
}

async function tail(file: string, out: (text: string) => void, io: EventsIo): Promise<number> {
  const signal = io.signal ?? onSignals();
  let offset = 0;
  let partial = "";
  let announced = false;
  while (!signal.aborted) {
    if (existsSync(file)) {
      const size = statSync(file).size;
      if (size < offset) offset = 0; // truncated or replaced: start over
      if (size > offset) {
        const buf = Buffer.alloc(size - offset);
        const fd = openSync(file, "r");
        try {
          readSync(fd, buf, 0, buf.length, offset);
        } finally {
          closeSync(fd);
        }
        offset = size;
        const text = partial + buf.toString("utf8");
        const cut = text.lastIndexOf("\n");
        partial = text.slice(cut + 1);
        const { records, bad } = parseRecords(text.slice(0, cut + 1));
        for (const r of records) out(`${formatRecord(r)}\n`);
        for (const b of bad) out(`(unreadable) ${b}\n`);
      }
    } else if (!announced) {
      out(`waiting for ${file} ...\n`);
      announced = true;
    }
    await new Promise<void>((r) => {
      const wake = () => {
        clearTimeout(t);
        signal.removeEventListener("abort", wake);
        r();
      };
      const t = setTimeout(wake, io.pollMs ?? 250);
      signal.addEventListener("abort", wake, { once: true });
    });
  }
  return 0;
}

function onSignals(): AbortSignal {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return ac.signal;
}
