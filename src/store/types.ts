// The store contract: an etcd-shaped revisioned key-value store.
// Every backend (memory for tests, SQLite by default, etcd for HA) implements
// it, and one contract test suite (test/store/contract.ts) runs against each.
//
// Semantics follow etcd v3:
// - one global revision, bumped by every successful write (put or delete);
// - each live key has createRevision (revision of the put that created it),
//   modRevision (revision of its last put) and version (puts since creation);
// - a key deleted and re-created gets a fresh createRevision;
// - reads may be served "at" a past revision until it has been compacted.

export interface KeyValue {
  key: string;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
  /** Number of puts since creation (1 after create). */
  version: number;
  /** Lease the key is attached to, 0 for none. */
  lease: number;
}

export interface RangeOptions {
  /** Treat `key` as a prefix and return every key starting with it. */
  prefix?: boolean;
  /** Maximum number of keys to return; 0 or absent means no limit. */
  limit?: number;
  /** Read as of this revision (0 or absent: the current one). Errors with CompactedError if compacted. */
  revision?: number;
  /** With `prefix`: start from this key (inclusive) within the prefix, for paging. `count` then counts from here (etcd). */
  fromKey?: string;
  /** Only count, return no kvs. */
  countOnly?: boolean;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The store's current revision when the read was served (not the `revision` asked for). */
  revision: number;
  /** Whether more keys matched beyond `limit`. */
  more: boolean;
  /** Total keys matching (from `fromKey` on, if given), ignoring limit. */
  count: number;
}

export interface PutOptions {
  lease?: number;
}

/** The outcome of a conditional write. On failure `current` is the key's present value (if any). */
export type TxnResult =
  | { succeeded: true; revision: number; kv?: KeyValue; prevKv?: KeyValue }
  | { succeeded: false; revision: number; current?: KeyValue };

export type WatchEventType = 'PUT' | 'DELETE';

export interface WatchEvent {
  type: WatchEventType;
  /** For PUT the new value; for DELETE a tombstone: key, modRevision = the delete's revision, empty value. */
  kv: KeyValue;
  /** The value before this event, if the key existed. */
  prevKv?: KeyValue;
}

export interface WatchOptions {
  /** Watch every key with this prefix rather than the key alone. */
  prefix?: boolean;
  /**
   * Deliver events with revision >= startRevision (etcd's semantics).
   * Absent or 0: only events after the current revision.
   * If startRevision < compacted revision the watch fails with CompactedError
   * (as in etcd: the compacted revision itself is still replayable).
   */
  startRevision?: number;
}

export interface Watch {
  /** Stop delivering events and release resources. Idempotent. */
  cancel(): void;
  /**
   * Ask for a progress notification (etcd's RequestProgress): once every
   * event up to the store's current revision has been delivered to this
   * watch, onProgress(revision) is called with that revision. It lets a
   * cache know it is fresh even when nothing under its prefix changed.
   */
  requestProgress(): void;
}

export interface WatchHandlers {
  /**
   * Events in revision order; each call carries one or more whole revisions
   * (a revision is never split across calls). Never called before watch() resolves.
   */
  onEvents(events: WatchEvent[]): void;
  /** The watch ended on its own (compaction, backend closed). No more events follow. */
  onError?(err: Error): void;
  /** Every event up to `revision` has been delivered (answer to Watch.requestProgress). */
  onProgress?(revision: number): void;
}

export interface LeaseGrant {
  id: number;
  ttlSeconds: number;
}

export interface LeaseTimeToLive {
  id: number;
  /** Whole seconds left before expiry (etcd truncates); -1 when the lease does not exist. */
  ttlSeconds: number;
  /** The TTL the lease was granted with; 0 when it does not exist. */
  grantedTtlSeconds: number;
  /** With `{ keys: true }`: the keys attached to the lease, sorted. */
  keys?: string[];
}

export interface Store {
  /** Current global revision. */
  currentRevision(): Promise<number>;

  range(key: string, opts?: RangeOptions): Promise<RangeResult>;

