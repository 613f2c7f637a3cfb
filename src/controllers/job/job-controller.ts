// The Job controller: runs pods to completion for batch/v1 Jobs. Job and
// pod events queue the Job's key; JobReconciler.sync does the work. A second
// queue frees pods whose Job is gone or finished from the tracking
// finalizer. Timers (pod failure back-off, activeDeadlineSeconds,
// ttlSecondsAfterFinished) are delayed queue adds on the timing wheel.
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { RESOURCES, isConflict } from '../../client/api-client.js';
import { byControllerUid, objectKey, splitKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import type { Controller, ControllerContext } from '../controller.js';
import { controllerOf, selectorMatches } from '../common/owners.js';
import { SupersededVersions } from '../common/superseded-versions.js';
import { FinalizerRemovalExpectations, PodExpectations } from './expectations.js';
import { asJob } from './job-api.js';
import { isJobFinished } from './job-conditions.js';
import { hasTrackingFinalizer } from './job-pods.js';
import type { JobSyncDeps } from './job-sync-context.js';
import { JobReconciler, ORPHAN_PODS_BY_NAMESPACE, PODS_BY_CONTROLLER_UID, orphanPodsByNamespace } from './job-sync.js';
import { OrphanPodCleaner } from './orphan-pods.js';

const WORKERS = 5;

export class JobController implements Controller {
  readonly name = 'job-controller';
  private readonly jobs: Informer;
  private readonly pods: Informer;
  private readonly queue: WorkQueue;
  private readonly orphanQueue: WorkQueue;
  private readonly deps: JobSyncDeps;
  private readonly reconciler: JobReconciler;
  private readonly orphans: OrphanPodCleaner;

  constructor(private readonly ctx: ControllerContext) {
    this.jobs = ctx.informers.informer(RESOURCES.jobs);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.pods.addIndex(PODS_BY_CONTROLLER_UID, byControllerUid);
    this.pods.addIndex(ORPHAN_PODS_BY_NAMESPACE, orphanPodsByNamespace);
    this.queue = new WorkQueue(ctx.wheel);
    this.orphanQueue = new WorkQueue(ctx.wheel);
    this.deps = {
      client: ctx.client,
      recorder: ctx.recorder('job-controller'),
      clock: ctx.clock,
      queue: this.queue,
      podExpectations: new PodExpectations(ctx.clock),
      finalizerExpectations: new FinalizerRemovalExpectations(),
      superseded: new SupersededVersions(),
    };
    this.reconciler = new JobReconciler(this.deps, this.jobs, this.pods);
    this.orphans = new OrphanPodCleaner(ctx.client, this.jobs, this.pods);

    this.jobs.addHandlers({
      add: (job) => this.queue.add(objectKey(job)),
      update: (_old, job) => {
        this.queue.add(objectKey(job));
        // Normally every finalizer is gone before a Job finishes; this is the backstop.
        if (isJobFinished(asJob(job))) this.releaseFinalizers(job);
      },
      delete: (job) => {
        this.queue.add(objectKey(job));
        this.releaseFinalizers(job);
      },
    });
    this.pods.addHandlers({
      add: (pod) => this.podAdded(pod),
      update: (old, pod) => this.podUpdated(old, pod),
      delete: (pod) => this.podDeleted(pod, true),
    });
  }

  run(): void {
    const onError = (what: string) => (key: string, err: unknown) => {
      // A conflict only means the cache was behind; the retry sees the new version.
      if (!isConflict(err)) this.ctx.log({ controller: this.name, msg: `syncing ${what} failed`, key, err: String(err) });
    };
    void this.queue.run(WORKERS, (key) => {
      const { namespace, name } = splitKey(key);
      return this.reconciler.sync(key, namespace ?? '', name);
    }, onError('job'));
    void this.orphanQueue.run(1, (key) => {
      const { namespace, name } = splitKey(key);
      return this.orphans.sync(namespace, name);
    }, onError('orphan pod'));
  }

  stop(): void {
    this.queue.shutdown();
    this.orphanQueue.shutdown();
  }

  /** The Job a controllerRef names, if it is the very Job (same uid) in the cache. */
  private resolve(namespace: string | undefined, ref: OwnerReference): KubeObject | undefined {
    if (ref.kind !== 'Job') return undefined;
    const job = this.jobs.get(namespace, ref.name);
    return job?.metadata.uid === ref.uid ? job : undefined;
  }

  private releaseFinalizers(job: KubeObject): void {
    for (const pod of this.pods.byIndex(PODS_BY_CONTROLLER_UID, job.metadata.uid!)) {
      if (hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKey(pod));
    }
  }

  /** Jobs in the pod's namespace whose selector matches it: they may want to adopt it. */
  private enqueueSelectingJobs(pod: KubeObject): void {
    for (const job of this.jobs.list(pod.metadata.namespace)) {
      if (selectorMatches(asJob(job).spec.selector, pod.metadata.labels)) this.queue.add(objectKey(job));
    }
  }

  private podAdded(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) {
      // Seen for the first time already being deleted (e.g. after a restart): not a creation we await.
      this.podDeleted(pod, false);
      return;
    }
    const ref = controllerOf(pod);
    if (ref) {
      const job = this.resolve(pod.metadata.namespace, ref);
      if (!job) {
        if (hasTrackingFinalizer(pod) && ref.kind === 'Job') this.orphanQueue.add(objectKey(pod));
        return;
      }
      const key = objectKey(job);
      this.deps.podExpectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKey(pod));
    this.enqueueSelectingJobs(pod);
  }

  private podUpdated(old: KubeObject, pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) {
      // Graceful deletion starts now; the Job may replace the pod without waiting for it to go.
      this.podDeleted(pod, false);
      return;
    }
    const finalizerRemoved = !hasTrackingFinalizer(pod);
    const ref = controllerOf(pod);
    const oldRef = controllerOf(old);
    const refChanged = ref?.uid !== oldRef?.uid;
    if (refChanged && oldRef) {
      const oldJob = this.resolve(old.metadata.namespace, oldRef);
      if (oldJob) {
        if (finalizerRemoved) this.deps.finalizerExpectations.observed(objectKey(oldJob), pod.metadata.uid!);
        this.queue.add(objectKey(oldJob));
      }
    }
    if (ref) {
      const job = this.resolve(pod.metadata.namespace, ref);
      if (!job) return;
      const key = objectKey(job);
      if (finalizerRemoved) this.deps.finalizerExpectations.observed(key, pod.metadata.uid!);
      this.queue.add(key);
      return;
    }
    if (hasTrackingFinalizer(pod)) this.orphanQueue.add(objectKey(pod));
    if (refChanged || JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {})) this.enqueueSelectingJobs(pod);
  }

  /** `final`: the pod is gone from the API; otherwise it just started terminating. */
  private podDeleted(pod: KubeObject, final: boolean): void {
    const ref = controllerOf(pod);
    const hasFinalizer = hasTrackingFinalizer(pod);
    const job = ref ? this.resolve(pod.metadata.namespace, ref) : undefined;
    if (!job || isJobFinished(asJob(job))) {
      // No sync will remove this finalizer.
      if (hasFinalizer && (!ref || ref.kind === 'Job')) this.orphanQueue.add(objectKey(pod));
      return;
    }
    const key = objectKey(job);
    this.deps.podExpectations.deletionObserved(key);
    if (final || !hasFinalizer) this.deps.finalizerExpectations.observed(key, pod.metadata.uid!);
    this.queue.add(key);
  }
}
