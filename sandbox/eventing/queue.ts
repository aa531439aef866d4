// A small in-memory work queue: runs up to `concurrency` tasks at a time, can tell when it is idle, and on stop
// reports what never started.

export class AsyncQueue<T> {
  private readonly pending: T[] = [];
  private running = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly run: (item: T) => Promise<void>,
    private readonly concurrency: number,
    private readonly onError: (err: unknown, item: T) => void,
  ) {}

  get size(): number {
    return this.pending.length + this.running;
  }

  push(item: T): void {
    if (this.stopped) return;
    this.pending.push(item);
    this.pump();
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; returns the items that never started. Running tasks finish (or abort) on their own. */
  stop(): T[] {
    this.stopped = true;
    const left = this.pending.splice(0);
    this.settle();
    return left;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.pending.length > 0) {
      const item = this.pending.shift() as T;
      this.running += 1;
      void this.run(item)
        .catch((err: unknown) => this.onError(err, item))
        .finally(() => {
          this.running -= 1;
          this.pump();
          this.settle();
        });
    }
  }

  private settle(): void {
    if (this.size > 0 && !this.stopped) return;
    if (this.running > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
