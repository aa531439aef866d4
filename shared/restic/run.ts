// The one effect of shared/restic: run a command (restic, resticprofile) to its end and keep the tail of its output.
// The environment carries the secrets (RESTIC_PASSWORD, AWS_*): it is never logged nor returned, and secret
// values that show up in the output are masked before the output leaves this function.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { Readable } from "node:stream";

export interface RunOptions {
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Piped to the child's stdin; without it the child reads /dev/null. */
  stdin?: Readable;
  /**
   * Aborting interrupts the child's process group (SIGINT, as Ctrl-C would: restic then saves no snapshot),
   * closes its stdin after `stdinCloseMs` (restic waits for EOF before it acts on the signal), and SIGKILLs the
   * group after `killAfterMs`.
   */
  signal?: AbortSignal;
  /** Per stream; the tail is kept (restic's summary and exit_error come last). Default 256 KiB. */
  maxOutputBytes?: number;
  stdinCloseMs?: number;
  killAfterMs?: number;
}

export interface RunResult {
  /** The exit code; 128+n for a signal; 127 when the command could not be started. */
  code: number;
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  /** Some output was dropped (only the tail is kept). */
  truncated: boolean;
  /** Why the command did not start or run (spawn error). */
  error?: string;
  durationMs: number;
}

type Ending = Pick<RunResult, "code" | "signal" | "error">;

const SECRET_NAME = /PASS|SECRET|TOKEN|CREDENTIAL|(^|_)KEY($|_)/i;

export function runCommand(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const [command, ...args] = argv;
  const started = Date.now();
  const max = opts.maxOutputBytes ?? 256 * 1024;
  const finish = (r: Ending, out: Tail, err: Tail): RunResult => ({
    ...r,
    stdout: maskSecrets(out.text(), opts.env),
    stderr: maskSecrets(err.text(), opts.env),
    truncated: out.truncated || err.truncated,
    durationMs: Date.now() - started,
  });
  if (command === undefined) return Promise.reject(new Error("runCommand: empty argv"));
  if (opts.signal?.aborted) return Promise.resolve(finish({ code: 130, error: "aborted before start" }, new Tail(0), new Tail(0)));

  return new Promise((resolve) => {
    const out = new Tail(max);
    const err = new Tail(max);
    const child = spawn(command, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: [opts.stdin ? "pipe" : "ignore", "pipe", "pipe"],
      detached: true, // its own process group: an abort reaches resticprofile and the restic it started
    });
    child.stdout?.on("data", (c: Buffer) => out.push(c));
    child.stderr?.on("data", (c: Buffer) => err.push(c));
    if (opts.stdin && child.stdin) {
      child.stdin.on("error", () => {}); // EPIPE when the child stops reading
      opts.stdin.pipe(child.stdin);
    }

    const timers: NodeJS.Timeout[] = [];
    const group = (sig: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = () => {
      group("SIGINT");
      timers.push(
        setTimeout(() => {
          if (opts.stdin && child.stdin) opts.stdin.unpipe(child.stdin);
          child.stdin?.destroy();
        }, opts.stdinCloseMs ?? 300),
        setTimeout(() => group("SIGKILL"), opts.killAfterMs ?? 30_000),
      );
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    let settled = false;
    const settle = (r: Ending) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      opts.signal?.removeEventListener("abort", onAbort);
      if (opts.stdin && child.stdin) opts.stdin.unpipe(child.stdin);
      resolve(finish(r, out, err));
    };
    child.once("error", (e) => settle({ code: 127, error: e.message }));
    child.once("close", (code, signal) => {
      if (signal) settle({ code: 128 + (constants.signals[signal] ?? 0), signal });
      else settle({ code: code ?? 1 });
    });
  });
}

/** Replaces the values of secret-looking environment variables (≥ 4 characters) in `text`. */
export function maskSecrets(text: string, env: NodeJS.ProcessEnv): string {
  let masked = text;
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < 4 || !SECRET_NAME.test(name)) continue;
    masked = masked.split(value).join("[redacted]");
  }
  return masked;
}

/** The last `max` bytes of a stream. */
class Tail {
  readonly #max: number;
  #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;

  constructor(max: number) {
    this.#max = max;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.#max && this.#chunks.length > 0) {
      const first = this.#chunks[0] as Buffer;
      const excess = this.#size - this.#max;
      this.truncated = true;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#size -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#size -= excess;
      }
    }
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }
}
