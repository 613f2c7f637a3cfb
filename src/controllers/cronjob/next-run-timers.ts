// One wheel timer per CronJob for its next run. Every sync recomputes the
// next run from the API's state and moves the CronJob's timer there, so
// frequent syncs (Job events) don't pile up timers for the same moment.
// The map only caches timer handles; losing it loses nothing, since the next
// sync plans again.
import type { WorkQueue } from '../../client/work-queue.js';
import type { TimerHandle, TimingWheel } from '../../time/timing-wheel.js';

export class NextRunTimers {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(
    private readonly wheel: TimingWheel,
    private readonly queue: WorkQueue,
  ) {}

  /**
   * Queues `key` at wall time `atWallMs`, replacing its previous plan. The
   * delay is taken from the clock now: time may have moved while the sync
   * that computed `atWallMs` waited on the API.
   */
  schedule(key: string, atWallMs: number): void {
    const delayMs = atWallMs - this.wheel.clock.wallMs();
    if (delayMs <= 0) {
      // Already due (the sync outlasted the wait): a wheel timer would only fire at the next tick.
      this.cancel(key);
      this.queue.add(key);
      return;
    }
    const existing = this.timers.get(key);
    if (existing !== undefined && this.wheel.reschedule(existing, delayMs)) return;
    const handle = this.wheel.schedule(delayMs, (_arg, fired) => {
      if (this.timers.get(key) === fired) this.timers.delete(key);
      this.queue.add(key);
    });
    this.timers.set(key, handle);
  }

  cancel(key: string): void {
    const handle = this.timers.get(key);
    if (handle !== undefined) this.wheel.cancel(handle);
    this.timers.delete(key);
  }

  cancelAll(): void {
    for (const key of [...this.timers.keys()]) this.cancel(key);
  }
}
