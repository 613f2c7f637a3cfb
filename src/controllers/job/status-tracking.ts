// Counting finished pods exactly once, as Kubernetes' job tracking with
// finalizers does. A finished pod keeps the Job's tracking finalizer until
// it is counted, so deleting it can't lose it. Counting takes three steps,
// each safe to repeat after a crash:
//  1. record the pod's uid in status.uncountedTerminatedPods (or, for an
//     Indexed Job, its index in completedIndexes) and write the status;
//  2. remove the pod's finalizer;
//  3. move uids whose pod no longer has the finalizer from the uncounted
//     lists into succeeded/failed, and write the status again.
// The terminal condition (Complete / Failed) is added only once nothing is
// uncounted and no pod is still terminating.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound } from '../../client/api-client.js';
import { podPhase } from '../common/pods.js';
import { completionIndexOf, hasValidIndex } from './completion-indexes.js';
import { asJob, isIndexedJob, type Job, type JobStatus } from './job-api.js';
import { JobConditionType, ensureConditionStatus, hasSuccessCriteriaMet, newCondition } from './job-conditions.js';
import { hasTrackingFinalizer, isPodFailed } from './job-pods.js';
import type { JobSyncContext, JobSyncDeps } from './job-sync-context.js';
import { REMOVE_TRACKING_FINALIZER_PATCH } from './pod-management.js';

/** Keeps status.uncountedTerminatedPods small (Kubernetes: 500 uids, under 20 KB). */
const MAX_UNCOUNTED_PODS = 500;

/**
 * Moves uids whose pods have lost their finalizer from the uncounted lists
 * to the counters. Returns whether the status changed.
 */
function countPodsWithoutFinalizers(status: JobStatus, withFinalizer: ReadonlySet<string>): boolean {
  const uncounted = (status.uncountedTerminatedPods ??= {});
  let changed = false;
  for (const outcome of ['succeeded', 'failed'] as const) {
    const before = uncounted[outcome] ?? [];
    const still = before.filter((uid) => withFinalizer.has(uid));
    if (still.length === before.length) continue;
    changed = true;
    status[outcome] = (status[outcome] ?? 0) + before.length - still.length;
    if (still.length > 0) uncounted[outcome] = still;
    else delete uncounted[outcome];
  }
  return changed;
}

export class StatusTracker {
  constructor(private readonly deps: JobSyncDeps) {}

  async writeStatus(ctx: JobSyncContext): Promise<void> {
    const previousVersion = ctx.job.metadata.resourceVersion;
    const updated = asJob(await this.deps.client.update(RESOURCES.jobs, ctx.job.metadata.namespace, ctx.job, 'status'));
    this.deps.superseded.replaced(ctx.key, previousVersion, updated.metadata.resourceVersion);
    ctx.job = updated;
  }

  /** Counts finished pods, removes their finalizers, and marks the Job finished when it is. */
  async track(ctx: JobSyncContext, needsFlushAtStart: boolean): Promise<void> {
    let needsFlush = needsFlushAtStart;
    const job = ctx.job;
    const status = (job.status ??= {});
    const uncounted = (status.uncountedTerminatedPods ??= {});
    const indexed = isIndexedJob(job);
    const completions = job.spec.completions ?? 0;
    const pods = indexed ? [...ctx.pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b)) : ctx.pods;

    const withFinalizer = new Set<string>();
    for (const pod of pods) if (hasTrackingFinalizer(pod) && !ctx.expectedRemovedFinalizers.has(pod.metadata.uid!)) withFinalizer.add(pod.metadata.uid!);
    if (countPodsWithoutFinalizers(status, withFinalizer)) needsFlush = true;

