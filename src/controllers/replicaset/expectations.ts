// Kubernetes' UIDTrackingControllerExpectations: after a controller asks for
// N creates or a set of deletes, its informer has not seen them yet; syncing
// again from that stale cache would create or delete twice. So a sync that
// acts records what it expects to observe, informer events count it down,
// and the controller skips acting (it still updates status) until the
// expectations are met or have expired, in case an event was lost.
//
// This is a cache of in-flight requests, not state: losing it (a restart)
// only means the next sync acts on what the informer shows.

const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  pendingCreates: number;
  /** Keys (namespace/name) of pods we asked to delete and have not seen go. */
  pendingDeletes: Set<string>;
  setAtMs: number;
}

export class ReplicaExpectations {
  private readonly expectations = new Map<string, Expectation>();

  constructor(private readonly nowMs: () => number) {}

  /** Whether the controller of `key` may act: nothing outstanding, or the record expired. */
  satisfied(key: string): boolean {
    const e = this.expectations.get(key);
    if (!e) return true;
    if (e.pendingCreates <= 0 && e.pendingDeletes.size === 0) return true;
    return this.nowMs() - e.setAtMs > EXPECTATIONS_TTL_MS;
  }

  expectCreations(key: string, count: number): void {
    this.expectations.set(key, { pendingCreates: count, pendingDeletes: new Set(), setAtMs: this.nowMs() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.expectations.set(key, { pendingCreates: 0, pendingDeletes: new Set(podKeys), setAtMs: this.nowMs() });
  }

  /** A pod of `key` appeared (or a create we expected will never happen). */
  creationObserved(key: string): void {
    const e = this.expectations.get(key);
    if (e && e.pendingCreates > 0) e.pendingCreates--;
  }

  /** A pod of `key` is gone or terminating (or a delete we expected failed). */
  deletionObserved(key: string, podKey: string): void {
    this.expectations.get(key)?.pendingDeletes.delete(podKey);
  }

  forget(key: string): void {
    this.expectations.delete(key);
  }
}
