// The CronJob controller: starts Jobs on a cron schedule. CronJob and Job
// events queue the CronJob's key; each sync (CronJobSync) reconciles the
// CronJob's status with its Jobs, starts the run that is due, prunes
// history, writes the status if it changed, and plans a wheel timer for the
// next scheduled time.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isConflict } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { byControllerUid, objectKey, splitKey, type Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import type { Controller, ControllerContext } from '../controller.js';
import { controllerOf } from '../common/owners.js';
import { SupersededVersions } from '../common/superseded-versions.js';
import { asCronJob } from './cronjob-api.js';
import { CronJobSync } from './cronjob-sync.js';
import { pruneHistory } from './job-history.js';
import { NextRunTimers } from './next-run-timers.js';

const WORKERS = 5;
const JOBS_BY_CONTROLLER_UID = 'byControllerUid';

export class CronJobController implements Controller {
  readonly name = 'cronjob-controller';
  private readonly cronJobs: Informer;
  private readonly jobs: Informer;
  private readonly queue: WorkQueue;
  private readonly nextRuns: NextRunTimers;
  private readonly superseded = new SupersededVersions();
  private readonly recorder: EventRecorder;
  private readonly syncer: CronJobSync;

  constructor(private readonly ctx: ControllerContext) {
    this.cronJobs = ctx.informers.informer(RESOURCES.cronjobs);
    this.jobs = ctx.informers.informer(RESOURCES.jobs);
    this.jobs.addIndex(JOBS_BY_CONTROLLER_UID, byControllerUid);
    this.queue = new WorkQueue(ctx.wheel);
    this.nextRuns = new NextRunTimers(ctx.wheel, this.queue);
    this.recorder = ctx.recorder('cronjob-controller');
    this.syncer = new CronJobSync({ client: ctx.client, recorder: this.recorder, wallMs: () => ctx.clock.wallMs() });

    this.cronJobs.addHandlers({
      add: (cj) => this.queue.add(objectKey(cj)),
      update: (_old, cj) => this.queue.add(objectKey(cj)),
      delete: (cj) => {
        this.nextRuns.cancel(objectKey(cj));
        this.superseded.forget(objectKey(cj));
      },
    });
    this.jobs.addHandlers({
      add: (job) => this.enqueueOwner(job),
      update: (old, job) => {
        if (controllerOf(old)?.uid !== controllerOf(job)?.uid) this.enqueueOwner(old);
        this.enqueueOwner(job);
      },
      delete: (job) => this.enqueueOwner(job),
    });
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => this.sync(key), (key, err) => {
      // A conflict only means the cache was behind; the retry sees the new version.
      if (!isConflict(err)) this.ctx.log({ controller: this.name, msg: 'syncing cronjob failed', key, err: String(err) });
    });
  }

  stop(): void {
    this.queue.shutdown();
    this.nextRuns.cancelAll();
  }

  /** Queues the CronJob that controls a Job, if it is the very CronJob (same uid) in the cache. */
  private enqueueOwner(job: KubeObject): void {
    const ref = controllerOf(job);
    if (ref?.kind !== 'CronJob') return;
    const cronJob = this.cronJobs.get(job.metadata.namespace, ref.name);
    if (cronJob?.metadata.uid === ref.uid) this.queue.add(objectKey(cronJob));
  }

  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.cronJobs.get(namespace, name);
    if (!cached) {
      this.nextRuns.cancel(key);
      this.superseded.forget(key);
      return;
    }
    // Our own last status write hasn't reached the cache: its event will bring us back.
    if (this.superseded.isStale(key, cached.metadata.resourceVersion)) return;
    const cronJob = asCronJob(structuredClone(cached));
    const statusBefore = JSON.stringify(cronJob.status ?? {});
    const jobs = this.jobs.byIndex(JOBS_BY_CONTROLLER_UID, cronJob.metadata.uid!);
    try {
      const { nextSyncAtWallMs } = await this.syncer.sync(cronJob, jobs);
      await pruneHistory(this.ctx.client, this.recorder, cronJob, jobs);
      if (nextSyncAtWallMs === undefined) this.nextRuns.cancel(key);
      else this.nextRuns.schedule(key, nextSyncAtWallMs);
    } finally {
      // Whatever was done before a failure (a Job created, one deleted) is recorded.
      if (JSON.stringify(cronJob.status ?? {}) !== statusBefore) {
        const updated = await this.ctx.client.update(RESOURCES.cronjobs, namespace, cronJob, 'status');
        this.superseded.replaced(key, cached.metadata.resourceVersion, updated.metadata.resourceVersion);
      }
    }
  }
}
