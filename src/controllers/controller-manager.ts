// Runs the controllers: builds their shared informers, waits for them to
// sync, then starts each controller. Stopping stops everything; a new
// manager started later rebuilds all state from the API.
import type { ApiClient } from '../client/api-client.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { TimingWheel } from '../time/timing-wheel.js';
import { makeRecorderFactory, type Controller, type ControllerContext } from './controller.js';
import { CONTROLLERS } from './index.js';

export class ControllerManager {
  private readonly informers: InformerFactory;
  private readonly controllers: Controller[];

  constructor(client: ApiClient, wheel: TimingWheel, log: (fields: Record<string, unknown>) => void = () => {}, factories = CONTROLLERS, settings: Pick<ControllerContext, 'nodeMonitorGracePeriodMs'> = {}) {
    this.informers = new InformerFactory(client, wheel);
    const ctx: ControllerContext = {
      client,
      informers: this.informers,
      wheel,
      clock: wheel.clock,
      recorder: makeRecorderFactory(client, wheel.clock),
      log,
      ...settings,
    };
    this.controllers = factories.map((make) => make(ctx));
  }

  async start(): Promise<void> {
    await this.informers.start();
    for (const c of this.controllers) c.run();
  }

  stop(): void {
    for (const c of this.controllers) c.stop();
    this.informers.stop();
  }
}
