// Pod garbage collection, as kube-controller-manager's podgc: every 20 s it
// force-deletes (grace period 0)
//  - pods bound to a Node that no longer exists, once the node has been
//    missing for a quarantine period and a fresh GET confirms it is gone
//    (the informer alone may lag behind a node being created). They are
//    first marked Failed with a DisruptionTarget condition, as podgc does;
//  - the oldest terminated (Succeeded/Failed) pods beyond
//    --terminated-pod-gc-threshold (12,500 by default).
// Without it, the pods of a deleted node stay Running in the API forever.
// (podgc's third case, terminating pods that were never scheduled, cannot
// arise here: the API server deletes an unscheduled pod at once.)
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isConflict, isNotFound } from '../../client/api-client.js';
import type { Informer } from '../../client/informer.js';
import type { TimerHandle } from '../../time/timing-wheel.js';
import type { Controller, ControllerContext } from '../controller.js';
import { podPhase } from '../common/pods.js';
import { rfc3339 } from '../../apiserver/registry/names.js';

const COMPONENT = 'pod-garbage-collector';
/** kube-controller-manager's gcCheckPeriod. */
export const POD_GC_PERIOD_MS = 20_000;
/** How long a node must be missing before its pods count as orphaned (podgc's quarantineTime). */
export const ORPHAN_QUARANTINE_MS = 40_000;
/** --terminated-pod-gc-threshold's default. */
export const TERMINATED_POD_THRESHOLD = 12_500;

export interface PodGcOptions {
  terminatedPodThreshold?: number;
}

export class PodGcController implements Controller {
  readonly name = COMPONENT;
  private readonly pods: Informer;
  private readonly nodes: Informer;
  private readonly threshold: number;
  /** Node name → when (monotonic ms) pods were first seen bound to it while it was missing. */
  private readonly missingSince = new Map<string, number>();
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = false;

  constructor(private readonly ctx: ControllerContext, opts: PodGcOptions = {}) {
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.nodes = ctx.informers.informer(RESOURCES.nodes);
    this.threshold = opts.terminatedPodThreshold ?? TERMINATED_POD_THRESHOLD;
  }

  run(): void {
    this.scheduleNext();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.ctx.wheel.cancel(this.timer);
  }

  private scheduleNext(): void {
    if (this.stopped) return;
    // The next pass is set at once, so passes keep a fixed period on any clock; collect() skips a pass that would overlap.
    this.timer = this.ctx.wheel.schedule(POD_GC_PERIOD_MS, () => {
      this.scheduleNext();
      void this.collect();
    });
  }

  /** One pass; a pass due while the last still runs is skipped. */
  async collect(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const pods = [...this.pods.list()];
      await this.collectOrphaned(pods);
      await this.collectTerminated(pods);
    } catch (err) {
      this.ctx.log({ controller: COMPONENT, error: String(err) });
    } finally {
      this.running = false;
    }
  }

  private async collectTerminated(pods: KubeObject[]): Promise<void> {
    if (this.threshold <= 0) return;
    const terminated = pods.filter((p) => ['Succeeded', 'Failed'].includes(podPhase(p)) && !p.metadata.deletionTimestamp);
    const excess = terminated.length - this.threshold;
    if (excess <= 0) return;
    const key = (p: KubeObject) => `${p.metadata.creationTimestamp ?? ''} ${p.metadata.namespace}/${p.metadata.name}`;
    const oldestFirst = terminated.sort((a, b) => key(a).localeCompare(key(b)));
    for (const pod of oldestFirst.slice(0, excess)) await this.forceDelete(pod, 'terminated pods over the threshold');
  }

  private async collectOrphaned(pods: KubeObject[]): Promise<void> {
    const now = this.ctx.clock.nowMs();
    const boundTo = new Set<string>();
    for (const pod of pods) {
      const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      if (node && !this.nodes.get(undefined, node)) boundTo.add(node);
    }
    for (const node of this.missingSince.keys()) if (!boundTo.has(node)) this.missingSince.delete(node);
    for (const node of boundTo) {
      const since = this.missingSince.get(node);
      if (since === undefined) this.missingSince.set(node, now);
      if (since === undefined || now - since < ORPHAN_QUARANTINE_MS) continue;
      if (await this.nodeExists(node)) {
        this.missingSince.delete(node);
        continue;
      }
      for (const pod of pods.filter((p) => (p.spec as { nodeName?: string }).nodeName === node)) {
        await this.markFailed(pod, `PodGC: node ${node} no longer exists`);
        await this.forceDelete(pod, `orphaned: node ${node} no longer exists`);
      }
      this.missingSince.delete(node);
    }
  }

  private async nodeExists(name: string): Promise<boolean> {
    try {
      await this.ctx.client.get(RESOURCES.nodes, undefined, name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Failed with a DisruptionTarget condition (reason DeletionByPodGC), so the pod's owner sees why it went. */
  private async markFailed(pod: KubeObject, message: string): Promise<void> {
    if (['Succeeded', 'Failed'].includes(podPhase(pod))) return;
    const now = rfc3339(this.ctx.clock.wallMs());
    const conditions = ((pod.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
    try {
      await this.ctx.client.patch(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, 'application/merge-patch+json', {
        status: { phase: 'Failed', conditions: [...conditions, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message, lastTransitionTime: now }] },
      }, 'status');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async forceDelete(pod: KubeObject, why: string): Promise<void> {
    try {
      await this.ctx.client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      this.ctx.log({ level: 'info', controller: COMPONENT, msg: 'deleted pod', pod: `${pod.metadata.namespace}/${pod.metadata.name}`, why });
    } catch (err) {
      // Gone already, or replaced by a new pod of the same name: not ours to delete.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
