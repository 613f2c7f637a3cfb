// Records core/v1 Events about objects, as client-go's EventRecorder does,
// so `kubectl describe` tells what controllers did. Repeats of the same
// event (object, type, reason, message) bump count and lastTimestamp on the
// existing Event instead of creating another.
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../api/types.js';
import { rfc3339 } from '../apiserver/registry/names.js';
import { RESOURCES, isNotFound, type ApiClient } from './api-client.js';

export type EventType = 'Normal' | 'Warning';

interface Recorded {
  namespace: string;
  name: string;
  count: number;
}

const MAX_REMEMBERED = 4096;

export class EventRecorder {
  private readonly recent = new Map<string, Recorded>();

  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly wallMs: () => number = Date.now,
  ) {}

  /** Fire-and-forget: a failed event never fails the controller's work. */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    void this.record(obj, type, reason, message).catch(() => undefined);
  }

  async record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    const now = rfc3339(this.wallMs());
    const dedupKey = `${obj.metadata.uid}|${type}|${reason}|${message}`;
    const previous = this.recent.get(dedupKey);
    if (previous) {
      try {
        previous.count++;
        await this.client.patch(RESOURCES.events, previous.namespace, previous.name, 'application/merge-patch+json', { count: previous.count, lastTimestamp: now });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.recent.delete(dedupKey);
      }
    }
    const name = `${obj.metadata.name}.${randomBytes(8).toString('hex')}`;
    await this.client.create(RESOURCES.events, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    if (this.recent.size >= MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(dedupKey, { namespace, name, count: 1 });
  }
}
