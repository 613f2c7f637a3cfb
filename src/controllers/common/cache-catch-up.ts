// Read-your-writes for a controller's informer cache. A reconcile that just
// created or deleted objects waits until its informer has seen those writes,
// so the next pass over the same key never acts on a cache that predates
// them (Kubernetes keeps "expectations" for this; waiting on the cache
// itself needs no bookkeeping that could drift from the API).
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import type { TimerHandle, TimingWheel } from '../../time/timing-wheel.js';

interface Waiter {
  check: () => boolean;
  resolve: (caughtUp: boolean) => void;
  timer?: TimerHandle;
}

export class CacheCatchUp {
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly informer: Informer,
    private readonly wheel: TimingWheel,
  ) {
    const poke = () => this.poke();
    informer.addHandlers({ add: poke, update: poke, delete: poke });
  }

  /** Resolves true once `check` holds against the cache, false after `timeoutMs`. */
  until(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = { check, resolve };
      this.waiters.add(waiter);
      waiter.timer = this.wheel.schedule(timeoutMs, () => {
        if (this.waiters.delete(waiter)) resolve(false);
      });
    });
  }

  /** Until the cache holds an object of that name (one just created). */
  untilPresent(obj: KubeObject, timeoutMs?: number): Promise<boolean> {
    return this.until(() => this.cached(obj) !== undefined, timeoutMs);
  }

  /** Until the cache shows the object (by uid) being deleted or gone. */
  untilDeleting(obj: KubeObject, timeoutMs?: number): Promise<boolean> {
    return this.until(() => {
      const cached = this.cached(obj);
      return cached === undefined || cached.metadata.uid !== obj.metadata.uid || cached.metadata.deletionTimestamp !== undefined;
    }, timeoutMs);
  }

  /** Until the cache holds a version of the object other than `obj` (which was just written over). */
  untilReplaced(obj: KubeObject, timeoutMs?: number): Promise<boolean> {
    return this.until(() => this.cached(obj)?.metadata.resourceVersion !== obj.metadata.resourceVersion, timeoutMs);
  }

  private cached(obj: KubeObject): KubeObject | undefined {
    return this.informer.get(obj.metadata.namespace, obj.metadata.name!);
  }

  private poke(): void {
    for (const waiter of this.waiters) {
      if (!waiter.check()) continue;
      this.waiters.delete(waiter);
      if (waiter.timer !== undefined) this.wheel.cancel(waiter.timer);
      waiter.resolve(true);
    }
  }
}
