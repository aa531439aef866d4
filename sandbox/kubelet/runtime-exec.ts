// A process started in a running container with nsenter (exec), and the stream plumbing shared with the
// container's own process: progress on fd 3, output held back until the command is really running.

import { spawn, type ChildProcess } from "node:child_process";
import { PassThrough, Writable, type Readable } from "node:stream";
import { childrenOf, signalExitCode, trySignal } from "./runtime-procs.ts";

export interface ExecResult {
  exitCode: number;
  signal?: string;
  /** Set when the command could not be started (missing executable, container gone, ...). */
  error?: string;
}

export interface ExecProcess {
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  stdin: NodeJS.WritableStream;
  exited: Promise<ExecResult>;
  kill(): void;
  /** Terminal size change (tty sessions only; ignored otherwise). */
  resize?(cols: number, rows: number): void;
}

/** Everything a readable stream yields until it ends (or errors). */
export function readAll(stream: NodeJS.ReadableStream | null | undefined): Promise<Buffer> {
  if (!stream) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    const done = () => resolve(Buffer.concat(chunks));
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", done);
  });
}

/** Reads a stream to its end, and also reports its first line as soon as it arrives. */
export function firstLineAndRest(stream: NodeJS.ReadableStream | null | undefined): { firstLine: Promise<string | undefined>; all: Promise<string> } {
  let seen = "";
  let gotLine: (l: string | undefined) => void = () => {};
  const firstLine = new Promise<string | undefined>((r) => (gotLine = r));
  const all = readAll(
    stream?.on("data", (c: Buffer | string) => {
      seen += c.toString();
      const nl = seen.indexOf("\n");
      if (nl >= 0) gotLine(seen.slice(0, nl));
    }),
  ).then((b) => {
    gotLine(undefined);
    return b.toString();
  });
  return { firstLine, all };
}

/** Result of the fd-3 progress channel: "ok", or why the command did not start. */
export interface Progress {
  ns?: string;
  ok: boolean;
  kind?: "err" | "notfound";
  message?: string;
}

export function parseProgress(text: string): Progress {
  const p: Progress = { ok: false };
  let rest = text;
  const ns = /^ns (\S+)\n/.exec(rest);
  if (ns) {
    p.ns = ns[1];
    rest = rest.slice(ns[0].length);
  }
  if (rest.startsWith("ok")) p.ok = true;
  else {
    const m = /^(err|notfound) ([\s\S]*)$/.exec(rest);
    if (m) {
      p.kind = m[1] as "err" | "notfound";
      p.message = (m[2] ?? "").trim();
    }
  }
  return p;
}

/** Resolves when the child has exited and its output pipes are drained (or after `drainMs` more). */
export function childDone(
  child: ChildProcess,
  drainMs = 2000,
): { exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; closed: Promise<void> } {
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: child.exitCode ?? 128, signal: null }));
  });
  const closed = new Promise<void>((resolve) => {
    child.once("close", () => resolve());
    void exit.then(() => {
      const t = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve();
      }, drainMs);
      t.unref();
    });
  });
  return { exit, closed };
}

export function exitResult(code: number | null, signal: NodeJS.Signals | null): ExecResult {
  if (signal) return { exitCode: signalExitCode(signal), signal };
  return { exitCode: code ?? 0 };
}

/** An ExecProcess that never ran. */
export function failedExec(error: string, exitCode = 126): ExecProcess {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.end();
  stderr.end();
  return {
    stdout,
    stderr,
    stdin: new Writable({ write: (_c, _e, cb) => cb() }),
    exited: Promise.resolve({ exitCode, error }),
    kill: () => {},
  };
}

/**
 * Wraps a spawned `nsenter … sh -c <execScript>` child. Its stdout/stderr are only connected once fd 3 said
 * "ok", so failures of nsenter or the executable check become `error` instead of output.
 */
export class ExecSession implements ExecProcess {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin: NodeJS.WritableStream;
  readonly exited: Promise<ExecResult>;
  readonly #child: ChildProcess;
  readonly #tty: boolean;

  constructor(child: ChildProcess, opts: { stdin?: NodeJS.ReadableStream | null; tty?: boolean }) {
    this.#child = child;
    this.#tty = opts.tty ?? false;
    const stdin = child.stdin;
    if (!stdin) throw new Error("exec child has no stdin pipe");
    stdin.on("error", () => {}); // EPIPE when the command does not read its input
    this.stdin = stdin;
    if (opts.stdin) opts.stdin.pipe(stdin);
    const { exit, closed } = childDone(child);
    this.exited = (async () => {
      const progress = parseProgress((await readAll(child.stdio[3] as Readable | null)).toString());
      if (!progress.ok) {
        const [stderrText] = await Promise.all([readAll(child.stderr), readAll(child.stdout)]);
        const { code, signal } = await exit;
        this.stdout.end();
        this.stderr.end();
        const why = progress.message ?? (stderrText.toString().trim() || `exec failed (${signal ?? `exit code ${code}`})`);
        return { exitCode: progress.kind === "notfound" ? 127 : code || 126, error: why };
      }
      child.stdout?.pipe(this.stdout);
      child.stderr?.pipe(this.stderr);
      const { code, signal } = await exit;
      await closed;
      if (!this.stdout.writableEnded) this.stdout.end();
      if (!this.stderr.writableEnded) this.stderr.end();
      return exitResult(code, signal);
    })();
  }

  kill(): void {
    const pid = this.#child.pid;
    if (pid === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    trySignal(-pid, "SIGKILL");
  }

  resize(cols: number, rows: number): void {
    if (!this.#tty) return;
    void this.#resize(cols, rows);
  }

  async #resize(cols: number, rows: number): Promise<void> {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    // The exec'd process is `script`, holding the pty master; its child sits on the pty slave.
    for (let attempt = 0; attempt < 40; attempt++) {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
      const [child] = await childrenOf(pid);
      if (child !== undefined) {
        const stty = spawn("stty", ["-F", `/proc/${child}/fd/0`, "cols", String(cols), "rows", String(rows)], { stdio: "ignore" });
        const ok = await new Promise<boolean>((r) => {
          stty.once("exit", (c) => r(c === 0));
          stty.once("error", () => r(false));
        });
        if (ok) return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
