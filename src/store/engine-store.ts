// The Store contract implemented once over a synchronous StorageEngine: the
// etcd write rules (create-if-absent, modRevision preconditions), revision
// checks for past reads, and watch registration with history replay.
// Backends supply only the engine.

import { changeToEvent, type Change, type StorageEngine } from './engine.js';
import { keyBounds, type KeyRange } from './key-range.js';
import {
  CompactedError,
  FutureRevisionError,
  StoreClosedError,
  type KeyValue,
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

export class EngineStore implements Store {
  private readonly hub = new WatchHub(() => this.engine.revision());
  private closed = false;

  constructor(private readonly engine: StorageEngine) {}

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
    return this.write(key, (current, revision) => {
      if (current) return { refused: current };
      return { kv: newKv(key, value, revision, revision, 1, opts) };
    });
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number, opts: PutOptions = {}): Promise<TxnResult> {
    nonNegativeInteger(expectedModRevision, 'expectedModRevision');
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.endAll(new StoreClosedError());
    this.engine.close();
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
