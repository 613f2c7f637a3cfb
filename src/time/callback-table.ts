import type { TimerCallback } from './timer-store.js';

// Interns timer callbacks so that a pending timer stores a 4-byte id instead of an 8-byte
// pointer. k8ts subsystems schedule huge numbers of timers through a handful of shared
// callbacks (one per subsystem), so the table stays tiny; callers that pass a fresh closure
// per timer still work, each closure holding one entry until its last timer is done.

export class CallbackTable {
  private readonly idOf = new Map<TimerCallback<unknown>, number>();
  private readonly callbacks: Array<TimerCallback<unknown> | undefined> = [];
  private referenceCounts = new Int32Array(16);
  private readonly freeIds: number[] = [];
  // Bulk scheduling repeats one callback; remembering the last one skips the map lookup.
  private lastCallback: TimerCallback<unknown> | undefined;
  private lastId = -1;

  /** Returns the callback's id, counting one more timer that uses it. */
  acquire(callback: TimerCallback<unknown>): number {
    let id: number;
    if (callback === this.lastCallback) {
      id = this.lastId;
    } else {
      id = this.idOf.get(callback) ?? this.intern(callback);
      this.lastCallback = callback;
      this.lastId = id;
    }
    this.referenceCounts[id]++;
    return id;
  }

  /** Counts one timer fewer; the callback is forgotten when no timer uses it. */
  release(id: number): void {
    if (--this.referenceCounts[id] !== 0) return;
    this.idOf.delete(this.callbacks[id] as TimerCallback<unknown>);
    this.callbacks[id] = undefined;
    this.freeIds.push(id);
    if (this.lastId === id) {
      this.lastCallback = undefined;
      this.lastId = -1;
    }
  }

  get(id: number): TimerCallback<unknown> {
    return this.callbacks[id] as TimerCallback<unknown>;
  }

  /** Distinct callbacks currently in use. */
  get size(): number {
    return this.idOf.size;
  }

  private intern(callback: TimerCallback<unknown>): number {
    const id = this.freeIds.pop() ?? this.callbacks.length;
    if (id === this.callbacks.length) this.callbacks.push(callback);
    else this.callbacks[id] = callback;
    if (id >= this.referenceCounts.length) {
      const grown = new Int32Array(this.referenceCounts.length * 2);
      grown.set(this.referenceCounts);
      this.referenceCounts = grown;
    }
    this.idOf.set(callback, id);
    return id;
  }
}
