// A controller skeleton: store subscriptions feed a keyed WorkQueue, plus a periodic resync of every key.
import type { Api } from "../apiserver/api.ts";
import { every, WorkQueue, type Controller, type ControllerContext } from "./framework.ts";

export abstract class QueuedController implements Controller {
  protected readonly api: Api;
  protected readonly queue: WorkQueue;
  private stops: Array<() => void> = [];

  constructor(
    readonly name: string,
    protected readonly ctx: ControllerContext,
    private readonly resyncMs: number,
  ) {
    this.api = ctx.api;
    this.queue = new WorkQueue(name, (key) => this.reconcile(key), ctx.log);
  }

  start(): void {
    this.stops.push(...this.subscribe());
    this.stops.push(every(this.resyncMs, () => this.resync()));
    this.resync();
  }

  async stop(): Promise<void> {
    for (const stop of this.stops) stop();
    this.stops = [];
    await this.queue.stop();
  }

  /** Store subscriptions that enqueue keys; returns the unsubscribers. */
  protected abstract subscribe(): Array<() => void>;
  /** Enqueues every key the controller is responsible for. */
  protected abstract resync(): void;
  protected abstract reconcile(key: string): void;
}
