// The watch cache of one resource, as kube-apiserver's cacher: the current
// objects in memory plus a window of recent events, fed by one store watch.
// Lists without paging and every watch are served from here; watchers are
// fanned out from the single store watch instead of each opening their own.
import type { KubeObject } from '../api/types.js';
import type { Store, Watch, WatchEvent } from '../store/types.js';
import { CompactedError } from '../store/types.js';
import { decodeObject } from './codec.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change of one object, decoded once and shared by every watcher. */
export interface CacheEvent {
  type: WatchEventType;
  revision: number;
  key: string;
  object: KubeObject;
  /** The object before this change (absent for ADDED). */
  previous?: KubeObject;
}

export interface CacheWatcher {
  /** Deliver events in revision order. */
  deliver(events: CacheEvent[]): void;
  /** The cache can't serve this watcher any more (e.g. it fell too far behind). */
  terminate(err: Error): void;
}

export class TooOldResourceVersionError extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

interface Entry {
  object: KubeObject;
  revision: number;
}

export class WatchCache {
  private readonly entries = new Map<string, Entry>();
  private sortedKeys: string[] | null = null;
  /** Ring of the most recent events, oldest first. */
  private readonly window: CacheEvent[] = [];
  /** Events with revision > this are all in the window (or still to come). */
  private windowStart = 0;
  private readonly watchers = new Set<CacheWatcher>();
  private storeWatch: Watch | null = null;
  private revision = 0;
  /** Readers waiting for the cache to reach a store revision. */
  private freshnessWaiters: { target: number; resolve: () => void }[] = [];

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    private readonly windowSize = 10_000,
  ) {}

  async start(): Promise<void> {
    const listed = await this.store.range(this.prefix, { prefix: true });
    for (const kv of listed.kvs) this.entries.set(kv.key, { object: decodeObject(kv), revision: kv.modRevision });
    this.revision = listed.revision;
    this.windowStart = listed.revision;
    this.storeWatch = await this.store.watch(this.prefix, { prefix: true, startRevision: listed.revision + 1 }, {
      onEvents: (events) => this.apply(events),
      onError: (err) => this.fail(err),
      onProgress: (revision) => this.advanceTo(revision),
    });
  }

  stop(): void {
    this.storeWatch?.cancel();
    this.storeWatch = null;
    for (const w of this.watchers) w.terminate(new Error('watch cache stopped'));
    this.watchers.clear();
  }

  /** The revision the cache reflects. */
  currentRevision(): number {
    return this.revision;
  }

  /**
   * Resolves once the cache reflects everything the store had committed when
   * called: a consistent read served from memory, as the cacher's
   * WaitUntilFreshAndList does with etcd's progress notifications.
   */
  async waitUntilFresh(): Promise<void> {
    const target = await this.store.currentRevision();
    if (this.revision >= target || !this.storeWatch) return;
    await new Promise<void>((resolve) => {
      this.freshnessWaiters.push({ target, resolve });
      this.storeWatch!.requestProgress();
    });
  }

  private advanceTo(revision: number): void {
    if (revision > this.revision) this.revision = revision;
    if (this.freshnessWaiters.length === 0) return;
    const still: { target: number; resolve: () => void }[] = [];
    for (const w of this.freshnessWaiters) {
      if (w.target <= this.revision) w.resolve();
      else still.push(w);
    }
    this.freshnessWaiters = still;
  }

  get(key: string): KubeObject | undefined {
    return this.entries.get(key)?.object;
  }

  /** Objects under `prefix` in key order. Callers must not mutate them. */
  list(prefix: string): KubeObject[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.entries.keys()].sort();
    const keys = this.sortedKeys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: KubeObject[] = [];
    for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++) out.push(this.entries.get(keys[i]!)!.object);
    return out;
  }

  size(): number {
    return this.entries.size;
  }

  /**
   * Register a watcher for events with revision > fromRevision. Events still
   * in the window are replayed first. Throws TooOldResourceVersionError when
   * the window no longer reaches back that far.
   */
  watch(fromRevision: number, watcher: CacheWatcher): () => void {
    if (fromRevision < this.windowStart) throw new TooOldResourceVersionError(fromRevision, this.windowStart + 1);
    const backlog = this.window.filter((e) => e.revision > fromRevision);
    if (backlog.length > 0) watcher.deliver(backlog);
    // A watch may start from a revision the cache hasn't applied yet: skip what it already has.
    const filtered: CacheWatcher = {
      deliver: (events) => {
        const newer = events[0]!.revision > fromRevision ? events : events.filter((e) => e.revision > fromRevision);
        if (newer.length > 0) watcher.deliver(newer);
      },
      terminate: (err) => watcher.terminate(err),
    };
    this.watchers.add(filtered);
    return () => this.watchers.delete(filtered);
  }

  private apply(storeEvents: WatchEvent[]): void {
    const events: CacheEvent[] = [];
    for (const ev of storeEvents) {
      const previous = this.entries.get(ev.kv.key)?.object;
      if (ev.type === 'PUT') {
        const object = decodeObject(ev.kv);
        if (!previous) this.sortedKeys = null;
        this.entries.set(ev.kv.key, { object, revision: ev.kv.modRevision });
        events.push({ type: previous ? 'MODIFIED' : 'ADDED', revision: ev.kv.modRevision, key: ev.kv.key, object, previous });
      } else {
        if (!previous) continue;
        this.entries.delete(ev.kv.key);
        this.sortedKeys = null;
        // A deleted object is reported with the deletion's revision, as the cacher does.
        const object = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(ev.kv.modRevision) } };
        events.push({ type: 'DELETED', revision: ev.kv.modRevision, key: ev.kv.key, object, previous });
      }
      if (ev.kv.modRevision > this.revision) this.revision = ev.kv.modRevision;
    }
    this.advanceTo(this.revision);
    if (events.length === 0) return;
    for (const e of events) this.window.push(e);
    if (this.window.length > this.windowSize) {
      const dropped = this.window.splice(0, this.window.length - this.windowSize);
      this.windowStart = dropped[dropped.length - 1]!.revision;
    }
    for (const w of this.watchers) w.deliver(events);
  }

  private fail(err: Error): void {
    for (const w of this.freshnessWaiters) w.resolve();
    this.freshnessWaiters = [];
    const reason = err instanceof CompactedError ? err : new Error(`store watch ended: ${err.message}`);
    for (const w of this.watchers) w.terminate(reason);
    this.watchers.clear();
  }
}
