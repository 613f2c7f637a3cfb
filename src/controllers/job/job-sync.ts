// One level-triggered sync of a Job, after Kubernetes' syncJob (v1.32):
// read the Job and its pods from the informers, decide whether the Job has
// succeeded or failed (backoffLimit, activeDeadlineSeconds), otherwise
// bring its pods to what it wants (or none while suspended), then count
// finished pods and write the status.
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { rfc3339 } from '../../apiserver/registry/names.js';
import { isPodActive, podPhase } from '../common/pods.js';
import { IndexIntervals, completionIndexOf, hasValidIndex } from './completion-indexes.js';
import { asJob, isIndexedJob, isManagedElsewhere, isSuspended, type Job, type JobCondition } from './job-api.js';
import { JobConditionType, JobReason, ensureConditionStatus, findCondition, hasSuccessCriteriaMet, isJobFinished, newCondition } from './job-conditions.js';
import { countReady, hasTrackingFinalizer, isPodFailed, isPodTerminating } from './job-pods.js';
import { requeueAtWall, type JobSyncContext, type JobSyncDeps } from './job-sync-context.js';
import { claimPods } from './pod-claims.js';
import { PodManager, deletePods } from './pod-management.js';
import { StatusTracker } from './status-tracking.js';
import { deleteIfExpired } from './ttl-after-finished.js';

/** Index of pods without a controller, by namespace: the candidates a Job may adopt. */
export const ORPHAN_PODS_BY_NAMESPACE = 'job-controller:orphansByNamespace';
export const PODS_BY_CONTROLLER_UID = 'byControllerUid';

export class JobReconciler {
  private readonly podManager: PodManager;
  private readonly tracker: StatusTracker;

  constructor(
    private readonly deps: JobSyncDeps,
    private readonly jobs: Informer,
    private readonly pods: Informer,
  ) {
    this.podManager = new PodManager(deps);
    this.tracker = new StatusTracker(deps);
  }

