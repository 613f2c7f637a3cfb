// One pass of the StatefulSet algorithm (defaultStatefulSetControl.updateStatefulSet):
//   1. make every ordinal in [start, start+replicas) exist, lowest first;
//      OrderedReady waits for each to be Running and Ready before the next,
//      Parallel creates them all at once; finished pods are replaced;
//   2. delete pods beyond the range, highest ordinal first (OrderedReady: one
//      at a time, only once every kept pod is healthy);
//   3. RollingUpdate: delete the highest-ordinal pod (≥ partition) not at the
//      update revision, one at a time, waiting for each replacement to be
//      healthy; step 1 of a later pass recreates it from the new template.
// It acts on the informer's view and returns the status that view implies.
import type { KubeObject } from '../../api/types.js';
import { slowStartBatch } from '../common/batch.js';
import type { CacheCatchUp } from '../common/cache-catch-up.js';
import { podPhase } from '../common/pods.js';
import { identityMatches, newStatefulSetPod, ordinalOf, revisionOf, storageMatches } from './identity.js';
import type { StatefulPodControl } from './pod-control.js';
import { isHealthy, isRunningAndAvailable, isRunningAndReady, isTerminating, replicaStatus } from './replica-status.js';
import { setAtRevision, type SetRevisions } from './revisions.js';
import { isOnDelete, isParallel, replicasOf, startOrdinal, type StatefulSet, type StatefulSetStatus } from './types.js';

export interface PassResult {
  status: StatefulSetStatus;
  error?: unknown;
}

/** A pod this pass built but the API doesn't have yet. */
function isCreated(pod: KubeObject): boolean {
  return pod.metadata.uid !== undefined;
}

function isFinished(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Runs `step` over indexes: one by one until a step says stop (monotonic), or all in slow-start batches. */
async function runForAll(count: number, monotonic: boolean, step: (i: number) => Promise<boolean>): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await step(i)) return true;
    return false;
  }
  let next = 0;
  const { error } = await slowStartBatch(count, 1, async () => {
    await step(next++);
  });
  if (error !== undefined) throw error;
  return false;
}

export class StatefulSetControl {
  constructor(
    private readonly podControl: StatefulPodControl,
    private readonly podsCatchUp: CacheCatchUp,
    private readonly wallMs: () => number,
  ) {}

  async run(set: StatefulSet, revisions: SetRevisions, pods: KubeObject[]): Promise<PassResult> {
    const pass = new Pass(this, set, revisions, pods, this.wallMs());
    try {
      await pass.run();
      return { status: pass.status() };
    } catch (error) {
      return { status: pass.status(), error };
    }
  }

  async create(set: StatefulSet, pod: KubeObject): Promise<void> {
    await this.podsCatchUp.untilPresent(await this.podControl.createPod(set, pod));
  }

  async delete(set: StatefulSet, pod: KubeObject): Promise<void> {
    await this.podControl.deletePod(set, pod);
    await this.podsCatchUp.untilDeleting(pod);
  }

  get claims(): StatefulPodControl {
    return this.podControl;
  }
}

class Pass {
  /** Index i holds ordinal start+i: the existing pod, or one to create. */
  private readonly replicas: KubeObject[];
  /** Existing pods beyond the range, highest ordinal first. */
  private readonly condemned: KubeObject[];
  private readonly firstUnhealthy: KubeObject | undefined;
  private readonly monotonic: boolean;
  private readonly minReadySeconds: number;
  private currentReplicasDeleted = 0;

  constructor(
    private readonly control: StatefulSetControl,
    private readonly set: StatefulSet,
    private readonly revisions: SetRevisions,
    private readonly existing: KubeObject[],
    private readonly nowWallMs: number,
  ) {
    this.monotonic = !isParallel(set);
    this.minReadySeconds = set.spec.minReadySeconds ?? 0;
    const start = startOrdinal(set);
    const slots: (KubeObject | undefined)[] = new Array(replicasOf(set)).fill(undefined);
    const condemned: KubeObject[] = [];
    for (const pod of existing) {
      const ordinal = ordinalOf(pod);
      if (ordinal >= start && ordinal < start + slots.length) slots[ordinal - start] = pod;
      else if (ordinal >= 0) condemned.push(pod);
    }
    this.replicas = slots.map((pod, i) => pod ?? this.newVersionedPod(start + i));
    this.condemned = condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
    // The first unhealthy pod in ordinal order, else the lowest unhealthy condemned one.
    this.firstUnhealthy = this.replicas.find((p) => !isHealthy(p)) ?? [...this.condemned].reverse().find((p) => !isHealthy(p));
  }

