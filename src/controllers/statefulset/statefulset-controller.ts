// The StatefulSet controller: pods with stable ordinal identities and
// storage, created, scaled and updated in order, with ControllerRevisions
// recording each template (pkg/controller/statefulset).
//
// Informers on StatefulSets, pods, ControllerRevisions and claims feed a
// queue of `namespace/name` keys; sync(key) reads the set and what it owns
// from the caches, makes one pass of StatefulSetControl and writes back the
// status that pass observed.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { byControllerUid, objectKey, splitKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { claimObjects } from '../common/adoption.js';
import { CacheCatchUp } from '../common/cache-catch-up.js';
import { claimCandidates, ownedObjectHandlers } from '../common/owned-objects.js';
import { patchStatus } from '../common/status-patch.js';
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
    this.control = new StatefulSetControl(new StatefulPodControl(this.client, this.claims, this.recorder), new CacheCatchUp(this.pods, ctx.wheel), () => ctx.clock.wallMs());
    this.setsCatchUp = new CacheCatchUp(this.sets, ctx.wheel);

    this.sets.addHandlers({
      add: (set) => this.enqueue(set),
      update: (_old, set) => this.enqueue(set),
      delete: (set) => this.enqueue(set),
    });
    const lookup = { kind: 'StatefulSet', owners: this.sets, selectorOf: (set: KubeObject) => (set as StatefulSet).spec.selector };
    this.pods.addHandlers(ownedObjectHandlers(lookup, (set) => this.enqueue(set)));
    // Orphaned revisions are adopted when their set syncs anyway; they need not wake every set.
    revisions.addHandlers(ownedObjectHandlers(lookup, (set) => this.enqueue(set), false));
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
    const candidates = claimCandidates(this.pods, PODS_BY_CONTROLLER, set, (pod) => isMemberOf(set, pod));
    const owned = await claimObjects(this.client, { ref: RESOURCES.pods, ownerRef: RESOURCES.statefulsets, owner: set, selector: set.spec.selector, candidates });
    return owned.filter((pod) => isMemberOf(set, pod));
  }

  /** Writes the status when it says something new, then waits for the cache to show it. */
  private async writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    completeRollingUpdate(set, status);
    if (statusChanged(set, status)) await patchStatus(this.client, RESOURCES.statefulsets, this.setsCatchUp, set, status);
  }
}

