// One level-triggered sync of a CronJob, after Kubernetes' CronJob
// controller v2 (syncCronJob, v1.32): reconcile status.active with the Jobs
// that exist, then, unless deleted or suspended, find the most recent
// scheduled time not yet run (src/time's findMissedSchedules, from
// lastScheduleTime or the creation time) and start a Job for it, subject to
// startingDeadlineSeconds and concurrencyPolicy. Returns when the next
// scheduled time is, so the caller can requeue; nothing about the schedule
// is remembered between syncs.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isAlreadyExists, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { rfc3339 } from '../../apiserver/registry/names.js';
import { findMissedSchedules } from '../../time/cron-missed.js';
import { parseCronSchedule, type CronSchedule } from '../../time/cron-schedule.js';
import { isControlledBy } from '../common/owners.js';
import { asJob } from '../job/job-api.js';
import { finishedConditionType } from '../job/job-conditions.js';
import type { CronJob, JobReference } from './cronjob-api.js';
import { jobFromTemplate } from './job-from-template.js';
import { deleteJob, removeFromActive } from './job-history.js';
import { isKnownTimeZone, jobNameFor, rfc1123zUtc } from './scheduled-time.js';

/** Kubernetes wakes a little after the scheduled time, so the time is surely in the past. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface CronJobSyncDeps {
  client: ApiClient;
  recorder: EventRecorder;
  wallMs(): number;
}

export interface CronJobSyncResult {
  /** Sync again at this wall time (just after the next scheduled time); undefined: no timer needed. */
  nextSyncAtWallMs?: number;
}

function jobReference(job: KubeObject): JobReference {
  return {
    kind: 'Job',
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion,
  };
}

function timeMs(text: string | undefined): number | null {
  const ms = Date.parse(text ?? '');
  return Number.isFinite(ms) ? ms : null;
}

export class CronJobSync {
  constructor(private readonly deps: CronJobSyncDeps) {}

