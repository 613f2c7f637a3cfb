// Writes the controller made that its informer has not shown it yet, as
// Kubernetes' ControllerExpectations and UIDTrackingExpectations. A sync
// that ran on a cache missing its own pod creations would create them again;
// one that saw a counted pod still carrying its finalizer would count it
// twice. Expectations expire, so a lost watch event delays a Job, never
// wedges it. They are a cache guard, not state: an empty set after a
// restart is always safe.
import type { Clock } from '../../time/clock.js';

const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface PodCounts {
  adds: number;
  deletes: number;
  setAtMs: number;
}

export class PodExpectations {
  private readonly byKey = new Map<string, PodCounts>();

  constructor(private readonly clock: Clock) {}

  expect(key: string, adds: number, deletes: number): void {
    if (adds === 0 && deletes === 0) return;
    const current = this.byKey.get(key);
    this.byKey.set(key, {
      adds: Math.max(0, current?.adds ?? 0) + adds,
      deletes: Math.max(0, current?.deletes ?? 0) + deletes,
      setAtMs: this.clock.nowMs(),
    });
  }

  creationObserved(key: string): void {
    const current = this.byKey.get(key);
    if (current) current.adds--;
  }

  deletionObserved(key: string): void {
    const current = this.byKey.get(key);
    if (current) current.deletes--;
  }

  /** No creations or deletions outstanding (or they are too old to wait for). */
  satisfied(key: string): boolean {
    const current = this.byKey.get(key);
    if (!current) return true;
    if ((current.adds <= 0 && current.deletes <= 0) || this.clock.nowMs() - current.setAtMs > EXPECTATIONS_TTL_MS) {
      this.byKey.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}

/** Pods (by uid) whose tracking finalizer the controller removed and whose update it awaits. */
export class FinalizerRemovalExpectations {
  private readonly byKey = new Map<string, Set<string>>();

  expect(key: string, uids: Iterable<string>): void {
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    for (const uid of uids) set.add(uid);
  }

  observed(key: string, uid: string): void {
    const set = this.byKey.get(key);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.byKey.delete(key);
  }

  expected(key: string): ReadonlySet<string> {
    return this.byKey.get(key) ?? new Set();
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
