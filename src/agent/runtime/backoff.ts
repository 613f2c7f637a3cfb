// Kubernetes' crash-loop and image-pull back-off: the delay starts at 10 s
// and doubles with each failure up to 5 min; an entry that has been quiet
// for twice the cap (kubelet: a container that ran 10 min) starts over.
export interface BackOffOptions {
  initialMs: number;
  maxMs: number;
  /** Quiet time after which an entry is forgotten. Default 2 × maxMs. */
  resetAfterMs?: number;
}

export const CRASH_LOOP_BACKOFF: BackOffOptions = { initialMs: 10_000, maxMs: 300_000 };
export const IMAGE_PULL_BACKOFF: BackOffOptions = { initialMs: 10_000, maxMs: 300_000 };

interface Entry {
  delayMs: number;
  /** When the entry last failed (monotonic ms). */
  lastFailureMs: number;
}

export class BackOff {
  private readonly entries = new Map<string, Entry>();
  private readonly resetAfterMs: number;

  constructor(
    private readonly opts: BackOffOptions,
    private readonly nowMs: () => number,
  ) {
    this.resetAfterMs = opts.resetAfterMs ?? 2 * opts.maxMs;
  }

  /** Records a failure and returns the delay before the next attempt. */
  next(key: string): number {
    const now = this.nowMs();
    const entry = this.entries.get(key);
    if (!entry || now - entry.lastFailureMs > this.resetAfterMs) {
      this.entries.set(key, { delayMs: this.opts.initialMs, lastFailureMs: now });
      return this.opts.initialMs;
    }
    entry.delayMs = Math.min(this.opts.maxMs, entry.delayMs * 2);
    entry.lastFailureMs = now;
    return entry.delayMs;
  }

  /** Milliseconds left before `key` may be tried again (0 = now). */
  remainingMs(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    return Math.max(0, entry.lastFailureMs + entry.delayMs - this.nowMs());
  }

  /** Whether `key` is inside its back-off window. */
  isBackingOff(key: string): boolean {
    return this.remainingMs(key) > 0;
  }

  /**
   * A container that ran long enough (kubelet: 10 min) without failing gets
   * a fresh start, as if it had never crashed.
   */
  resetIfRanFor(key: string, ranMs: number): void {
    if (ranMs >= this.resetAfterMs) this.entries.delete(key);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
