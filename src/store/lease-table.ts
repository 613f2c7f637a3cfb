// The live leases of one store: their TTLs, their expiry timers on the timing
// wheel, and which keys are attached to each.
//
// Deadlines are kept twice on purpose. The expiry timer runs on monotonic time
// (a wall-clock step must not expire a lease early), while the persisted
// deadline is wall time, the only time that means anything after a restart.
// The table decides nothing about keys: when a lease expires it calls
// `onExpire`, and the store deletes the keys and the lease in one transaction.

import { randomInt } from 'node:crypto';
import type { Clock } from '../time/clock.js';
import type { TimerHandle, TimingWheel } from '../time/timing-wheel.js';
import type { LeasedKey, PersistedLease } from './engine.js';
import type { LeaseGrant } from './types.js';

/** etcd's MaxLeaseTTL (about 285 years): beyond it a TTL is a mistake, not a wish. */
const MAX_TTL_SECONDS = 9_000_000_000;
/** Store-picked ids stay below 2^48 so they are exact integers everywhere, including SQLite and JSON. */
const ID_SPACE = 2 ** 48;

interface LiveLease {
  id: number;
  ttlSeconds: number;
  /** Monotonic (clock.nowMs) time of expiry. */
  expiresAtMs: number;
  timer: TimerHandle;
  keys: Set<string>;
}

/** What restoring persisted leases found: leases already expired, and keys whose lease is gone or expired. */
export interface RestoreOutcome {
  expiredLeases: number[];
  orphanedKeys: LeasedKey[];
}

export class LeaseTable {
  private readonly live = new Map<number, LiveLease>();
  /** One shared timer callback, the lease id as its argument (cheap on the wheel). */
  private readonly fireExpiry = (id: number): void => this.onExpire(id);

  constructor(
    private readonly wheel: TimingWheel,
    private readonly clock: Clock,
    /** Called from the wheel when a lease's TTL runs out; must end with remove(id). */
    private readonly onExpire: (id: number) => void,
  ) {}

  /**
   * Takes over persisted leases: a lease whose wall deadline has passed is
   * reported as expired, the others are scheduled for the time they have left.
   * Keys are attached to live leases; keys of expired or unknown leases are
   * reported for deletion.
   */
  restore(persisted: PersistedLease[], leasedKeys: LeasedKey[]): RestoreOutcome {
    const wallNow = this.clock.wallMs();
    const expiredLeases: number[] = [];
    for (const lease of persisted) {
      const remainingMs = lease.expiresAtWallMs - wallNow;
      if (remainingMs <= 0) expiredLeases.push(lease.id);
      else this.schedule(lease.id, lease.ttlSeconds, remainingMs);
    }
    const orphanedKeys: LeasedKey[] = [];
    for (const leased of leasedKeys) {
      const lease = this.live.get(leased.lease);
      if (lease) lease.keys.add(leased.key);
      else orphanedKeys.push(leased);
    }
    return { expiredLeases, orphanedKeys };
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  /** Starts a lease; the caller persists the returned record. */
  grant(ttlSeconds: number, requestedId: number): PersistedLease {
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > MAX_TTL_SECONDS) {
      throw new RangeError(`lease TTL must be a positive whole number of seconds, got ${ttlSeconds}`);
    }
    if (!Number.isSafeInteger(requestedId) || requestedId < 0) {
      throw new RangeError(`lease id must be a positive integer, got ${requestedId}`);
    }
    const id = requestedId || this.freshId();
    const lease = this.schedule(id, ttlSeconds, ttlSeconds * 1000);
    return this.persisted(lease);
  }

  /** Restarts the full TTL; the caller persists the returned record. Undefined if the lease is not live. */
  keepAlive(id: number): PersistedLease | undefined {
    const lease = this.live.get(id);
    if (!lease) return undefined;
    const ttlMs = lease.ttlSeconds * 1000;
    lease.expiresAtMs = this.clock.nowMs() + ttlMs;
    this.wheel.reschedule(lease.timer, ttlMs);
    return this.persisted(lease);
  }

  /** Forgets a lease and cancels its timer, returning its attached keys (sorted), or undefined if not live. */
  remove(id: number): string[] | undefined {
    const lease = this.live.get(id);
    if (!lease) return undefined;
    this.live.delete(id);
    this.wheel.cancel(lease.timer);
    return [...lease.keys].sort();
  }

  attach(key: string, id: number): void {
    this.live.get(id)?.keys.add(key);
  }

  detach(key: string, id: number): void {
    this.live.get(id)?.keys.delete(key);
  }

  /** Milliseconds left, or undefined if not live. */
  remainingMs(id: number): number | undefined {
    const lease = this.live.get(id);
    return lease && Math.max(0, lease.expiresAtMs - this.clock.nowMs());
  }

  ttlSecondsOf(id: number): number | undefined {
    return this.live.get(id)?.ttlSeconds;
  }

  keysOf(id: number): string[] {
    return [...(this.live.get(id)?.keys ?? [])].sort();
  }

  list(): LeaseGrant[] {
    return [...this.live.values()].map((lease) => ({ id: lease.id, ttlSeconds: lease.ttlSeconds })).sort((a, b) => a.id - b.id);
  }

  /** Cancels every expiry timer: a closed store expires nothing (reopening resumes from the persisted deadlines). */
  close(): void {
    for (const lease of this.live.values()) this.wheel.cancel(lease.timer);
    this.live.clear();
  }

  private schedule(id: number, ttlSeconds: number, delayMs: number): LiveLease {
    const lease: LiveLease = {
      id,
      ttlSeconds,
      expiresAtMs: this.clock.nowMs() + delayMs,
      timer: this.wheel.schedule(delayMs, this.fireExpiry, id),
      keys: new Set(),
    };
    this.live.set(id, lease);
    return lease;
  }

  private persisted(lease: LiveLease): PersistedLease {
    const remainingMs = lease.expiresAtMs - this.clock.nowMs();
    return { id: lease.id, ttlSeconds: lease.ttlSeconds, expiresAtWallMs: Math.ceil(this.clock.wallMs() + remainingMs) };
  }

  private freshId(): number {
    for (;;) {
      const id = randomInt(1, ID_SPACE);
      if (!this.live.has(id)) return id;
    }
  }
}
