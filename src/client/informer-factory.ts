// One shared informer per resource for all controllers in a process, as
// client-go's SharedInformerFactory: each object is listed and watched once.
import type { TimingWheel } from '../time/timing-wheel.js';
import type { ApiClient, ResourceRef } from './api-client.js';
import { Informer } from './informer.js';

export class InformerFactory {
  private readonly informers = new Map<string, Informer>();
  private started = false;

  constructor(
    private readonly client: ApiClient,
    private readonly wheel: TimingWheel,
  ) {}

  /** The shared informer of a resource (cluster-wide). Register handlers and indexes before start(). */
  informer(ref: ResourceRef): Informer {
    const key = `${ref.group}/${ref.version}/${ref.resource}`;
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer(this.client, ref, this.wheel);
      this.informers.set(key, informer);
      if (this.started) void informer.start();
    }
    return informer;
  }

  /** Starts every informer and resolves once all have synced. */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  stop(): void {
    for (const informer of this.informers.values()) informer.stop();
  }
}
