// Deleting a CronJob's Jobs: those it replaces (concurrencyPolicy Replace)
// and the oldest finished ones beyond successfulJobsHistoryLimit and
// failedJobsHistoryLimit. Jobs go with Background propagation, so their
// pods follow through the garbage collector.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { asJob } from '../job/job-api.js';
import { finishedConditionType } from '../job/job-conditions.js';
import type { CronJob } from './cronjob-api.js';

export function removeFromActive(cronJob: CronJob, uid: string | undefined): void {
  const status = (cronJob.status ??= {});
  status.active = (status.active ?? []).filter((ref) => ref.uid !== uid);
}

/** Deletes one Job of the CronJob; throws (after a FailedDelete event) if the API refuses. */
export async function deleteJob(client: ApiClient, recorder: EventRecorder, cronJob: CronJob, job: KubeObject): Promise<void> {
  try {
    await client.delete(RESOURCES.jobs, job.metadata.namespace, job.metadata.name!, { propagationPolicy: 'Background' });
  } catch (err) {
    if (!isNotFound(err)) {
      recorder.event(cronJob, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      throw err;
    }
  }
  removeFromActive(cronJob, job.metadata.uid);
  recorder.event(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
}

/** Oldest first by status.startTime (Jobs never started last), then by name. */
function byStartTime(a: KubeObject, b: KubeObject): number {
  const start = (j: KubeObject) => Date.parse(asJob(j).status?.startTime ?? '');
  const sa = start(a);
  const sb = start(b);
  if (Number.isNaN(sa) !== Number.isNaN(sb)) return Number.isNaN(sa) ? 1 : -1;
  if (sa !== sb && !Number.isNaN(sa)) return sa - sb;
  return a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0;
}

/** Prunes finished Jobs beyond the history limits. */
export async function pruneHistory(client: ApiClient, recorder: EventRecorder, cronJob: CronJob, jobs: KubeObject[]): Promise<void> {
  const { successfulJobsHistoryLimit, failedJobsHistoryLimit } = cronJob.spec;
  const prune = async (outcome: 'Complete' | 'Failed', limit: number | undefined) => {
    if (limit == null) return;
    const finished = jobs.filter((j) => !j.metadata.deletionTimestamp && finishedConditionType(asJob(j)) === outcome).sort(byStartTime);
    for (const job of finished.slice(0, Math.max(0, finished.length - limit))) await deleteJob(client, recorder, cronJob, job);
  };
  await prune('Complete', successfulJobsHistoryLimit);
  await prune('Failed', failedJobsHistoryLimit);
}
