// Bringing a Job's active pods to what it wants: as many as parallelism
// allows and completions still need, none while suspended, the pending
// indexes of an Indexed Job, and nothing new while failures back off.
// Creation and deletion are never mixed in one sync; deletion wins.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound } from '../../client/api-client.js';
import { slowStartBatch } from '../common/batch.js';
import { isPodReady } from '../common/pods.js';
import { completionIndexOf, hasValidIndex, UNKNOWN_COMPLETION_INDEX } from './completion-indexes.js';
import { JOB_TRACKING_FINALIZER, isIndexedJob, isSuspended, onlyReplaceFailedPods, type Job } from './job-api.js';
import { buildJobPod, compareForRemoval, hasTrackingFinalizer, isPodTerminating } from './job-pods.js';
import { requeueAtWall, type JobSyncContext, type JobSyncDeps } from './job-sync-context.js';
import { failureRecord, remainingBackoffMs } from './pod-failure-backoff.js';

/** Bounds the API calls one sync makes, so a huge Job can't starve the others. */
const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

export const REMOVE_TRACKING_FINALIZER_PATCH = { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } };

export interface DeleteOutcome {
  deleted: number;
  deletedReady: number;
  error?: unknown;
}

/**
 * Pods to delete: for an Indexed Job every pod without a valid index and all
 * but the most advanced pod of each repeated index, then the cheapest pods
 * until at least `atLeast` are chosen.
 */
export function activePodsForRemoval(job: Job, pods: KubeObject[], atLeast: number): KubeObject[] {
  const remove: KubeObject[] = [];
  let keep = pods;
  if (isIndexedJob(job)) {
    keep = [];
    const byIndex = new Map<number, KubeObject[]>();
    for (const pod of pods) {
      if (!hasValidIndex(pod, job.spec.completions ?? 0)) remove.push(pod);
      else {
        const index = completionIndexOf(pod);
        byIndex.set(index, [...(byIndex.get(index) ?? []), pod]);
      }
    }
    for (const group of byIndex.values()) {
      group.sort(compareForRemoval);
      remove.push(...group.slice(0, -1));
      keep.push(group[group.length - 1]);
    }
  }
  if (remove.length < atLeast) remove.push(...[...keep].sort(compareForRemoval).slice(0, atLeast - remove.length));
  return remove;
}

export class PodManager {
  constructor(private readonly deps: JobSyncDeps) {}

  /** Creates or deletes pods; returns the active count afterwards and the first error. */
  async manage(ctx: JobSyncContext): Promise<{ active: number; error?: unknown }> {
    const { job } = ctx;
    let active = ctx.activePods.length;
    if (isSuspended(job)) {
      const outcome = await this.deleteAndForget(ctx, activePodsForRemoval(job, ctx.activePods, active));
      return { active: active - outcome.deleted, error: outcome.error };
    }
    const wantActive = this.wantActive(ctx, active);
    const toDelete = activePodsForRemoval(job, ctx.activePods, Math.max(0, active - wantActive)).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (toDelete.length > 0) {
      const outcome = await this.deleteAndForget(ctx, toDelete);
      return { active: active - outcome.deleted, error: outcome.error };
    }
    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let missing = Math.min(wantActive - terminating - active, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (missing <= 0) return { active };
    const backoffMs = remainingBackoffMs(failureRecord(job, ctx.pods, ctx.nowWallMs), ctx.nowWallMs);
    if (backoffMs > 0) {
      requeueAtWall(this.deps, ctx.key, ctx.nowWallMs + backoffMs);
      return { active };
    }
    const indexes = isIndexedJob(job) ? this.firstPendingIndexes(ctx, missing) : undefined;
    if (indexes) missing = indexes.length;
    const created = await this.createPods(ctx, missing, indexes);
    active += created.succeeded;
    return { active, error: created.error };
  }

  private wantActive(ctx: JobSyncContext, active: number): number {
    const parallelism = ctx.job.spec.parallelism ?? 1;
    const completions = ctx.job.spec.completions;
    // Without completions, the first success ends the Job: let the running pods finish, start no more.
    if (completions == null) return ctx.succeeded > 0 ? active : parallelism;
    return Math.max(0, Math.min(completions - ctx.succeeded, parallelism));
  }

  private firstPendingIndexes(ctx: JobSyncContext, count: number): number[] {
    const busy = ctx.activePods.concat(onlyReplaceFailedPods(ctx.job) ? ctx.pods.filter(isPodTerminating) : []);
    const nonPending = ctx.succeededIndexes.with(busy.map(completionIndexOf).filter((i) => i !== UNKNOWN_COMPLETION_INDEX));
    return nonPending.firstMissing(count, ctx.job.spec.completions ?? 0);
  }

  private async createPods(ctx: JobSyncContext, count: number, indexes: number[] | undefined): Promise<{ succeeded: number; error?: unknown }> {
    const { client, recorder, podExpectations } = this.deps;
    const { job, key } = ctx;
    podExpectations.expect(key, count, 0);
    let attempted = 0;
    const result = await slowStartBatch(count, 1, async () => {
      const index = indexes?.[attempted];
      attempted++;
      try {
        const pod = await client.create(RESOURCES.pods, job.metadata.namespace, buildJobPod(job, index));
        recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        // The informer will never show this pod: stop waiting for it.
        podExpectations.creationObserved(key);
        recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    });
    // Slow start stopped early: the pods it never tried won't show up either.
    for (let i = attempted; i < count; i++) podExpectations.creationObserved(key);
    return result;
  }

  /** Deletes pods the Job no longer wants, first removing their finalizer: they are not counted as failures. */
  private async deleteAndForget(ctx: JobSyncContext, pods: KubeObject[]): Promise<DeleteOutcome> {
    if (pods.length === 0) return { deleted: 0, deletedReady: 0 };
    this.deps.podExpectations.expect(ctx.key, 0, pods.length);
    const outcome = await deletePods(this.deps, ctx, pods, true);
    ctx.terminating += outcome.deleted;
    ctx.ready -= outcome.deletedReady;
    return outcome;
  }
}

/**
 * Deletes pods, recording events. With `uncount`, the tracking finalizer is
 * removed first so the pod is never counted; otherwise it stays, and the
 * status tracker counts the pod as failed before letting it go.
 */
export async function deletePods(deps: JobSyncDeps, ctx: JobSyncContext, pods: KubeObject[], uncount: boolean): Promise<DeleteOutcome> {
  const { client, recorder, podExpectations } = deps;
  const { job, key } = ctx;
  const outcome: DeleteOutcome = { deleted: 0, deletedReady: 0 };
  await Promise.all(pods.map(async (pod) => {
    try {
      if (uncount && hasTrackingFinalizer(pod)) {
        await client.patch(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, 'application/strategic-merge-patch+json', REMOVE_TRACKING_FINALIZER_PATCH);
      }
      await client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!);
      recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      if (uncount) podExpectations.deletionObserved(key);
      if (!isNotFound(err)) {
        recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
        outcome.error ??= err;
        return;
      }
    }
    outcome.deleted++;
    if (isPodReady(pod)) outcome.deletedReady++;
  }));
  return outcome;
}
