// The DaemonSet controller: one daemon pod on every node that should run it
// (pkg/controller/daemon). Pods name their node through required node
// affinity and are bound by the scheduler.
//
// Informers on DaemonSets, nodes, pods and ControllerRevisions feed a queue
// of `namespace/name` keys. sync(key) resolves the current revision, makes
// the pods match the nodes (manage), then, with nothing left to create or
// delete there, advances a rolling update, and writes the status.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isAlreadyExists, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { byControllerUid, objectKey, splitKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { claimObjects } from '../common/adoption.js';
import { slowStartBatch } from '../common/batch.js';
import { CacheCatchUp } from '../common/cache-catch-up.js';
import { claimCandidates, ownedObjectHandlers } from '../common/owned-objects.js';
import { selectorMatches } from '../common/owners.js';
import { patchStatus } from '../common/status-patch.js';
import type { Controller, ControllerContext } from '../controller.js';
import { RevisionHistory } from '../history/revision-history.js';
import { DaemonSetHistory } from './daemon-history.js';
import { daemonPodTemplate, newDaemonPod } from './daemon-pods.js';
import { daemonSetStatus, daemonStatusChanged } from './daemon-status.js';
import { podsByNode } from './node-pods.js';
import { managePlan, type PodPlan } from './placement.js';
import { rollingUpdatePlan } from './rolling-update.js';
import { isOnDelete, type DaemonSet, type DaemonSetStatus } from './types.js';

const WORKERS = 2;
const PODS_BY_CONTROLLER = 'byControllerUid';
/** burstReplicas: at most this many creations (and deletions) per pass. */
const BURST = 250;

export class DaemonSetController implements Controller {
  readonly name = 'daemonset-controller';
  private readonly client: ApiClient;
  private readonly daemonSets: Informer;
  private readonly nodes: Informer;
  private readonly pods: Informer;
  private readonly queue: WorkQueue;
  private readonly history: DaemonSetHistory;
  private readonly podsCatchUp: CacheCatchUp;
  private readonly daemonSetsCatchUp: CacheCatchUp;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.client = ctx.client;
    this.daemonSets = ctx.informers.informer(RESOURCES.daemonsets);
    this.nodes = ctx.informers.informer(RESOURCES.nodes);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    const revisions = ctx.informers.informer(RESOURCES.controllerrevisions);
    this.pods.addIndex(PODS_BY_CONTROLLER, byControllerUid);
    RevisionHistory.indexInformer(revisions);
    this.queue = new WorkQueue(ctx.wheel);
    this.recorder = ctx.recorder(this.name);
    this.history = new DaemonSetHistory(this.client, new RevisionHistory(this.client, revisions));
    this.podsCatchUp = new CacheCatchUp(this.pods, ctx.wheel);
    this.daemonSetsCatchUp = new CacheCatchUp(this.daemonSets, ctx.wheel);

