// One stream into several: the dump command runs once and each repository's restic reads the same bytes. The
// slowest reader sets the pace (a write completes when every live target took it); a target whose restic has
// exited is dropped and no longer waited for. When no target is left, `onEmpty` fires (stop the command).
import { PassThrough, Writable } from "node:stream";

export class Tee extends Writable {
  /** Bytes received so far. */
  bytes = 0;
  readonly #targets: Set<PassThrough>;
  readonly #waiting = new Map<PassThrough, () => void>();
  readonly #onEmpty: () => void;

  constructor(targets: readonly PassThrough[], onEmpty: () => void = () => {}) {
    super();
    this.#targets = new Set(targets);
    this.#onEmpty = onEmpty;
  }

  get live(): number {
    return this.#targets.size;
  }

  /** Stops feeding `target` (its reader is gone) and releases a write waiting for it. */
  drop(target: PassThrough): void {
    if (!this.#targets.delete(target)) return;
    this.#release(target);
    target.destroy();
    if (this.#targets.size === 0) this.#onEmpty();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    const full = [...this.#targets].filter((t) => !t.write(chunk));
    let pending = full.length;
    if (pending === 0) return callback();
    const done = () => {
      if (--pending === 0) callback();
    };
    for (const t of full) {
      const release = () => {
        this.#waiting.delete(t);
        t.off("drain", release);
        done();
      };
      this.#waiting.set(t, release);
      t.once("drain", release);
    }
  }

  #release(target: PassThrough): void {
    this.#waiting.get(target)?.();
  }
}

/**
 * A pipe into one reader (restic's stdin, a file), with room for a few MiB so short stalls do not pause the command.
 * Its errors (a write racing the reader's end) are ignored here: the reader's own result tells what happened.
 */
export function newTarget(): PassThrough {
  const t = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  t.on("error", () => {});
  return t;
}
