// The Store contract implemented once over a synchronous StorageEngine: the
// etcd write rules (create-if-absent, modRevision preconditions), revision
// checks for past reads, watch registration with history replay, and leases
// (expiry on the timing wheel, resumed from the engine's persisted deadlines).
// Backends supply only the engine.

import { realClock, type Clock } from '../time/clock.js';
import { TimingWheel } from '../time/timing-wheel.js';
import { changeToEvent, type Change, type StorageEngine } from './engine.js';
import { keyBounds, type KeyRange } from './key-range.js';
import { LeaseTable } from './lease-table.js';
import {
  CompactedError,
  FutureRevisionError,
  LeaseExistsError,
  LeaseNotFoundError,
  StoreClosedError,
  type KeyValue,
  type LeaseGrant,
  type LeaseTimeToLive,
  type PutOptions,
  type RangeOptions,
  type RangeResult,
  type Store,
  type TxnResult,
  type Watch,
  type WatchHandlers,
  type WatchOptions,
} from './types.js';
import { WatchHub } from './watch-hub.js';

/** Where a store's leases get their time from. Tests pass a wheel on a ManualClock. */
export interface StoreTimeOptions {
  /** Default: the wheel's clock, or the real clock. */
  clock?: Clock;
  /** Default: a wheel of the store's own on `clock`, closed with the store. */
  wheel?: TimingWheel;
}

export class EngineStore implements Store {
  private readonly hub = new WatchHub(() => this.engine.revision());
  private readonly leaseTable: LeaseTable;
  /** Set when the store made its own wheel and so must close it. */
  private readonly ownWheel: TimingWheel | undefined;
  private closed = false;

  constructor(
    private readonly engine: StorageEngine,
    time: StoreTimeOptions = {},
  ) {
    const clock = time.wheel?.clock ?? time.clock ?? realClock;
    if (time.wheel && time.clock && time.wheel.clock !== time.clock) throw new Error('store: the wheel runs on a different clock');
    this.ownWheel = time.wheel ? undefined : new TimingWheel({ clock });
    this.leaseTable = new LeaseTable(time.wheel ?? this.ownWheel!, clock, (id) => this.expireLease(id));
    this.resumeLeases();
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.engine.revision();
  }

  async compactedRevision(): Promise<number> {
    this.assertOpen();
    return this.engine.compactedRevision();
  }

  async range(key: string, opts: RangeOptions = {}): Promise<RangeResult> {
    this.assertOpen();
    const current = this.engine.revision();
    const revision = nonNegativeInteger(opts.revision, 'revision') || current;
    this.assertReadable(revision);
    const limit = nonNegativeInteger(opts.limit, 'limit');
    const countOnly = opts.countOnly ?? false;
    if (!opts.prefix && revision === current && !countOnly) {
      // The common single-object read: skip the range machinery.
      const kv = this.engine.get(key);
      return { kvs: kv ? [kv] : [], revision: current, more: false, count: kv ? 1 : 0 };
    }
    const bounds = keyBounds({ key, prefix: opts.prefix ?? false }, opts.fromKey);
    const rows = this.engine.range({ ...bounds, revision, limit, countOnly });
    return { ...rows, revision: current };
  }

  async create(key: string, value: Uint8Array, opts: PutOptions = {}): Promise<TxnResult> {
    this.assertLeaseLive(opts.lease);
    return this.write(key, (current, revision) => {
      if (current) return { refused: current };
      return { kv: newKv(key, value, revision, revision, 1, opts) };
    });
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, opts: PutOptions = {}): Promise<TxnResult> {
    nonNegativeInteger(expectedModRevision, 'expectedModRevision');
    this.assertLeaseLive(opts.lease);
    return this.write(key, (current, revision) => {
      if (!current || !preconditionHolds(current, expectedModRevision)) return { refused: current };
      return { kv: newKv(key, value, current.createRevision, revision, current.version + 1, opts) };
    });
  }

