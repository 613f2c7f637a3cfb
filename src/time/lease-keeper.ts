// Keeps a lease alive and reports its health as a state machine:
//
//   healthy ──(2 consecutive failed renewals)──▶ degraded ──(renewal succeeds)──▶ healthy
//      │                                            │
//      └──────(validity runs out, or the server says the lease is gone)──────▶ failed (final)
//
// The keeper knows nothing about what a lease is: it calls `renew()` and asks
// `classify()` what a failure means. A store lease, a node heartbeat (a
// coordination.k8s.io Lease's renewTime) and leadership all fit.
//
// Validity is counted from the moment a successful renewal was *sent*, not
// from its answer: the server may have applied it as early as that, and every
// observer measures its own timeout from when it saw the write, which is later.
// So the keeper's idea of "still valid" is never more generous than theirs.
//
// Every timer is on the timing wheel, so tests drive the keeper with a
// ManualClock.

import type { TimerHandle, TimingWheel } from './timing-wheel.js';

export type LeaseHealth = 'healthy' | 'degraded' | 'failed';

/**
 * What a failed renewal means:
 * - unreachable: the server could not be asked (refused, reset, timed out) — retry;
 * - conflict: a concurrent write got in the way (HTTP 409) — retry;
 * - gone: the server says the lease does not exist, expired, or is someone else's — give up now.
 */
export type RenewFailureKind = 'unreachable' | 'conflict' | 'gone';

export interface HealthChange {
  health: LeaseHealth;
  previous: LeaseHealth;
  /** For degraded and failed: why. `expired` means validity ran out before a renewal succeeded. */
  cause?: RenewFailureKind | 'expired';
  /** The renewal error behind the change, if one was. */
  error?: unknown;
}

export interface RenewResult {
  /** Overrides validForMs for this renewal (e.g. the TTL a server granted). */
  validForMs?: number;
}

export interface LeaseKeeperOptions {
  wheel: TimingWheel;
  /**
   * Renews the lease once. Resolve on success, reject with an error `classify`
   * understands. `signal` aborts when the keeper stops waiting for this attempt.
   */
  renew: (signal: AbortSignal) => Promise<RenewResult | void>;
  classify: (error: unknown) => RenewFailureKind;
  /** How long the lease stays valid after a renewal, counted from when it was sent. */
  validForMs: number;
  /** The pause after a successful renewal before the next one. */
  renewIntervalMs: number;
  /** Monotonic time (the wheel's clock) from which the lease is already valid, e.g. when it was acquired. Default: now. */
  validFromMs?: number;
  /** An attempt that has not settled after this long counts as unreachable. Default: renewIntervalMs. */
  attemptTimeoutMs?: number;
  /** Consecutive failures that make the lease degraded. Default 2. */
  failuresBeforeDegraded?: number;
  /** Retry backoff after a failure: initialMs doubling up to maxMs, plus up to 20% jitter. Default 100 ms to 5 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** [0, 1) source for jitter; tests pin it. */
  random?: () => number;
  /** Told of every change of health, synchronously. Failed is the last call. */
  onHealthChange?: (change: HealthChange) => void;
}

const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 5_000 };
const JITTER = 0.2;

export class LeaseRenewTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`lease renewal did not complete within ${timeoutMs} ms`);
    this.name = 'LeaseRenewTimeoutError';
  }
}

