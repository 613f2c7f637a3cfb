// The StatefulSet controller: pods with stable ordinal identities and
// storage, created, scaled and updated in order, with ControllerRevisions
// recording each template (pkg/controller/statefulset).
//
// Informers on StatefulSets, pods, ControllerRevisions and claims feed a
// queue of `namespace/name` keys; sync(key) reads the set and what it owns
// from the caches, makes one pass of StatefulSetControl and writes back the
// status that pass observed.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { byControllerUid, objectKey, splitKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { claimObjects } from '../common/adoption.js';
import { CacheCatchUp } from '../common/cache-catch-up.js';
import { controllerOf, selectorMatches } from '../common/owners.js';
import type { Controller, ControllerContext } from '../controller.js';
import { RevisionHistory } from '../history/revision-history.js';
import { isMemberOf, parentAndOrdinal } from './identity.js';
import { StatefulPodControl } from './pod-control.js';
import { completeRollingUpdate, statusChanged } from './replica-status.js';
import { resolveRevisions, truncateHistory } from './revisions.js';
import { StatefulSetControl } from './stateful-set-control.js';
import type { StatefulSet, StatefulSetStatus } from './types.js';

const WORKERS = 4;
const PODS_BY_CONTROLLER = 'byControllerUid';

export class StatefulSetController implements Controller {
  readonly name = 'statefulset-controller';
  private readonly client: ApiClient;
  private readonly sets: Informer;
  private readonly pods: Informer;
  private readonly claims: Informer;
  private readonly queue: WorkQueue;
  private readonly history: RevisionHistory;
  private readonly control: StatefulSetControl;
  private readonly setsCatchUp: CacheCatchUp;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.client = ctx.client;
    this.sets = ctx.informers.informer(RESOURCES.statefulsets);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.claims = ctx.informers.informer(RESOURCES.persistentvolumeclaims);
    const revisions = ctx.informers.informer(RESOURCES.controllerrevisions);
    this.pods.addIndex(PODS_BY_CONTROLLER, byControllerUid);
    RevisionHistory.indexInformer(revisions);
    this.queue = new WorkQueue(ctx.wheel);
    this.recorder = ctx.recorder(this.name);
    this.history = new RevisionHistory(this.client, revisions);
    this.control = new StatefulSetControl(new StatefulPodControl(this.client, this.claims, this.recorder), this.pods, new CacheCatchUp(this.pods, ctx.wheel), () => ctx.clock.wallMs());
    this.setsCatchUp = new CacheCatchUp(this.sets, ctx.wheel);

    this.sets.addHandlers({
      add: (set) => this.enqueue(set),
      update: (_old, set) => this.enqueue(set),
      delete: (set) => this.enqueue(set),
    });
    this.pods.addHandlers({
      add: (pod) => this.enqueueForOwned(pod),
      update: (old, pod) => {
        // A changed controllerRef or labels may concern the old owner too.
        if (controllerOf(old)?.uid !== controllerOf(pod)?.uid || !sameLabels(old, pod)) this.enqueueForOwned(old);
        this.enqueueForOwned(pod);
      },
      delete: (pod) => this.enqueueForOwned(pod),
    });
    revisions.addHandlers({
      add: (r) => this.enqueueForOwned(r),
      update: (_old, r) => this.enqueueForOwned(r),
      delete: (r) => this.enqueueForOwned(r),
    });
    // A claim that goes away may unblock a pod waiting for its stale claim to be collected.
    this.claims.addHandlers({ delete: (claim) => this.enqueueForClaim(claim) });
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => this.sync(key), (key, err) => this.ctx.log({ controller: this.name, key, error: String(err) }));
  }

  stop(): void {
    this.queue.shutdown();
  }

  private enqueue(set: KubeObject): void {
    this.queue.add(objectKey(set));
  }

  /** Enqueues the StatefulSet controlling `obj`; an orphan pod enqueues every set that could adopt it. */
  private enqueueForOwned(obj: KubeObject): void {
    const ref = controllerOf(obj);
    if (ref) {
      if (ref.kind !== 'StatefulSet') return;
      const set = this.sets.get(obj.metadata.namespace, ref.name);
      if (set && set.metadata.uid === ref.uid) this.enqueue(set);
      return;
    }
    if (obj.kind === 'ControllerRevision' || obj.metadata.deletionTimestamp) return;
    for (const set of this.sets.list(obj.metadata.namespace)) {
      if (selectorMatches((set as StatefulSet).spec.selector, obj.metadata.labels)) this.enqueue(set);
    }
  }

  private enqueueForClaim(claim: KubeObject): void {
    for (const set of this.sets.list(claim.metadata.namespace) as StatefulSet[]) {
      const templates = set.spec.volumeClaimTemplates ?? [];
      const { parent } = parentAndOrdinal(claim.metadata.name!);
      if (templates.some((t) => parent === `${t.metadata.name}-${set.metadata.name}`)) this.enqueue(set);
    }
  }

  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.sets.get(namespace, name) as StatefulSet | undefined;
    if (!cached) return;
    const set = structuredClone(cached);
    const pods = await this.ownedPods(set);
    const revisions = await this.history.listOwned(set, RESOURCES.statefulsets, set.spec.selector);
    const resolved = await resolveRevisions(this.history, set, revisions);
    const { status, error } = await this.control.run(set, resolved, pods);
    await this.writeStatus(set, status);
    await truncateHistory(this.history, set, pods, revisions, [resolved.current, resolved.update]);
    if (error !== undefined) throw error;
    // Pods ready but not yet available become available with time alone.
    const minReadySeconds = set.spec.minReadySeconds ?? 0;
    if (minReadySeconds > 0 && (status.availableReplicas ?? 0) !== (status.readyReplicas ?? 0)) this.queue.addAfter(key, minReadySeconds * 1000);
  }

  /** getPodsForStatefulSet: the member pods this set controls, adopting matching orphans and releasing the rest. */
  private async ownedPods(set: StatefulSet): Promise<KubeObject[]> {
    const candidates = new Map<string, KubeObject>();
    for (const pod of this.pods.byIndex(PODS_BY_CONTROLLER, set.metadata.uid!)) candidates.set(pod.metadata.uid!, pod);
    for (const pod of this.pods.list(set.metadata.namespace)) {
      if (!controllerOf(pod) && isMemberOf(set, pod)) candidates.set(pod.metadata.uid!, pod);
    }
    const owned = await claimObjects(this.client, { ref: RESOURCES.pods, ownerRef: RESOURCES.statefulsets, owner: set, selector: set.spec.selector, candidates: [...candidates.values()] });
    return owned.filter((pod) => isMemberOf(set, pod));
  }

  /** Writes the status when it says something new, then waits for the cache to show it. */
  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    completeRollingUpdate(set, status);
    if (!statusChanged(set, status)) return;
    const staleVersion = set.metadata.resourceVersion;
    try {
      await this.client.patch(RESOURCES.statefulsets, set.metadata.namespace, set.metadata.name!, 'application/merge-patch+json', { status }, 'status');
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await this.setsCatchUp.until(() => this.sets.get(set.metadata.namespace, set.metadata.name!)?.metadata.resourceVersion !== staleVersion);
  }
}

function sameLabels(a: KubeObject, b: KubeObject): boolean {
  return JSON.stringify(a.metadata.labels ?? {}) === JSON.stringify(b.metadata.labels ?? {});
}