  /** Mutates cronJob.status; the caller writes it if it changed. */
  async sync(cronJob: CronJob, jobs: KubeObject[]): Promise<CronJobSyncResult> {
    await this.reconcileActive(cronJob, jobs);
    if (cronJob.metadata.deletionTimestamp) return {};
    const { recorder } = this.deps;
    const timeZone = cronJob.spec.timeZone;
    if (timeZone !== undefined && !isKnownTimeZone(timeZone)) {
      recorder.event(cronJob, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(timeZone)}`);
      return {};
    }
    if (cronJob.spec.suspend) return {};
    let schedule: CronSchedule;
    try {
      schedule = parseCronSchedule(cronJob.spec.schedule, { timeZone });
    } catch (err) {
      recorder.event(cronJob, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cronJob.spec.schedule)} : ${(err as Error).message}`);
      return {};
    }
    return this.startDueJob(cronJob, schedule);
  }

  /**
   * Drops finished and vanished Jobs from status.active (SawCompletedJob,
   * MissingJob) and advances lastSuccessfulTime; flags running Jobs the
   * CronJob owns but didn't list (e.g. `kubectl create job --from=cronjob/…`).
   */
  private async reconcileActive(cronJob: CronJob, jobs: KubeObject[]): Promise<void> {
    const { recorder, client } = this.deps;
    const status = (cronJob.status ??= {});
    const children = new Set<string>();
    for (const job of jobs) {
      const uid = job.metadata.uid!;
      children.add(uid);
      const listed = (status.active ?? []).some((ref) => ref.uid === uid);
      const finished = finishedConditionType(asJob(job));
      if (!listed && !finished) {
        recorder.event(cronJob, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
      } else if (listed && finished) {
        removeFromActive(cronJob, uid);
        recorder.event(cronJob, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, status: ${finished}`);
      } else if (finished === 'Complete') {
        const completedMs = timeMs(asJob(job).status?.completionTime);
        const lastMs = timeMs(status.lastSuccessfulTime);
        if (completedMs !== null && (lastMs === null || completedMs > lastMs)) status.lastSuccessfulTime = asJob(job).status!.completionTime;
      }
    }
    for (const ref of [...(status.active ?? [])]) {
      if (ref.uid && children.has(ref.uid)) continue;
      // The informer may just be slow: only the API can say the Job is gone.
      try {
        await client.get(RESOURCES.jobs, ref.namespace ?? cronJob.metadata.namespace, ref.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        recorder.event(cronJob, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        removeFromActive(cronJob, ref.uid);
      }
    }
  }

  private async startDueJob(cronJob: CronJob, schedule: CronSchedule): Promise<CronJobSyncResult> {
    const { recorder } = this.deps;
    const status = cronJob.status!;
    const nowMs = this.deps.wallMs();
    const missed = findMissedSchedules({
      schedule,
      creationTimestampMs: timeMs(cronJob.metadata.creationTimestamp) ?? nowMs,
      lastScheduleTimeMs: timeMs(status.lastScheduleTime),
      nowMs,
      startingDeadlineSeconds: cronJob.spec.startingDeadlineSeconds,
    });
    const next: CronJobSyncResult = missed.nextAfterNowMs === null ? {} : { nextSyncAtWallMs: missed.nextAfterNowMs + NEXT_SCHEDULE_DELTA_MS };
    if (missed.tooManyMissed) recorder.event(cronJob, 'Warning', 'TooManyMissedTimes', missed.warning!);
    const scheduledMs = missed.mostRecentMs;
    if (scheduledMs === null) return next;
    if (!missed.withinStartingDeadline) {
      // Kubernetes v1.32 only looks for times within the deadline and so never says this; it is worth saying.
      recorder.event(cronJob, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123zUtc(scheduledMs)}`);
      return next;
    }
    const name = jobNameFor(cronJob.metadata.name!, scheduledMs);
    if ((status.active ?? []).some((ref) => ref.name === name) || timeMs(status.lastScheduleTime) === scheduledMs) return next;
    if (cronJob.spec.concurrencyPolicy === 'Forbid' && (status.active ?? []).length > 0) {
      recorder.event(cronJob, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return next;
    }
    if (cronJob.spec.concurrencyPolicy === 'Replace') await this.deleteActiveJobs(cronJob);
    const job = await this.createJob(cronJob, scheduledMs);
    if (!job) return next;
    (status.active ??= []).push(jobReference(job));
    status.lastScheduleTime = rfc3339(scheduledMs);
    return next;
  }

  private async deleteActiveJobs(cronJob: CronJob): Promise<void> {
    const { client, recorder } = this.deps;
    for (const ref of [...(cronJob.status?.active ?? [])]) {
      let job: KubeObject;
      try {
        job = await client.get(RESOURCES.jobs, ref.namespace ?? cronJob.metadata.namespace, ref.name!);
      } catch (err) {
        recorder.event(cronJob, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
        throw err;
      }
      await deleteJob(client, recorder, cronJob, job);
    }
  }

  /**
   * Creates the run's Job; the Job to list as active, or undefined when a
   * Job of that name exists that isn't ours or is already listed. The name
   * is the lock: a run can't be started twice.
   */
  private async createJob(cronJob: CronJob, scheduledMs: number): Promise<KubeObject | undefined> {
    const { client, recorder } = this.deps;
    const request = jobFromTemplate(cronJob, scheduledMs);
    try {
      const job = await client.create(RESOURCES.jobs, cronJob.metadata.namespace, request);
      recorder.event(cronJob, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata.name}`);
      return job;
    } catch (err) {
      if (!isAlreadyExists(err)) {
        recorder.event(cronJob, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
    }
    // Created earlier, but the status update that should have listed it was lost.
    const existing = await client.get(RESOURCES.jobs, cronJob.metadata.namespace, request.metadata.name!);
    if (!isControlledBy(existing, cronJob)) return undefined;
    if ((cronJob.status?.active ?? []).some((ref) => ref.uid === existing.metadata.uid)) return undefined;
    return existing;
  }
}
