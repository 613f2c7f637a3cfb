// The synchronous storage engine beneath the in-process backends (memory,
// SQLite). `EngineStore` implements the Store contract once on top of it: the
// write rules, revision checks and watch fan-out live there, and an engine only
// stores revisions and answers queries about them.
//
// Being synchronous is the point: a read-check-append sequence, or a history
// replay followed by watcher registration, cannot interleave with another
// write, because nothing else runs on the JavaScript thread meanwhile.

import type { KeyBounds } from './key-range.js';
import type { KeyValue, WatchEvent } from './types.js';

/** One committed write: a put (`kv` set) or a delete (`kv` absent) of `key`. */
export interface Change {
  revision: number;
  key: string;
  kv?: KeyValue;
  /** The key's value before this write, if it existed. */
  prevKv?: KeyValue;
}

export interface RangeQuery extends KeyBounds {
  /** Serve the keys as they were at this revision (already checked: not compacted, not future). */
  revision: number;
  /** 0: no limit. */
  limit: number;
  countOnly: boolean;
}

export interface RangeRows {
  kvs: KeyValue[];
  more: boolean;
  count: number;
}

/** A lease as persisted: its TTL and its deadline in wall time, since monotonic time does not survive a restart. */
export interface PersistedLease {
  id: number;
  ttlSeconds: number;
  expiresAtWallMs: number;
}

/** A live key attached to a lease. */
export interface LeasedKey {
  key: string;
  lease: number;
}

export interface StorageEngine {
  /** The latest committed revision, 0 for an empty store. */
  revision(): number;
  compactedRevision(): number;
  /** The key's current value, undefined if it does not exist. */
  get(key: string): KeyValue | undefined;
  range(query: RangeQuery): RangeRows;
  /** Events of every revision >= fromRevision (not compacted) touching a key within bounds, in revision order. */
  eventsSince(fromRevision: number, bounds: KeyBounds): WatchEvent[];
  /** Persist `change` as revision `revision() + 1`. */
  append(change: Change): void;
  /** Every lease saved and not deleted. */
  loadLeases(): PersistedLease[];
  /** Insert or replace a lease. */
  saveLease(lease: PersistedLease): void;
  deleteLease(id: number): void;
  /** Every current (not deleted) key whose lease is not 0; rebuilds the lease-to-keys index on open. */
  leasedKeys(): LeasedKey[];
  /** Run fn as one atomic unit (a database transaction where there is one). */
  atomically<T>(fn: () => T): T;
  /** Drop history below `revision` (> compactedRevision(), <= revision()); the state at `revision` stays readable. */
  compact(revision: number): void;
  close(): void;
}

/** etcd's tombstone: the key and the delete's revision, everything else empty. */
export function tombstone(key: string, revision: number): KeyValue {
  return { key, value: new Uint8Array(0), createRevision: 0, modRevision: revision, version: 0, lease: 0 };
}

export function changeToEvent(change: Change): WatchEvent {
  const event: WatchEvent = change.kv
    ? { type: 'PUT', kv: change.kv }
    : { type: 'DELETE', kv: tombstone(change.key, change.revision) };
  if (change.prevKv) event.prevKv = change.prevKv;
  return event;
}