  async sync(key: string, namespace: string, name: string): Promise<void> {
    const { deps } = this;
    const cached = this.jobs.get(namespace, name);
    if (!cached) {
      deps.podExpectations.forget(key);
      deps.finalizerExpectations.forget(key);
      deps.superseded.forget(key);
      return;
    }
    // Our own last write hasn't reached the cache: its event will bring us back.
    if (deps.superseded.isStale(key, cached.metadata.resourceVersion)) return;
    const sharedJob = asJob(cached);
    if (isManagedElsewhere(sharedJob)) return;
    if (isJobFinished(sharedJob)) {
      await deleteIfExpired(deps, key, sharedJob);
      return;
    }
    if (sharedJob.spec.completionMode !== undefined && sharedJob.spec.completionMode !== 'NonIndexed' && sharedJob.spec.completionMode !== 'Indexed') {
      deps.recorder.event(sharedJob, 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    // Checked before reading pods: a pod created after this point can only add to what we see.
    const expectationsMet = deps.podExpectations.satisfied(key);
    const job = structuredClone(sharedJob);
    const ctx = await this.buildContext(key, job);
    await this.reconcile(ctx, expectationsMet);
  }

  private async buildContext(key: string, job: Job): Promise<JobSyncContext> {
    const status = (job.status ??= {});
    const uncountedStatus = (status.uncountedTerminatedPods ??= {});
    const candidates = [...this.pods.byIndex(PODS_BY_CONTROLLER_UID, job.metadata.uid!), ...this.pods.byIndex(ORPHAN_PODS_BY_NAMESPACE, job.metadata.namespace!)];
    const pods = await claimPods(this.deps.client, job, candidates);
    const activePods = pods.filter(isPodActive);
    const nowWallMs = this.deps.clock.wallMs();
    const ctx: JobSyncContext = {
      key,
      job,
      pods,
      activePods,
      ready: countReady(activePods),
      terminating: pods.filter(isPodTerminating).length,
      succeeded: 0,
      failed: 0,
      uncounted: { succeeded: new Set(uncountedStatus.succeeded ?? []), failed: new Set(uncountedStatus.failed ?? []) },
      expectedRemovedFinalizers: new Set(this.deps.finalizerExpectations.expected(key)),
      finishedCondition: undefined,
      prevSucceededIndexes: IndexIntervals.EMPTY,
      succeededIndexes: IndexIntervals.EMPTY,
      nowWallMs,
      nowIso: rfc3339(nowWallMs),
    };
    const { succeeded, failed } = this.newlyFinishedPods(ctx);
    ctx.succeeded = (status.succeeded ?? 0) + succeeded.length + ctx.uncounted.succeeded.size;
    ctx.failed = (status.failed ?? 0) + failed.length + ctx.uncounted.failed.size;
    return ctx;
  }

  /** Finished pods not yet counted: they still hold the finalizer and aren't in the uncounted lists. */
  private newlyFinishedPods(ctx: JobSyncContext): { succeeded: KubeObject[]; failed: KubeObject[] } {
    const { job } = ctx;
    const result = { succeeded: [] as KubeObject[], failed: [] as KubeObject[] };
    for (const pod of ctx.pods) {
      const uid = pod.metadata.uid!;
      if (!hasTrackingFinalizer(pod) || ctx.expectedRemovedFinalizers.has(uid)) continue;
      if (isIndexedJob(job) && !hasValidIndex(pod, job.spec.completions ?? 0)) continue;
      if (podPhase(pod) === 'Succeeded' && !ctx.uncounted.succeeded.has(uid)) result.succeeded.push(pod);
      else if (isPodFailed(pod, job) && !ctx.uncounted.failed.has(uid)) result.failed.push(pod);
    }
    return result;
  }

  private async reconcile(ctx: JobSyncContext, expectationsMet: boolean): Promise<void> {
    const { job } = ctx;
    const status = job.status!;
    const startTimeBefore = status.startTime;
    if (!status.startTime && !isSuspended(job)) status.startTime = ctx.nowIso;

    ctx.finishedCondition = this.failureOrSuccessVerdict(ctx);
    if (isIndexedJob(job)) {
      const completions = job.spec.completions ?? 0;
      ctx.prevSucceededIndexes = IndexIntervals.parse(status.completedIndexes, completions);
      const newlySucceeded = ctx.pods.filter((p) => podPhase(p) === 'Succeeded' && hasTrackingFinalizer(p) && hasValidIndex(p, completions)).map(completionIndexOf);
      ctx.succeededIndexes = ctx.prevSucceededIndexes.with(newlySucceeded);
      ctx.succeeded = ctx.succeededIndexes.total();
    }

    let active = ctx.activePods.length;
    let manageError: unknown;
    let suspendChanged = false;
    if (ctx.finishedCondition) {
      // The Job has failed or succeeded: stop what still runs, keeping finalizers so the pods are counted.
      const outcome = await deletePods(this.deps, ctx, ctx.activePods, false);
      // Not finished yet if a deletion failed, or pods we created may still be on their way.
      if (outcome.deleted !== active || !expectationsMet) ctx.finishedCondition = undefined;
      active -= outcome.deleted;
      ctx.terminating += outcome.deleted;
      ctx.ready -= outcome.deletedReady;
      manageError = outcome.error;
    } else {
      let managed = false;
      if (expectationsMet && !job.metadata.deletionTimestamp) {
        ({ active, error: manageError } = await this.podManager.manage(ctx));
        managed = true;
      }
      const completions = job.spec.completions;
      const complete = completions == null ? ctx.succeeded > 0 && active === 0 : ctx.succeeded >= completions && active === 0;
      if (complete) {
        ctx.finishedCondition = newCondition(JobConditionType.SuccessCriteriaMet, 'True', JobReason.CompletionsReached, 'Reached expected number of succeeded pods', ctx.nowIso);
      } else if (managed) {
        suspendChanged = this.updateSuspendedCondition(ctx);
      }
    }

    const needsStatusUpdate = suspendChanged || status.startTime !== startTimeBefore || active !== (status.active ?? 0) || ctx.ready !== status.ready || ctx.terminating !== status.terminating;
    status.active = active;
    status.ready = ctx.ready;
    status.terminating = ctx.terminating;
    await this.tracker.track(ctx, needsStatusUpdate);
    if (manageError !== undefined) throw manageError;
  }

  /**
   * FailureTarget (or Failed, from an earlier FailureTarget) when the Job
   * has failed, SuccessCriteriaMet if recorded earlier; schedules the
   * activeDeadlineSeconds check otherwise.
   */
  private failureOrSuccessVerdict(ctx: JobSyncContext): JobCondition | undefined {
    const { job, nowIso } = ctx;
    if (hasSuccessCriteriaMet(job)) return findCondition(job, JobConditionType.SuccessCriteriaMet);
    const target = findCondition(job, JobConditionType.FailureTarget);
    if (target?.status === 'True') return newCondition(JobConditionType.Failed, 'True', target.reason ?? '', target.message ?? '', nowIso);
    if (ctx.failed > (job.spec.backoffLimit ?? 6) || this.pastBackoffLimitOnFailure(ctx)) {
      return newCondition(JobConditionType.FailureTarget, 'True', JobReason.BackoffLimitExceeded, 'Job has reached the specified backoff limit', nowIso);
    }
    const deadline = this.activeDeadlineRemainingMs(ctx);
    if (deadline !== undefined && deadline <= 0) {
      return newCondition(JobConditionType.FailureTarget, 'True', JobReason.DeadlineExceeded, 'Job was active longer than specified deadline', nowIso);
    }
    if (deadline !== undefined) requeueAtWall(this.deps, ctx.key, ctx.nowWallMs + deadline);
    return undefined;
  }

  /** Time left before activeDeadlineSeconds, for a started, unsuspended Job that has one. */
  private activeDeadlineRemainingMs(ctx: JobSyncContext): number | undefined {
    const { job } = ctx;
    const seconds = job.spec.activeDeadlineSeconds;
    const started = Date.parse(job.status?.startTime ?? '');
    if (seconds == null || !Number.isFinite(started) || isSuspended(job)) return undefined;
    return started + seconds * 1000 - ctx.nowWallMs;
  }

  /** restartPolicy OnFailure: the kubelet restarts containers in place; their restarts count against backoffLimit. */
  private pastBackoffLimitOnFailure(ctx: JobSyncContext): boolean {
    const { job } = ctx;
    if ((job.spec.template.spec as { restartPolicy?: string } | undefined)?.restartPolicy !== 'OnFailure') return false;
    let restarts = 0;
    for (const pod of ctx.pods) {
      const phase = podPhase(pod);
      if (phase !== 'Running' && phase !== 'Pending') continue;
      const status = pod.status as { containerStatuses?: { restartCount?: number }[]; initContainerStatuses?: { restartCount?: number }[] } | undefined;
      for (const c of [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])]) restarts += c.restartCount ?? 0;
    }
    const limit = job.spec.backoffLimit ?? 6;
    return limit === 0 ? restarts > 0 : restarts >= limit;
  }

  /** The Suspended condition and its events; resuming restarts the activeDeadlineSeconds clock. */
  private updateSuspendedCondition(ctx: JobSyncContext): boolean {
    const { job, nowIso } = ctx;
    if (isSuspended(job)) {
      const changed = ensureConditionStatus(job, JobConditionType.Suspended, 'True', 'JobSuspended', 'Job suspended', nowIso);
      if (changed) this.deps.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
      return changed;
    }
    const changed = ensureConditionStatus(job, JobConditionType.Suspended, 'False', 'JobResumed', 'Job resumed', nowIso);
    if (changed) {
      this.deps.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
      job.status!.startTime = nowIso;
    }
    return changed;
  }
}

/** Index function: a pod without a controller, under its namespace. */
export function orphanPodsByNamespace(pod: KubeObject): string[] {
  const hasController = (pod.metadata.ownerReferences ?? []).some((r) => r.controller);
  return hasController || !pod.metadata.namespace ? [] : [pod.metadata.namespace];
}