export class LeaseKeeper {
  private currentHealth: LeaseHealth = 'healthy';
  private validUntil: number;
  private failures = 0;
  private stopped = false;
  private started = false;
  private nextRenewal: TimerHandle | undefined;
  private readonly expiry: TimerHandle;
  /** The attempt in flight; a settlement from any other attempt is stale and ignored. */
  private attempt: { controller: AbortController; timeout: TimerHandle } | undefined;
  private readonly wheel: TimingWheel;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.wheel = options.wheel;
    const now = this.wheel.clock.nowMs();
    this.validUntil = (options.validFromMs ?? now) + options.validForMs;
    // Armed even before start(): validity runs out whether or not anyone renews.
    this.expiry = this.wheel.schedule(Math.max(0, this.validUntil - now), () => this.fail('expired'));
  }

  get health(): LeaseHealth {
    return this.currentHealth;
  }

  /** Monotonic time (the wheel's clock) at which the lease stops being valid unless renewed. */
  get validUntilMs(): number {
    return this.validUntil;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * Whether the lease can still be relied on, checked against the clock itself
   * rather than the expiry timer, so a process that was paused past its
   * deadline does not trust the lease for the moment before that timer runs.
   */
  isValid(): boolean {
    return this.currentHealth !== 'failed' && !this.stopped && this.wheel.clock.nowMs() < this.validUntil;
  }

  /** Starts renewing: the first renewal follows renewIntervalMs after now. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.scheduleRenewal(this.options.renewIntervalMs);
  }

  /** Stops renewing and cancels any attempt in flight. No callback follows. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
  }

  private scheduleRenewal(delayMs: number): void {
    if (this.nextRenewal !== undefined) this.wheel.cancel(this.nextRenewal);
    this.nextRenewal = this.wheel.schedule(delayMs, () => {
      this.nextRenewal = undefined;
      this.renewOnce();
    });
  }

  private renewOnce(): void {
    if (this.isFinished()) return;
    const sentAt = this.wheel.clock.nowMs();
    const controller = new AbortController();
    const timeoutMs = this.options.attemptTimeoutMs ?? this.options.renewIntervalMs;
    const timeout = this.wheel.schedule(timeoutMs, () => {
      if (this.attempt?.controller !== controller) return;
      this.onFailure(new LeaseRenewTimeoutError(timeoutMs), 'unreachable');
    });
    this.attempt = { controller, timeout };
    let renewal: Promise<RenewResult | void>;
    try {
      renewal = this.options.renew(controller.signal);
    } catch (error) {
      renewal = Promise.reject(error);
    }
    renewal.then(
      (result) => {
        if (this.attempt?.controller === controller) this.onSuccess(sentAt, result);
      },
      (error: unknown) => {
        if (this.attempt?.controller === controller) this.onFailure(error, this.classify(error));
      },
    );
  }

  private onSuccess(sentAt: number, result: RenewResult | void): void {
    this.endAttempt(false);
    if (this.isFinished()) return;
    const validUntil = sentAt + (result?.validForMs ?? this.options.validForMs);
    if (validUntil > this.validUntil) {
      this.validUntil = validUntil;
      this.wheel.reschedule(this.expiry, validUntil - this.wheel.clock.nowMs());
    }
    this.failures = 0;
    this.setHealth({ health: 'healthy', previous: this.currentHealth });
    this.scheduleRenewal(this.options.renewIntervalMs);
  }

  private onFailure(error: unknown, kind: RenewFailureKind): void {
    this.endAttempt(true);
    if (this.isFinished()) return;
    if (kind === 'gone') {
      this.fail('gone', error);
      return;
    }
    this.failures++;
    if (this.failures >= (this.options.failuresBeforeDegraded ?? 2)) {
      this.setHealth({ health: 'degraded', previous: this.currentHealth, cause: kind, error });
    }
    // Retrying past the deadline is pointless; the expiry timer fails the lease first.
    this.scheduleRenewal(this.retryDelayMs());
  }

  /** Exponential backoff with jitter: the nth consecutive failure waits initial * 2^(n-1) (+ up to 20%), capped. */
  private retryDelayMs(): number {
    const { initialMs, maxMs } = this.options.backoff ?? DEFAULT_BACKOFF;
    const base = initialMs * 2 ** Math.min(this.failures - 1, 30);
    const jitter = 1 + JITTER * (this.options.random ?? Math.random)();
    return Math.min(maxMs, base * jitter);
  }

  private fail(cause: 'expired' | 'gone', error?: unknown): void {
    if (this.isFinished()) return;
    this.clearTimers();
    const change: HealthChange = { health: 'failed', previous: this.currentHealth, cause };
    if (error !== undefined) change.error = error;
    this.setHealth(change);
  }

  private setHealth(change: HealthChange): void {
    if (change.health === this.currentHealth) return;
    this.currentHealth = change.health;
    this.options.onHealthChange?.(change);
  }

  private classify(error: unknown): RenewFailureKind {
    try {
      return this.options.classify(error);
    } catch {
      // A classifier that cannot tell is no reason to give up a lease that may still be ours.
      return 'unreachable';
    }
  }

  private endAttempt(abort: boolean): void {
    const attempt = this.attempt;
    if (!attempt) return;
    this.attempt = undefined;
    this.wheel.cancel(attempt.timeout);
    if (abort) attempt.controller.abort();
  }

  private clearTimers(): void {
    this.endAttempt(true);
    if (this.nextRenewal !== undefined) this.wheel.cancel(this.nextRenewal);
    this.nextRenewal = undefined;
    this.wheel.cancel(this.expiry);
  }

  private isFinished(): boolean {
    return this.stopped || this.currentHealth === 'failed';
  }
}