  /** Create `key` only if it does not exist. */
  create(key: string, value: Uint8Array, opts?: PutOptions): Promise<TxnResult>;

  /**
   * Put `key` only if its modRevision equals `expectedModRevision`
   * (0 means: unconditionally, but the key must exist).
   */
  update(key: string, value: Uint8Array, expectedModRevision: number, opts?: PutOptions): Promise<TxnResult>;

  /** Delete `key` only if its modRevision equals `expectedModRevision` (0: unconditionally). Fails if absent. */
  delete(key: string, expectedModRevision?: number): Promise<TxnResult>;

  /**
   * Start watching. Resolves once the watch is registered: every event with
   * revision >= startRevision (or after the current revision) will be delivered.
   * Rejects with CompactedError if startRevision has been compacted.
   */
  watch(key: string, opts: WatchOptions, handlers: WatchHandlers): Promise<Watch>;

  /**
   * Drop history before `revision`: reads at and watches from revisions below it
   * fail with CompactedError; the state at `revision` itself stays readable.
   * A revision above the current one fails with FutureRevisionError; one at or
   * below the current compaction is a no-op.
   */
  compact(revision: number): Promise<void>;

  /** The revision compacted up to (0 if never compacted). */
  compactedRevision(): Promise<number>;

  // Leases (etcd's lease API). A key written with `{ lease: id }` is attached
  // to that lease (writing it again without one detaches it); when the lease
  // expires or is revoked, every attached key is deleted. Those deletions are
  // ordinary DELETE events, one revision per key. Writing with a lease that
  // does not exist fails with LeaseNotFoundError.

  /**
   * Grant a lease that expires `ttlSeconds` (a positive integer) from now
   * unless kept alive. `id` (optional, positive) picks the id; an id in use
   * fails with LeaseExistsError. Without one the store picks a fresh id.
   */
  leaseGrant(ttlSeconds: number, id?: number): Promise<LeaseGrant>;

  /** Delete the lease and every key attached to it. LeaseNotFoundError if it does not exist (or expired). */
  leaseRevoke(id: number): Promise<void>;

  /** Restart the lease's full TTL from now; returns that TTL in seconds. LeaseNotFoundError if it does not exist. */
  leaseKeepAlive(id: number): Promise<number>;

  /** Seconds left and granted TTL; ttlSeconds -1 when the lease does not exist (as etcd answers). */
  leaseTimeToLive(id: number, opts?: { keys?: boolean }): Promise<LeaseTimeToLive>;

  /** Every live lease with its granted TTL, by id. */
  leases(): Promise<LeaseGrant[]>;

  close(): Promise<void>;
}

export class CompactedError extends Error {
  constructor(
    readonly requestedRevision: number,
    readonly compactRevision: number,
  ) {
    super(`required revision ${requestedRevision} has been compacted (compacted up to ${compactRevision})`);
    this.name = 'CompactedError';
  }
}

/** A revision in the future was asked for (etcd: "required revision is a future revision"). */
export class FutureRevisionError extends Error {
  constructor(readonly requestedRevision: number, readonly currentRevision: number) {
    super(`required revision ${requestedRevision} is a future revision (current ${currentRevision})`);
    this.name = 'FutureRevisionError';
  }
}

/** The store was closed: its calls reject and its watches end with this error. */
export class StoreClosedError extends Error {
  constructor() {
    super('store is closed');
    this.name = 'StoreClosedError';
  }
}

/** The lease does not exist: never granted, revoked, or expired (etcd: "requested lease not found"). */
export class LeaseNotFoundError extends Error {
  constructor(readonly leaseId: number) {
    super(`lease ${leaseId} not found`);
    this.name = 'LeaseNotFoundError';
  }
}

/** leaseGrant with an id already in use (etcd: "lease already exists"). */
export class LeaseExistsError extends Error {
  constructor(readonly leaseId: number) {
    super(`lease ${leaseId} already exists`);
    this.name = 'LeaseExistsError';
  }
}