    const toRelease: KubeObject[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMaxUncounted = false;
    for (const pod of pods) {
      const uid = pod.metadata.uid!;
      if (!withFinalizer.has(uid)) continue;
      const failed = isPodFailed(pod, job);
      // A running pod keeps its finalizer until the Job is done with it.
      if (!(job.metadata.deletionTimestamp || ctx.finishedCondition || podPhase(pod) === 'Succeeded' || failed)) continue;
      toRelease.push(pod);
      if (podPhase(pod) === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
        if (indexed) {
          // The index alone records the success: no uid to track.
          if (hasValidIndex(pod, completions) && !ctx.prevSucceededIndexes.has(completionIndexOf(pod))) {
            newSucceededIndexes.push(completionIndexOf(pod));
            needsFlush = true;
          }
        } else if (!ctx.uncounted.succeeded.has(uid)) {
          (uncounted.succeeded ??= []).push(uid);
          needsFlush = true;
        }
      } else if (failed || (ctx.finishedCondition && ctx.finishedCondition.type !== JobConditionType.SuccessCriteriaMet)) {
        // Once the Job has failed, every pod it stops is a failure.
        if (!ctx.uncounted.failed.has(uid) && (!indexed || hasValidIndex(pod, completions))) {
          (uncounted.failed ??= []).push(uid);
          needsFlush = true;
        }
      }
      if (newSucceededIndexes.length + (uncounted.succeeded?.length ?? 0) + (uncounted.failed?.length ?? 0) >= MAX_UNCOUNTED_PODS) {
        // The status update and pod events requeue the Job for the rest.
        reachedMaxUncounted = true;
        break;
      }
    }

    if (indexed) {
      ctx.succeededIndexes = ctx.succeededIndexes.with(newSucceededIndexes);
      const text = ctx.succeededIndexes.toString();
      if (text !== (status.completedIndexes ?? '')) needsFlush = true;
      status.succeeded = ctx.succeededIndexes.total();
      status.completedIndexes = text;
    }
    this.recordInterimCondition(ctx, () => (needsFlush = true));

    needsFlush = await this.flushAndRemoveFinalizers(ctx, toRelease, withFinalizer, needsFlush);
    const finished = !reachedMaxUncounted && this.enactFinished(ctx);
    if (finished) needsFlush = true;
    if (!needsFlush) return;
    await this.writeStatus(ctx);
    if (finished) this.recordFinished(ctx.job, ctx.finishedCondition!.type, ctx.finishedCondition!.reason ?? '', ctx.finishedCondition!.message ?? '');
  }

  /**
   * FailureTarget and SuccessCriteriaMet go into the status before any
   * finalizer is removed, so the verdict survives a crash; the terminal
   * Failed / Complete condition that follows is prepared here.
   */
  private recordInterimCondition(ctx: JobSyncContext, changed: () => void): void {
    const condition = ctx.finishedCondition;
    if (!condition) return;
    const conditions = (ctx.job.status!.conditions ??= []);
    if (condition.type === JobConditionType.FailureTarget) {
      conditions.push(condition);
      changed();
      ctx.finishedCondition = newCondition(JobConditionType.Failed, 'True', condition.reason ?? '', condition.message ?? '', ctx.nowIso);
    } else if (condition.type === JobConditionType.SuccessCriteriaMet) {
      if (!hasSuccessCriteriaMet(ctx.job)) {
        conditions.push(condition);
        changed();
      }
      ctx.finishedCondition = newCondition(JobConditionType.Complete, 'True', condition.reason ?? '', condition.message ?? '', ctx.nowIso);
    }
  }

  /** Steps 1–3 above; returns whether status changes remain unwritten. */
  private async flushAndRemoveFinalizers(ctx: JobSyncContext, pods: KubeObject[], withFinalizer: Set<string>, needsFlush: boolean): Promise<boolean> {
    if (needsFlush) {
      await this.writeStatus(ctx);
      needsFlush = false;
    }
    let removalError: unknown;
    if (pods.length > 0) {
      const { client, finalizerExpectations } = this.deps;
      finalizerExpectations.expect(ctx.key, pods.map((p) => p.metadata.uid!));
      await Promise.all(pods.map(async (pod) => {
        try {
          await client.patch(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, 'application/strategic-merge-patch+json', REMOVE_TRACKING_FINALIZER_PATCH);
        } catch (err) {
          // No update will come for a patch that failed.
          finalizerExpectations.observed(ctx.key, pod.metadata.uid!);
          if (!isNotFound(err)) {
            removalError ??= err;
            return;
          }
        }
        withFinalizer.delete(pod.metadata.uid!);
      }));
    }
    if (countPodsWithoutFinalizers(ctx.job.status!, withFinalizer)) needsFlush = true;
    if (removalError !== undefined) {
      // Keep what did succeed, then retry the rest with back-off.
      if (needsFlush) await this.writeStatus(ctx);
      throw removalError;
    }
    return needsFlush;
  }

  /** Adds Complete or Failed once every pod is counted and none is still terminating. */
  private enactFinished(ctx: JobSyncContext): boolean {
    const condition = ctx.finishedCondition;
    if (!condition) return false;
    const uncounted = ctx.job.status?.uncountedTerminatedPods;
    if ((uncounted?.succeeded?.length ?? 0) + (uncounted?.failed?.length ?? 0) > 0) return false;
    if (ctx.terminating > 0) return false;
    ensureConditionStatus(ctx.job, condition.type, condition.status, condition.reason ?? '', condition.message ?? '', ctx.nowIso);
    if (condition.type === JobConditionType.Complete) ctx.job.status!.completionTime = condition.lastTransitionTime;
    return true;
  }

  private recordFinished(job: Job, type: string, reason: string, message: string): void {
    const { recorder } = this.deps;
    if (type === JobConditionType.Complete) {
      const completions = job.spec.completions;
      if (completions != null && (job.status?.succeeded ?? 0) > completions) {
        recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      recorder.event(job, 'Warning', reason, message);
    }
  }
}