  async delete(key: string, expectedModRevision = 0): Promise<TxnResult> {
    nonNegativeInteger(expectedModRevision, 'expectedModRevision');
    return this.write(key, (current) => {
      if (!current || !preconditionHolds(current, expectedModRevision)) return { refused: current };
      return { kv: undefined };
    });
  }

  async watch(key: string, opts: WatchOptions, handlers: WatchHandlers): Promise<Watch> {
    this.assertOpen();
    const range: KeyRange = { key, prefix: opts.prefix ?? false };
    const requested = nonNegativeInteger(opts.startRevision, 'startRevision');
    const compacted = this.engine.compactedRevision();
    if (requested > 0 && requested < compacted) throw new CompactedError(requested, compacted);
    const startRevision = requested || this.engine.revision() + 1;
    // Reading the backlog and registering happen in one synchronous step, so no
    // write can fall between them (see WatchHub).
    const backlog =
      startRevision <= this.engine.revision() ? this.engine.eventsSince(startRevision, keyBounds(range)) : [];
    return this.hub.add(range, startRevision, backlog, handlers);
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    nonNegativeInteger(revision, 'revision');
    const current = this.engine.revision();
    if (revision > current) throw new FutureRevisionError(revision, current);
    // Compacting to or below the current compaction is a no-op (etcd errors; nothing is lost by allowing it).
    if (revision <= this.engine.compactedRevision()) return;
    this.engine.compact(revision);
  }

  async leaseGrant(ttlSeconds: number, id = 0): Promise<LeaseGrant> {
    this.assertOpen();
    if (id !== 0 && this.leaseTable.has(id)) throw new LeaseExistsError(id);
    const lease = this.leaseTable.grant(ttlSeconds, id);
    try {
      this.engine.saveLease(lease);
    } catch (err) {
      this.leaseTable.remove(lease.id);
      throw err;
    }
    return { id: lease.id, ttlSeconds: lease.ttlSeconds };
  }

  async leaseRevoke(id: number): Promise<void> {
    this.assertOpen();
    if (!this.leaseTable.has(id)) throw new LeaseNotFoundError(id);
    this.expireLease(id);
  }

  async leaseKeepAlive(id: number): Promise<number> {
    this.assertOpen();
    const lease = this.leaseTable.keepAlive(id);
    if (!lease) throw new LeaseNotFoundError(id);
    this.engine.saveLease(lease);
    return lease.ttlSeconds;
  }

  async leaseTimeToLive(id: number, opts: { keys?: boolean } = {}): Promise<LeaseTimeToLive> {
    this.assertOpen();
    const remainingMs = this.leaseTable.remainingMs(id);
    if (remainingMs === undefined) return { id, ttlSeconds: -1, grantedTtlSeconds: 0, ...(opts.keys ? { keys: [] } : {}) };
    const answer: LeaseTimeToLive = {
      id,
      ttlSeconds: Math.floor(remainingMs / 1000),
      grantedTtlSeconds: this.leaseTable.ttlSecondsOf(id)!,
    };
    if (opts.keys) answer.keys = this.leaseTable.keysOf(id);
    return answer;
  }

  async leases(): Promise<LeaseGrant[]> {
    this.assertOpen();
    return this.leaseTable.list();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.leaseTable.close();
    this.ownWheel?.close();
    this.hub.endAll(new StoreClosedError());
    this.engine.close();
  }

  /**
   * Applies what happened to leases while the store was closed: leases whose
   * wall deadline passed are deleted with their keys, and so are keys whose
   * lease no longer exists; live leases resume their remaining time.
   */
  private resumeLeases(): void {
    const { expiredLeases, orphanedKeys } = this.leaseTable.restore(this.engine.loadLeases(), this.engine.leasedKeys());
    const expired = new Set(expiredLeases);
    const keys = orphanedKeys.map((leased) => leased.key).sort();
    this.deleteLeasedKeys(keys, (kv) => kv.lease !== 0 && !this.leaseTable.has(kv.lease), () => {
      for (const id of expired) this.engine.deleteLease(id);
    });
  }

