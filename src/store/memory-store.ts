// The in-memory backend, for tests: the same revision history a durable
// backend keeps (so past reads and watch replay behave the same), held in
// plain arrays and maps.

import {
  changeToEvent,
  type Change,
  type LeasedKey,
  type PersistedLease,
  type RangeQuery,
  type RangeRows,
  type StorageEngine,
} from './engine.js';
import { EngineStore, type StoreTimeOptions } from './engine-store.js';
import { compareKeys, inRangeBounds, type KeyBounds } from './key-range.js';
import type { KeyValue, Store, WatchEvent } from './types.js';

export function openMemoryStore(time: StoreTimeOptions = {}): Store {
  return new EngineStore(new MemoryEngine(), time);
}

/** A key's value as of a revision; `kv` undefined: deleted at that revision. */
interface KeyVersion {
  revision: number;
  kv: KeyValue | undefined;
}

export class MemoryEngine implements StorageEngine {
  /** One event per revision: log[i] is revision firstLoggedRevision + i. */
  private log: WatchEvent[] = [];
  private firstLoggedRevision = 1;
  /** Each key's versions in revision order (what range at a past revision needs). */
  private readonly versions = new Map<string, KeyVersion[]>();
  /** Every key in `versions`, in key order, for prefix ranges. */
  private sortedKeys: string[] = [];
  private latestRevision = 0;
  private compactRevision = 0;
  private readonly savedLeases = new Map<number, PersistedLease>();

  revision(): number {
    return this.latestRevision;
  }

  compactedRevision(): number {
    return this.compactRevision;
  }

  get(key: string): KeyValue | undefined {
    return this.versions.get(key)?.at(-1)?.kv;
  }

  range(query: RangeQuery): RangeRows {
    const kvs: KeyValue[] = [];
    let count = 0;
    for (let i = lowerBound(this.sortedKeys, query.start); i < this.sortedKeys.length; i++) {
      const key = this.sortedKeys[i];
      if (query.end !== undefined && compareKeys(key, query.end) >= 0) break;
      const kv = valueAt(this.versions.get(key)!, query.revision);
      if (!kv) continue;
      count++;
      if (!query.countOnly && (query.limit === 0 || kvs.length < query.limit)) kvs.push(kv);
    }
    return { kvs, more: query.limit > 0 && count > query.limit, count };
  }

  eventsSince(fromRevision: number, bounds: KeyBounds): WatchEvent[] {
    const from = Math.max(fromRevision, this.firstLoggedRevision) - this.firstLoggedRevision;
    return this.log.slice(from).filter((event) => inRangeBounds(bounds, event.kv.key));
  }

  append(change: Change): void {
    let keyVersions = this.versions.get(change.key);
    if (!keyVersions) {
      keyVersions = [];
      this.versions.set(change.key, keyVersions);
      this.sortedKeys.splice(lowerBound(this.sortedKeys, change.key), 0, change.key);
    }
    keyVersions.push({ revision: change.revision, kv: change.kv });
    this.log.push(changeToEvent(change));
    this.latestRevision = change.revision;
  }

  loadLeases(): PersistedLease[] {
    return [...this.savedLeases.values()];
  }

  saveLease(lease: PersistedLease): void {
    this.savedLeases.set(lease.id, { ...lease });
  }

  deleteLease(id: number): void {
    this.savedLeases.delete(id);
  }

  leasedKeys(): LeasedKey[] {
    const leased: LeasedKey[] = [];
    for (const [key, keyVersions] of this.versions) {
      const lease = keyVersions.at(-1)?.kv?.lease;
      if (lease) leased.push({ key, lease });
    }
    return leased;
  }

  /** No rollback: EngineStore only throws inside fn before it has appended anything. */
  atomically<T>(fn: () => T): T {
    return fn();
  }

  compact(revision: number): void {
    this.log = this.log.slice(revision - this.firstLoggedRevision);
    this.firstLoggedRevision = revision;
    let keysDropped = false;
    for (const [key, keyVersions] of this.versions) {
      const kept = versionsNeededFrom(keyVersions, revision);
      if (kept.length > 0) {
        this.versions.set(key, kept);
      } else {
        this.versions.delete(key);
        keysDropped = true;
      }
    }
    if (keysDropped) this.sortedKeys = this.sortedKeys.filter((key) => this.versions.has(key));
    this.compactRevision = revision;
  }

  close(): void {}
}

/** The key's value at `revision`: its latest version at or before it, unless that was a delete. */
function valueAt(keyVersions: KeyVersion[], revision: number): KeyValue | undefined {
  for (let i = keyVersions.length - 1; i >= 0; i--) {
    if (keyVersions[i].revision <= revision) return keyVersions[i].kv;
  }
  return undefined;
}

/** What reads at `revision` and later still need: the value at `revision` (if live) and every later version. */
function versionsNeededFrom(keyVersions: KeyVersion[], revision: number): KeyVersion[] {
  let first = keyVersions.findIndex((v) => v.revision > revision);
  if (first === -1) first = keyVersions.length;
  const atRevision = keyVersions[first - 1];
  return atRevision?.kv ? keyVersions.slice(first - 1) : keyVersions.slice(first);
}

/** Index of the first key >= `key`. */
function lowerBound(sortedKeys: string[], key: string): number {
  let low = 0;
  let high = sortedKeys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareKeys(sortedKeys[mid], key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
