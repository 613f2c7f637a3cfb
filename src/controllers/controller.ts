// What every controller gets and provides. A controller is a client of the
// API: shared informers feed its work queue of keys, and reconcile(key)
// reads desired and observed state from the informers and acts through the
// client. It keeps no state the API cannot rebuild.
import type { ApiClient } from '../client/api-client.js';
import { EventRecorder } from '../client/event-recorder.js';
import type { InformerFactory } from '../client/informer-factory.js';
import type { Clock } from '../time/clock.js';
import type { TimingWheel } from '../time/timing-wheel.js';

export interface ControllerContext {
  client: ApiClient;
  informers: InformerFactory;
  wheel: TimingWheel;
  /** The wheel's clock: monotonic time for deadlines, wall time for timestamps. */
  clock: Clock;
  recorder(component: string): EventRecorder;
  log(fields: Record<string, unknown>): void;
  /** How long a node Lease may go unrenewed before the node is Unknown (--node-monitor-grace-period; default 40 s). */
  nodeMonitorGracePeriodMs?: number;
}

export interface Controller {
  readonly name: string;
  /** Called after the shared informers have synced. */
  run(): void;
  stop(): void;
}

export function makeRecorderFactory(client: ApiClient, clock: Clock): (component: string) => EventRecorder {
  const recorders = new Map<string, EventRecorder>();
  return (component) => {
    let recorder = recorders.get(component);
    if (!recorder) recorders.set(component, (recorder = new EventRecorder(client, component, () => clock.wallMs())));
    return recorder;
  };
}