  /**
   * newVersionedStatefulSetPod: ordinals below the partition are (re)created
   * at the current revision, the rest at the update revision.
   */
  private newVersionedPod(ordinal: number): KubeObject {
    const { current, update } = this.revisions;
    const strategy = this.set.spec.updateStrategy;
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    const keepsCurrent = strategy?.type !== 'OnDelete' && ordinal < startOrdinal(this.set) + partition;
    const revision = keepsCurrent ? current : update;
    return newStatefulSetPod(setAtRevision(this.set, revision), ordinal, revision.metadata.name!);
  }

  status(): StatefulSetStatus {
    const { current, update, collisionCount } = this.revisions;
    const status = replicaStatus(this.set, this.existing, current.metadata.name!, update.metadata.name!, this.nowWallMs);
    status.currentReplicas! -= this.currentReplicasDeleted;
    return { ...status, observedGeneration: this.set.metadata.generation, currentRevision: current.metadata.name, updateRevision: update.metadata.name, collisionCount };
  }

  async run(): Promise<void> {
    // A set being deleted only reports status; the garbage collector removes its pods.
    if (this.set.metadata.deletionTimestamp) return;
    if (await runForAll(this.replicas.length, this.monotonic, (i) => this.processReplica(i))) return;
    await runForAll(this.condemned.length, this.monotonic, (i) => this.fixCondemnedClaims(i));
    if (await runForAll(this.condemned.length, this.monotonic, (i) => this.processCondemned(i))) return;
    if (isOnDelete(this.set)) return;
    await this.rollingUpdate();
  }

  /** Returns true when the pass must stop here (in OrderedReady). */
  private async processReplica(i: number): Promise<boolean> {
    const pod = this.replicas[i]!;
    if (isCreated(pod) && isFinished(pod)) {
      // Replaced on a later pass, once the API no longer has it.
      if (!isTerminating(pod)) await this.control.delete(this.set, pod);
      return true;
    }
    if (!isCreated(pod)) {
      // A claim still owned by this ordinal's previous pod is about to be collected.
      if (this.control.claims.podClaimIsStale(this.set, pod)) return true;
      await this.control.create(this.set, pod);
      return this.monotonic;
    }
    if (this.monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, this.minReadySeconds, this.nowWallMs))) return true;
    if (identityMatches(this.set, pod) && storageMatches(this.set, pod) && this.control.claims.claimsMatchRetentionPolicy(this.set, pod)) return false;
    await this.control.claims.repairPod(this.set, pod);
    return false;
  }

  private async fixCondemnedClaims(i: number): Promise<boolean> {
    const pod = this.condemned[i]!;
    if (!this.control.claims.claimsMatchRetentionPolicy(this.set, pod)) await this.control.claims.updateClaimsForRetention(this.set, pod);
    return false;
  }

  private async processCondemned(i: number): Promise<boolean> {
    const pod = this.condemned[i]!;
    if (isTerminating(pod)) return this.monotonic;
    const healthy = isRunningAndReady(pod) && isRunningAndAvailable(pod, this.minReadySeconds, this.nowWallMs);
    if (this.monotonic && !healthy && pod !== this.firstUnhealthy) return true;
    await this.control.delete(this.set, pod);
    return true;
  }

  private async rollingUpdate(): Promise<void> {
    const updateRevision = this.revisions.update.metadata.name;
    const partition = this.set.spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let target = this.replicas.length - 1; target >= partition; target--) {
      const pod = this.replicas[target]!;
      if (revisionOf(pod) !== updateRevision && !isTerminating(pod)) {
        if (!isCreated(pod)) return;
        await this.control.delete(this.set, pod);
        if (revisionOf(pod) === this.revisions.current.metadata.name) this.currentReplicasDeleted++;
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }
}
