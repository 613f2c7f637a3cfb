// One sync of one Deployment: the writes every strategy shares (find or
// create the new ReplicaSet and stamp revisions, scale a ReplicaSet with its
// event, clean up old ReplicaSets, write status), working on copies of the
// cached objects and keeping the latest resourceVersions so a sync's writes
// don't conflict with each other.
import type { KubeObject } from '../../api/types.js';
import { rfc3339 } from '../../apiserver/registry/names.js';
import { RESOURCES, isAlreadyExists, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { computeHash } from '../common/hash.js';
import { findCondition, withCondition, withoutCondition } from '../common/conditions.js';
import { controllerRef, isControlledBy } from '../common/owners.js';
import { errorMessage } from '../replicaset/replicaset-status.js';
import { asReplicaSet, specReplicas, type ReplicaSet } from '../replicaset/replicaset-types.js';
import { deploymentReplicas, type Deployment, type DeploymentStatus } from './deployment-types.js';
import {
  PROGRESSING, REPLICA_FAILURE, Reasons, calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut,
  compactStatus, hasProgressDeadline, msUntilDeadline, newCondition, replicaFailures, statusEqual,
} from './deployment-status.js';
import { maxSurge } from './fenceposts.js';
import { REVISION_ANNOTATION, maxRevision, replicasAnnotationsNeedUpdate, setNewReplicaSetAnnotations, setReplicasAnnotations } from './replica-set-annotations.js';
import { POD_TEMPLATE_HASH_LABEL, byRevision, equalIgnoreHash, findNewReplicaSet, newReplicaSetReplicas } from './replica-set-queries.js';

export interface SyncDependencies {
  client: ApiClient;
  recorder: EventRecorder;
  wallMs: () => number;
  /** Sync this Deployment again after a delay (progress deadline checks). */
  requeueAfter: (delayMs: number) => void;
}

export interface NewAndOld {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

export class DeploymentSync {
  /** The Deployment as this sync last wrote or read it (a private copy). */
  d: Deployment;

  constructor(
    private readonly deps: SyncDependencies,
    deployment: Deployment,
    /** The ReplicaSets this Deployment controls. */
    readonly replicaSets: ReplicaSet[],
  ) {
    this.d = structuredClone(deployment);
  }

  private now(): string {
    return rfc3339(this.deps.wallMs());
  }

  private event(reason: string, message: string): void {
    this.deps.recorder.event(this.d, 'Normal', reason, message);
  }

  // ---- new and old ReplicaSets, revisions ----

  /**
   * getAllReplicaSetsAndSyncRevision: the new set (created when asked and
   * missing) and the old ones, with the new set's revision one above the old
   * ones' and the Deployment's revision annotation following it.
   */
  async newAndOld(createIfMissing: boolean): Promise<NewAndOld> {
    const existing = findNewReplicaSet(this.d, this.replicaSets);
    const oldRSs = this.replicaSets.filter((rs) => rs !== existing);
    const newRS = await this.syncNewReplicaSet(existing, oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  private async syncNewReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], createIfMissing: boolean): Promise<ReplicaSet | undefined> {
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) return this.syncExistingNewReplicaSet(existing, newRevision);
    if (!createIfMissing) return undefined;
    return this.createNewReplicaSet(oldRSs, newRevision);
  }

  private async syncExistingNewReplicaSet(existing: ReplicaSet, newRevision: number): Promise<ReplicaSet> {
    let rs = structuredClone(existing);
    const annotationsChanged = setNewReplicaSetAnnotations(this.d, rs, newRevision, true, maxSurge(this.d));
    const minReadySecondsChanged = (rs.spec.minReadySeconds ?? 0) !== (this.d.spec.minReadySeconds ?? 0);
    if (annotationsChanged || minReadySecondsChanged) {
      rs.spec.minReadySeconds = this.d.spec.minReadySeconds;
      rs = await this.updateReplicaSet(rs);
    }
    await this.setDeploymentRevision(rs.metadata.annotations?.[REVISION_ANNOTATION]);
    if (!findCondition(this.d.status?.conditions, PROGRESSING) && hasProgressDeadline(this.d)) {
      const found = newCondition(PROGRESSING, 'True', Reasons.foundNewReplicaSet, `Found new replica set "${rs.metadata.name}"`, this.now());
      await this.writeStatus({ ...this.d.status, conditions: withCondition(this.d.status?.conditions, found) });
    }
    return rs;
  }

  /** The new ReplicaSet: the template with pod-template-hash, named <deployment>-<hash>. */
  private buildNewReplicaSet(): ReplicaSet {
    const d = this.d;
    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = structuredClone(d.spec.template ?? {});
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [controllerRef(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds, selector, template },
    };
  }

  private async createNewReplicaSet(oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
    const d = this.d;
    const draft = this.buildNewReplicaSet();
    const replicas = newReplicaSetReplicas(d, [...oldRSs, draft], draft);
    draft.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, draft, newRevision, false, maxSurge(d));
    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = asReplicaSet(await this.deps.client.create(RESOURCES.replicasets, d.metadata.namespace, draft));
    } catch (err) {
      if (!isAlreadyExists(err)) {
        if (hasProgressDeadline(d)) {
          const failed = newCondition(PROGRESSING, 'False', Reasons.failedReplicaSetCreate, `Failed to create new replica set "${draft.metadata.name}": ${errorMessage(err)}`, this.now());
          await this.writeStatus({ ...d.status, conditions: withCondition(d.status?.conditions, failed) });
        }
        throw err;
      }
      // Our own earlier create that the cache hasn't shown yet, or a hash collision.
      const found = asReplicaSet(await this.deps.client.get(RESOURCES.replicasets, d.metadata.namespace, draft.metadata.name!));
      if (!isControlledBy(found, d) || !equalIgnoreHash(found.spec.template, d.spec.template)) {
        await this.writeStatus({ ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 });
        throw new Error(`hash collision for deployment ${d.metadata.name}: replica set ${draft.metadata.name} exists with another template; retrying with collisionCount ${(d.status?.collisionCount ?? 0)}`);
      }
      created = found;
      alreadyExisted = true;
    }
    if (!alreadyExisted && replicas > 0) this.event('ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    await this.setDeploymentRevision(String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      const createdCondition = newCondition(PROGRESSING, 'True', Reasons.newReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, this.now());
      await this.writeStatus({ ...this.d.status, conditions: withCondition(this.d.status?.conditions, createdCondition) });
    }
    return created;
  }

  /**
   * SetDeploymentRevision. Kubernetes writes it with the status; our status
   * subresource keeps metadata as stored, so it is a metadata patch of its own.
   */
  private async setDeploymentRevision(revision: string | undefined): Promise<void> {
    if (revision === undefined || this.d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return;
    const patched = await this.deps.client.patch(RESOURCES.deployments, this.d.metadata.namespace, this.d.metadata.name!, 'application/merge-patch+json', {
      metadata: { annotations: { [REVISION_ANNOTATION]: revision }, resourceVersion: this.d.metadata.resourceVersion },
    });
    this.d.metadata.annotations = { ...this.d.metadata.annotations, [REVISION_ANNOTATION]: revision };
    this.d.metadata.resourceVersion = patched.metadata.resourceVersion;
  }

  // ---- scaling ----

  private async updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const updated = asReplicaSet(await this.deps.client.update(RESOURCES.replicasets, rs.metadata.namespace, rs));
    const index = this.replicaSets.findIndex((r) => r.metadata.uid === updated.metadata.uid);
    if (index >= 0) this.replicaSets[index] = updated;
    return updated;
  }

  /** scaleReplicaSetAndRecordEvent: scales when the size differs. */
  async scaleAndRecord(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scale(rs, newScale, specReplicas(rs) < newScale ? 'up' : 'down');
  }

  /** scaleReplicaSet: the new size and the replicas annotations, in one update; an event when the size changed. */
  async scale(rs: ReplicaSet, newScale: number, direction: 'up' | 'down' | ''): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const replicas = deploymentReplicas(this.d);
    const max = replicas + maxSurge(this.d);
    const oldScale = specReplicas(rs);
    const sizeChanges = oldScale !== newScale;
    if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, replicas, max)) return { scaled: false, rs };
    const copy = structuredClone(rs);
    copy.spec.replicas = newScale;
    setReplicasAnnotations(copy, replicas, max);
    const updated = await this.updateReplicaSet(copy);
    if (sizeChanges) this.event('ScalingReplicaSet', `Scaled ${direction} replica set ${updated.metadata.name} to ${newScale} from ${oldScale}`);
    return { scaled: sizeChanges, rs: updated };
  }

  /** The copy of `rs` as this sync last wrote it. */
  latestOf(rs: ReplicaSet): ReplicaSet {
    return this.replicaSets.find((r) => r.metadata.uid === rs.metadata.uid) ?? rs;
  }

  latest(sets: ReplicaSet[]): ReplicaSet[] {
    return sets.map((rs) => this.latestOf(rs));
  }

  // ---- cleanup ----

  /** cleanupDeployment: deletes the oldest unused sets beyond revisionHistoryLimit. */
  async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
    const limit = this.d.spec.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    const excess = cleanable.length - limit;
    for (const rs of cleanable.slice(0, Math.max(0, excess))) {
      const unused = (rs.status?.replicas ?? 0) === 0 && specReplicas(rs) === 0 && (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0);
      if (!unused) continue;
      await this.deps.client.delete(RESOURCES.replicasets, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } }).catch((err: unknown) => {
        if ((err as { code?: number }).code !== 404) throw err;
      });
    }
  }

  // ---- status ----

  /** Writes status when it differs from the stored one. */
  async writeStatus(status: DeploymentStatus): Promise<void> {
    if (statusEqual(this.d.status, status)) return;
    const next = { ...this.d, status: compactStatus(status) };
    const updated = await this.deps.client.update(RESOURCES.deployments, this.d.metadata.namespace, next, 'status');
    this.d = structuredClone(updated) as Deployment;
  }

  /** syncDeploymentStatus: counts and Available only (scaling, paused). */
  async syncStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    await this.writeStatus(calculateStatus(this.d, allRSs, newRS, this.now()));
  }

  /** syncRolloutStatus: counts, Available, Progressing against the deadline, ReplicaFailure. */
  async syncRolloutStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Promise<void> {
    const d = this.d;
    const now = this.now();
    const status = calculateStatus(d, allRSs, newRS, now);
    if (!hasProgressDeadline(d)) status.conditions = withoutCondition(status.conditions, PROGRESSING);
    const current = findCondition(status.conditions, PROGRESSING);
    const complete = status.replicas === status.updatedReplicas && current?.reason === Reasons.newReplicaSetAvailable;
    if (hasProgressDeadline(d) && !complete) {
      const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : 'Deployment';
      if (deploymentComplete(d, status)) {
        const message = newRS ? `${subject} has successfully progressed.` : 'Deployment has successfully progressed.';
        status.conditions = withCondition(status.conditions, newCondition(PROGRESSING, 'True', Reasons.newReplicaSetAvailable, message, now));
      } else if (deploymentProgressing(d, status)) {
        // Progress refreshes lastUpdateTime, which is what the deadline counts from.
        const progressing = newCondition(PROGRESSING, 'True', Reasons.replicaSetUpdated, `${subject} is progressing.`, now);
        if (current?.status === 'True') progressing.lastTransitionTime = current.lastTransitionTime;
        status.conditions = [...withoutCondition(status.conditions, PROGRESSING), progressing];
      } else if (deploymentTimedOut(d, status, this.deps.wallMs())) {
        status.conditions = withCondition(status.conditions, newCondition(PROGRESSING, 'False', Reasons.timedOut, `${subject} has timed out progressing.`, now));
      }
    }
    const failures = replicaFailures(allRSs, newRS);
    status.conditions = failures.length > 0 ? withCondition(status.conditions, failures[0]!) : withoutCondition(status.conditions, REPLICA_FAILURE);
    if (statusEqual(d.status, status)) {
      this.requeueIfStuck(status);
      return;
    }
    await this.writeStatus(status);
  }

  /**
   * requeueStuckDeployment: with no progress to report, nothing else would
   * sync this Deployment when its deadline passes, so schedule that sync.
   */
  private requeueIfStuck(status: DeploymentStatus): void {
    const current = findCondition(this.d.status?.conditions, PROGRESSING);
    if (!hasProgressDeadline(this.d) || !current) return;
    if (deploymentComplete(this.d, status) || current.reason === Reasons.timedOut) return;
    const remaining = msUntilDeadline(this.d, this.d.status ?? {}, this.deps.wallMs());
    if (remaining === undefined) return;
    // Condition times have second precision: wait a second past the deadline.
    this.deps.requeueAfter(Math.max(0, remaining) + 1000);
  }

  /** Pods of the Deployment grouped by the uid of the ReplicaSet that controls them. */
  static podsByReplicaSet(replicaSets: ReplicaSet[], pods: KubeObject[]): Map<string, KubeObject[]> {
    const byUid = new Map<string, KubeObject[]>(replicaSets.map((rs) => [rs.metadata.uid!, []]));
    for (const pod of pods) {
      const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
      if (owner) byUid.get(owner.uid)?.push(pod);
    }
    return byUid;
  }
}