  /** Revoke and expiry alike: the lease and its keys go in one transaction. */
  private expireLease(id: number): void {
    const keys = this.leaseTable.remove(id) ?? [];
    this.deleteLeasedKeys(keys, (kv) => kv.lease === id, () => this.engine.deleteLease(id));
  }

  /**
   * Deletes each key still attached as `stillAttached` says, one revision per
   * key (etcd uses one revision for all of a lease's keys; our engines keep
   * one change per revision), plus `alsoInTransaction`, all atomically; then
   * publishes the deletions.
   */
  private deleteLeasedKeys(keys: string[], stillAttached: (kv: KeyValue) => boolean, alsoInTransaction: () => void): void {
    const changes = this.engine.atomically(() => {
      const committed: Change[] = [];
      for (const key of keys) {
        const current = this.engine.get(key);
        if (!current || !stillAttached(current)) continue;
        const change: Change = { revision: this.engine.revision() + 1, key, prevKv: current };
        this.engine.append(change);
        committed.push(change);
      }
      alsoInTransaction();
      return committed;
    });
    for (const change of changes) this.hub.publish(changeToEvent(change));
  }

  private assertLeaseLive(lease: number | undefined): void {
    if (lease !== undefined && lease !== 0 && !this.leaseTable.has(lease)) throw new LeaseNotFoundError(lease);
  }

  /**
   * The shape of every write: read the key's current value, let `decide`
   * refuse or produce the new value (undefined: delete), append it as the next
   * revision, and only once committed publish it to watchers.
   */
  private write(key: string, decide: (current: KeyValue | undefined, revision: number) => Decision): TxnResult {
    this.assertOpen();
    assertKey(key);
    const outcome = this.engine.atomically((): TxnResult | Change => {
      const current = this.engine.get(key);
      const revision = this.engine.revision() + 1;
      const decision = decide(current, revision);
      if ('refused' in decision) {
        const refused: TxnResult = { succeeded: false, revision: revision - 1 };
        if (decision.refused) refused.current = decision.refused;
        return refused;
      }
      const change: Change = { revision, key, kv: decision.kv, prevKv: current };
      this.engine.append(change);
      return change;
    });
    if ('succeeded' in outcome) return outcome;
    // Keep the lease index in step: a put moves the key to its new lease (or none), a delete detaches it.
    if (outcome.prevKv?.lease) this.leaseTable.detach(key, outcome.prevKv.lease);
    if (outcome.kv?.lease) this.leaseTable.attach(key, outcome.kv.lease);
    this.hub.publish(changeToEvent(outcome));
    const result: TxnResult = { succeeded: true, revision: outcome.revision };
    if (outcome.kv) result.kv = outcome.kv;
    if (outcome.prevKv) result.prevKv = outcome.prevKv;
    return result;
  }

  private assertReadable(revision: number): void {
    const current = this.engine.revision();
    if (revision > current) throw new FutureRevisionError(revision, current);
    const compacted = this.engine.compactedRevision();
    if (revision < compacted) throw new CompactedError(revision, compacted);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

type Decision = { refused: KeyValue | undefined } | { kv: KeyValue | undefined };

function preconditionHolds(current: KeyValue, expectedModRevision: number): boolean {
  return expectedModRevision === 0 || current.modRevision === expectedModRevision;
}

function newKv(
  key: string,
  value: Uint8Array,
  createRevision: number,
  modRevision: number,
  version: number,
  opts: PutOptions,
): KeyValue {
  // Copy so a caller reusing its buffer cannot change what was stored, returned or published.
  return { key, value: value.slice(), createRevision, modRevision, version, lease: opts.lease ?? 0 };
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new RangeError('key must be a non-empty string');
}

/** A revision or limit argument: absent means 0; otherwise a non-negative safe integer. */
function nonNegativeInteger(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
