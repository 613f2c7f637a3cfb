// The ReplicaSet controller (pkg/controller/replicaset): keeps the number of
// active pods matching a ReplicaSet's selector equal to spec.replicas,
// claiming orphans and releasing pods whose labels moved away, and reports
// replicas, fullyLabeledReplicas, readyReplicas, availableReplicas and
// observedGeneration in status.
//
// Level-triggered: every sync recomputes from the informers' caches. The
// only memory between syncs is the expectations cache of requests in flight.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { byControllerUid, objectKey, splitKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { claimObjects } from '../common/adoption.js';
import { controllerOf, selectorMatches } from '../common/owners.js';
import { isPodActive } from '../common/pods.js';
import type { Controller, ControllerContext } from '../controller.js';
import { ReplicaExpectations } from './expectations.js';
import { managePods } from './pod-control.js';
import { calculateStatus, nextAvailabilityInMs, statusNeedsUpdate } from './replicaset-status.js';
import { asReplicaSet, type ReplicaSet } from './replicaset-types.js';

const WORKERS = 5;
const BY_CONTROLLER_UID = 'byControllerUid';

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset-controller';
  private readonly queue: WorkQueue;
  private readonly replicaSets: Informer;
  private readonly pods: Informer;
  private readonly expectations: ReplicaExpectations;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(ctx.wheel);
    this.expectations = new ReplicaExpectations(() => ctx.clock.nowMs());
    this.recorder = ctx.recorder(this.name);
    this.replicaSets = ctx.informers.informer(RESOURCES.replicasets);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.replicaSets.addIndex(BY_CONTROLLER_UID, byControllerUid);
    this.pods.addIndex(BY_CONTROLLER_UID, byControllerUid);
    this.replicaSets.addHandlers({
      add: (rs) => this.queue.add(objectKey(rs)),
      update: (_old, rs) => this.queue.add(objectKey(rs)),
      delete: (rs) => {
        this.expectations.forget(objectKey(rs));
        this.queue.add(objectKey(rs));
      },
    });
    this.pods.addHandlers({
      add: (pod) => this.podAdded(pod),
      update: (oldPod, pod) => this.podUpdated(oldPod, pod),
      delete: (pod) => this.podDeleted(pod),
    });
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => this.reconcile(key), (key, err) => {
      this.ctx.log({ controller: this.name, key, msg: 'sync failed, requeued', error: String((err as Error)?.message ?? err) });
    });
  }

  stop(): void {
    this.queue.shutdown();
  }

  // ---- event handlers: map pod changes to the ReplicaSets that care ----

  /** The ReplicaSet a controller reference points at, if it still is that object. */
  private resolveControllerRef(namespace: string | undefined, ref: ReturnType<typeof controllerOf>): ReplicaSet | undefined {
    if (!ref || ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.replicaSets.get(namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? asReplicaSet(rs) : undefined;
  }

  /** ReplicaSets whose selector matches an orphan pod: any of them may adopt it. */
  private replicaSetsSelecting(pod: KubeObject): ReplicaSet[] {
    return this.replicaSets.list(pod.metadata.namespace).map(asReplicaSet).filter((rs) => selectorMatches(rs.spec.selector, pod.metadata.labels));
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) {
      // Seen for the first time already terminating (e.g. after a relist): nothing will create it.
      this.podDeleted(pod);
      return;
    }
    const rs = this.resolveControllerRef(pod.metadata.namespace, controllerOf(pod));
    if (rs) {
      this.expectations.creationObserved(objectKey(rs));
      this.queue.add(objectKey(rs));
      return;
    }
    if (!controllerOf(pod)) for (const candidate of this.replicaSetsSelecting(pod)) this.queue.add(objectKey(candidate));
  }

  private podUpdated(oldPod: KubeObject, pod: KubeObject): void {
    const labelsChanged = JSON.stringify(oldPod.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {});
    if (pod.metadata.deletionTimestamp) {
      // A graceful delete shows first as this update: replace the pod now rather than when the kubelet is done.
      this.podDeleted(pod);
      if (labelsChanged) this.podDeleted(oldPod);
      return;
    }
    const oldRef = controllerOf(oldPod);
    const ref = controllerOf(pod);
    const refChanged = JSON.stringify(oldRef) !== JSON.stringify(ref);
    if (refChanged && oldRef) {
      const previous = this.resolveControllerRef(oldPod.metadata.namespace, oldRef);
      if (previous) this.queue.add(objectKey(previous));
    }
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata.namespace, ref);
      if (rs) this.queue.add(objectKey(rs));
      return;
    }
    if (labelsChanged || refChanged) for (const candidate of this.replicaSetsSelecting(pod)) this.queue.add(objectKey(candidate));
  }

  private podDeleted(pod: KubeObject): void {
    const rs = this.resolveControllerRef(pod.metadata.namespace, controllerOf(pod));
    if (!rs) return;
    this.expectations.deletionObserved(objectKey(rs), objectKey(pod));
    this.queue.add(objectKey(rs));
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.replicaSets.get(namespace, name);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const rs = asReplicaSet(cached);
    const needsSync = this.expectations.satisfied(key);
    const candidates = this.pods.list(namespace).filter(isPodActive);
    const pods = await claimObjects(this.ctx.client, {
      ref: RESOURCES.pods, ownerRef: RESOURCES.replicasets, owner: rs, selector: rs.spec.selector, candidates,
    });

    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await managePods({
          client: this.ctx.client,
          recorder: this.recorder,
          expectations: this.expectations,
          rs,
          rsKey: key,
          pods,
          relatedPods: () => this.relatedPods(rs),
          nowWallMs: this.ctx.clock.wallMs(),
        });
      } catch (err) {
        manageError = err;
      }
    }

    const nowWallMs = this.ctx.clock.wallMs();
    const status = calculateStatus(rs, pods, manageError, nowWallMs);
    const stored = await this.writeStatus(rs, status);
    if (manageError !== undefined) throw manageError;
    // A pod that is ready but not yet available for minReadySeconds needs a
    // sync when it becomes available; nothing else would trigger one.
    const wait = nextAvailabilityInMs(stored, pods, nowWallMs);
    if (wait !== undefined) this.queue.addAfter(key, wait);
  }

  /** Writes status if it changed; on a stale cache, retries once against a fresh read. */
  private async writeStatus(rs: ReplicaSet, status: ReturnType<typeof calculateStatus>): Promise<ReplicaSet> {
    let current = rs;
    for (let attempt = 0; ; attempt++) {
      if (!statusNeedsUpdate(current, status)) return current;
      const next = { ...current, status: { ...status, observedGeneration: current.metadata.generation } };
      try {
        return asReplicaSet(await this.ctx.client.update(RESOURCES.replicasets, current.metadata.namespace, next, 'status'));
      } catch (err) {
        if (attempt > 0 || (err as { code?: number }).code !== 409) throw err;
        current = asReplicaSet(await this.ctx.client.get(RESOURCES.replicasets, rs.metadata.namespace, rs.metadata.name!));
      }
    }
  }

  /**
   * Pods of every ReplicaSet sharing this one's controller (a Deployment's
   * old and new sets), so scale-down spreads what is left across nodes.
   */
  private relatedPods(rs: ReplicaSet): KubeObject[] {
    const owner = controllerOf(rs);
    const siblings = owner ? this.replicaSets.byIndex(BY_CONTROLLER_UID, owner.uid) : [rs];
    return siblings.flatMap((sibling) => this.pods.byIndex(BY_CONTROLLER_UID, sibling.metadata.uid!));
  }
}