    this.daemonSets.addHandlers({
      add: (ds) => this.enqueue(ds),
      update: (_old, ds) => this.enqueue(ds),
      delete: (ds) => this.enqueue(ds),
    });
    const lookup = { kind: 'DaemonSet', owners: this.daemonSets, selectorOf: (ds: KubeObject) => (ds as DaemonSet).spec.selector };
    this.pods.addHandlers(ownedObjectHandlers(lookup, (ds) => this.enqueue(ds)));
    // Orphaned revisions are adopted when their DaemonSet syncs anyway; they need not wake every DaemonSet.
    revisions.addHandlers(ownedObjectHandlers(lookup, (ds) => this.enqueue(ds), false));
    this.nodes.addHandlers({
      add: () => this.enqueueAll(),
      // Heartbeats change nothing a DaemonSet looks at.
      update: (old, node) => {
        if (!sameJson(old.metadata.labels, node.metadata.labels) || !sameJson(old.spec, node.spec)) this.enqueueAll();
      },
      delete: () => this.enqueueAll(),
    });
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => this.sync(key), (key, err) => this.ctx.log({ controller: this.name, key, error: String(err) }));
  }

  stop(): void {
    this.queue.shutdown();
  }

  private enqueue(ds: KubeObject): void {
    this.queue.add(objectKey(ds));
  }

  private enqueueAll(): void {
    for (const ds of this.daemonSets.list()) this.enqueue(ds);
  }

  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.daemonSets.get(namespace, name) as DaemonSet | undefined;
    if (!cached) return;
    const ds = structuredClone(cached);
    const selector = ds.spec.selector;
    if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }
    // A DaemonSet being deleted is left to the garbage collector.
    if (ds.metadata.deletionTimestamp) return;
    const nodes = this.nodes.list();
    const { old, hash } = await this.history.construct(ds);

    const plan = managePlan(ds, nodes, podsByNode(await this.ownedPods(ds)), hash, this.ctx.clock.wallMs());
    const managed = await this.carryOut(ds, plan, hash);
    // Kubernetes advances the update only once the manage step has nothing in flight.
    if (!managed && !isOnDelete(ds)) {
      await this.carryOut(ds, rollingUpdatePlan(ds, nodes, podsByNode(await this.ownedPods(ds)), hash, this.ctx.clock.wallMs()), hash);
    }
    const pods = await this.ownedPods(ds);
    await this.history.cleanup(ds, old, pods);
    const status = daemonSetStatus(ds, nodes, podsByNode(pods), hash, this.ctx.clock.wallMs());
    await this.writeStatus(ds, status);
    // Pods ready but not yet available become available with time alone.
    const minReadySeconds = ds.spec.minReadySeconds ?? 0;
    if (minReadySeconds > 0 && status.numberReady !== status.numberAvailable) this.queue.addAfter(key, minReadySeconds * 1000);
  }

  /** The DaemonSet's pods, adopting matching orphans and releasing the ones that stopped matching. */
  private async ownedPods(ds: DaemonSet): Promise<KubeObject[]> {
    const candidates = claimCandidates(this.pods, PODS_BY_CONTROLLER, ds, (pod) => selectorMatches(ds.spec.selector, pod.metadata.labels));
    return claimObjects(this.client, { ref: RESOURCES.pods, ownerRef: RESOURCES.daemonsets, owner: ds, selector: ds.spec.selector, candidates });
  }

  /** syncNodes: creates and deletes what the plan says, then waits for the cache to show it. Returns whether it wrote anything. */
  private async carryOut(ds: DaemonSet, plan: PodPlan, hash: string): Promise<boolean> {
    const createOn = plan.createOn.slice(0, BURST);
    for (const pod of plan.failed) {
      this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${pod.spec && (pod.spec as { nodeName?: string }).nodeName}, will try to kill it`);
    }
    const deletions = [...plan.delete, ...plan.failed].slice(0, BURST);
    if (createOn.length + deletions.length + plan.orphaned.length === 0) return false;
    const errors: unknown[] = [];

    const template = daemonPodTemplate(ds, hash);
    let next = 0;
    const created = await slowStartBatch(createOn.length, 1, async () => {
      const pod = await this.createPod(ds, newDaemonPod(ds, template, createOn[next++]!));
      if (pod) await this.podsCatchUp.untilPresent(pod);
    });
    if (created.error !== undefined) errors.push(created.error);

    const deleted = await Promise.allSettled([
      ...deletions.map((pod) => this.deletePod(ds, pod)),
      ...plan.orphaned.map((pod) => this.deletePod(ds, pod, 0)),
    ]);
    for (const result of deleted) if (result.status === 'rejected') errors.push(result.reason);
    if (errors.length > 0) throw errors[0];
    return true;
  }

  private async createPod(ds: DaemonSet, pod: KubeObject): Promise<KubeObject | undefined> {
    try {
      const created = await this.client.create(RESOURCES.pods, ds.metadata.namespace, pod);
      this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      return created;
    } catch (err) {
      if (isAlreadyExists(err)) return undefined;
      this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
  }

  private async deletePod(ds: DaemonSet, pod: KubeObject, gracePeriodSeconds?: number): Promise<void> {
    try {
      await this.client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid }, gracePeriodSeconds });
      this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    await this.podsCatchUp.untilDeleting(pod);
  }

  /** Writes the status when it says something new, then waits for the cache to show it. */
  private async writeStatus(ds: DaemonSet, status: DaemonSetStatus): Promise<void> {
    if (daemonStatusChanged(ds, status)) await patchStatus(this.client, RESOURCES.daemonsets, this.daemonSetsCatchUp, ds, status);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
