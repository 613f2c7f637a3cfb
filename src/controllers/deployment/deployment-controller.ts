// The Deployment controller (pkg/controller/deployment): rolls a
// Deployment's pod template out through ReplicaSets, one per template
// (named <deployment>-<pod-template-hash>), with the RollingUpdate or
// Recreate strategy; scales, pauses and resumes; keeps revisionHistoryLimit
// old sets; reports status and the Progressing and Available conditions the
// way `kubectl rollout status` reads them.
//
// Level-triggered and stateless: every sync starts from the informers.
import type { KubeObject } from '../../api/types.js';
import { rfc3339 } from '../../apiserver/registry/names.js';
import { RESOURCES } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { byControllerUid, objectKey, splitKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { claimObjects } from '../common/adoption.js';
import { findCondition, withCondition } from '../common/conditions.js';
import { controllerOf, selectorMatches } from '../common/owners.js';
import type { Controller, ControllerContext } from '../controller.js';
import { asReplicaSet, type ReplicaSet } from '../replicaset/replicaset-types.js';
import { asDeployment, deploymentReplicas, isRollingUpdate, type Deployment } from './deployment-types.js';
import { PROGRESSING, Reasons, hasProgressDeadline, newCondition } from './deployment-status.js';
import { DeploymentSync } from './deployment-sync.js';
import { scaleDeployment } from './proportional-scale.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling-update.js';
import { desiredReplicasAnnotation } from './replica-set-annotations.js';
import { activeReplicaSets } from './replica-set-queries.js';

const WORKERS = 5;
const BY_CONTROLLER_UID = 'byControllerUid';

export class DeploymentController implements Controller {
  readonly name = 'deployment-controller';
  private readonly queue: WorkQueue;
  private readonly deployments: Informer;
  private readonly replicaSets: Informer;
  private readonly pods: Informer;
  private readonly recorder: EventRecorder;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(ctx.wheel);
    this.recorder = ctx.recorder(this.name);
    this.deployments = ctx.informers.informer(RESOURCES.deployments);
    this.replicaSets = ctx.informers.informer(RESOURCES.replicasets);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.replicaSets.addIndex(BY_CONTROLLER_UID, byControllerUid);
    this.pods.addIndex(BY_CONTROLLER_UID, byControllerUid);
    this.deployments.addHandlers({
      add: (d) => this.queue.add(objectKey(d)),
      update: (_old, d) => this.queue.add(objectKey(d)),
      delete: (d) => this.queue.add(objectKey(d)),
    });
    this.replicaSets.addHandlers({
      add: (rs) => this.replicaSetChanged(undefined, rs),
      update: (oldRS, rs) => this.replicaSetChanged(oldRS, rs),
      delete: (rs) => this.enqueueController(rs),
    });
    this.pods.addHandlers({ delete: (pod) => this.podDeleted(pod) });
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => this.reconcile(key), (key, err) => {
      this.ctx.log({ controller: this.name, key, msg: 'sync failed, requeued', error: String((err as Error)?.message ?? err) });
    });
  }

  stop(): void {
    this.queue.shutdown();
  }

  // ---- event handlers ----

  private deploymentFor(namespace: string | undefined, ref: ReturnType<typeof controllerOf>): Deployment | undefined {
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.deployments.get(namespace, ref.name);
    return d && d.metadata.uid === ref.uid ? asDeployment(d) : undefined;
  }

  private enqueueController(rs: KubeObject): void {
    const d = this.deploymentFor(rs.metadata.namespace, controllerOf(rs));
    if (d) this.queue.add(objectKey(d));
  }

  /** A set changed: its Deployment syncs; an orphan may be adopted by any Deployment selecting it. */
  private replicaSetChanged(oldRS: KubeObject | undefined, rs: KubeObject): void {
    const oldRef = oldRS && controllerOf(oldRS);
    const ref = controllerOf(rs);
    if (oldRS && oldRef && JSON.stringify(oldRef) !== JSON.stringify(ref)) this.enqueueController(oldRS);
    if (ref) {
      this.enqueueController(rs);
      return;
    }
    const labelsChanged = !oldRS || JSON.stringify(oldRS.metadata.labels ?? {}) !== JSON.stringify(rs.metadata.labels ?? {});
    if (!rs.metadata.deletionTimestamp && (labelsChanged || oldRef)) {
      for (const d of this.deployments.list(rs.metadata.namespace).map(asDeployment)) {
        if (selectorMatches(d.spec.selector, rs.metadata.labels)) this.queue.add(objectKey(d));
      }
    }
  }

  /** Recreate waits for old pods to be gone, so their deletion is what lets it continue. */
  private podDeleted(pod: KubeObject): void {
    const rsRef = controllerOf(pod);
    if (!rsRef || rsRef.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(pod.metadata.namespace, rsRef.name);
    if (!rs || rs.metadata.uid !== rsRef.uid) return;
    const d = this.deploymentFor(rs.metadata.namespace, controllerOf(rs));
    if (d && !isRollingUpdate(d)) this.queue.add(objectKey(d));
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deployments.get(namespace, name);
    if (!cached) return;
    const d = asDeployment(cached);
    const selector = d.spec.selector;
    const deps = {
      client: this.ctx.client,
      recorder: this.recorder,
      wallMs: () => this.ctx.clock.wallMs(),
      requeueAfter: (ms: number) => this.queue.addAfter(key, ms),
    };
    if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) {
      this.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      const sync = new DeploymentSync(deps, d, []);
      await sync.writeStatus({ ...d.status, observedGeneration: d.metadata.generation });
      return;
    }
    const replicaSets = (await claimObjects(this.ctx.client, {
      ref: RESOURCES.replicasets, ownerRef: RESOURCES.deployments, owner: d, selector, candidates: this.replicaSets.list(namespace),
    })).map(asReplicaSet);
    const sync = new DeploymentSync(deps, d, replicaSets);

    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await sync.newAndOld(false);
      await sync.syncStatus([...oldRSs, newRS], newRS);
      return;
    }
    await this.syncPausedCondition(sync);
    if (d.spec.paused || (await this.isScalingEvent(sync))) {
      await this.scaleOnly(sync);
      return;
    }
    if (isRollingUpdate(d)) await rolloutRolling(sync);
    else await rolloutRecreate(sync, DeploymentSync.podsByReplicaSet(replicaSets, this.podsOf(d, replicaSets)));
  }

  /** Pods controlled by the Deployment's sets (terminating ones included). */
  private podsOf(d: Deployment, replicaSets: ReplicaSet[]): KubeObject[] {
    return replicaSets.flatMap((rs) => this.pods.byIndex(BY_CONTROLLER_UID, rs.metadata.uid!)).filter((pod) => pod.metadata.namespace === d.metadata.namespace);
  }

  /**
   * checkPausedConditions: pausing and resuming set Progressing to Unknown,
   * so time spent paused never counts against the progress deadline.
   */
  private async syncPausedCondition(sync: DeploymentSync): Promise<void> {
    const d = sync.d;
    if (!hasProgressDeadline(d)) return;
    const progressing = findCondition(d.status?.conditions, PROGRESSING);
    if (progressing?.reason === Reasons.timedOut) return;
    const pausedShown = progressing?.reason === Reasons.paused;
    const now = rfc3339(this.ctx.clock.wallMs());
    let condition;
    if (d.spec.paused && !pausedShown) condition = newCondition(PROGRESSING, 'Unknown', Reasons.paused, 'Deployment is paused', now);
    else if (!d.spec.paused && pausedShown) condition = newCondition(PROGRESSING, 'Unknown', Reasons.resumed, 'Deployment is resumed', now);
    if (condition) await sync.writeStatus({ ...d.status, conditions: withCondition(d.status?.conditions, condition) });
  }

  /** isScalingEvent: an active set was last sized for another replica count. */
  private async isScalingEvent(sync: DeploymentSync): Promise<boolean> {
    const { newRS, oldRSs } = await sync.newAndOld(false);
    const replicas = deploymentReplicas(sync.d);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== replicas;
    });
  }

  /** sync: scale (proportionally mid-rollout) and report, without rolling; a paused Deployment also cleans up. */
  private async scaleOnly(sync: DeploymentSync): Promise<void> {
    const { newRS, oldRSs } = await sync.newAndOld(false);
    await scaleDeployment(sync, newRS, oldRSs);
    const latestOld = sync.latest(oldRSs);
    const latestNew = newRS && sync.latestOf(newRS);
    if (sync.d.spec.paused) await sync.cleanup(latestOld);
    await sync.syncStatus([...latestOld, latestNew], latestNew);
  }
}
