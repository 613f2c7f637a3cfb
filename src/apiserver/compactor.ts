// Periodic compaction of store history, as kube-apiserver's compactor does:
// every interval, compact up to the revision seen one interval earlier, so
// watchers get at least one interval of history to resume from and the
// store doesn't grow without bound.
import type { Store } from '../store/types.js';
import type { TimingWheel } from '../time/timing-wheel.js';

export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60 * 1000;

export class Compactor {
  private previousRevision = 0;
  private handle: number | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly wheel: TimingWheel,
    private readonly intervalMs = DEFAULT_COMPACTION_INTERVAL_MS,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.wheel.cancel(this.handle);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.handle = this.wheel.schedule(this.intervalMs, () => void this.tick());
  }

  /** One round: compact to last round's revision, remember this round's. */
  async tick(): Promise<void> {
    try {
      const current = await this.store.currentRevision();
      if (this.previousRevision > 0 && this.previousRevision > (await this.store.compactedRevision())) {
        await this.store.compact(this.previousRevision);
      }
      this.previousRevision = current;
    } catch (err) {
      this.onError(err);
    } finally {
      this.schedule();
    }
  }
}
