// ttlSecondsAfterFinished: a finished Job is deleted (Background
// propagation) once the TTL has passed since it finished. Kubernetes runs
// this as its own controller; here the Job controller does it, requeueing
// the Job on the timing wheel for the moment it expires.
import { RESOURCES, isConflict, isNotFound } from '../../client/api-client.js';
import { asJob, type Job } from './job-api.js';
import { finishedConditionType, findCondition } from './job-conditions.js';
import { requeueAtWall, type JobSyncDeps } from './job-sync-context.js';

/** Wall ms at which the Job expires, or undefined if it has no TTL or hasn't finished. */
export function expiresAtMs(job: Job): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  const finished = finishedConditionType(job);
  if (ttl == null || !finished) return undefined;
  const finishedAt = finished === 'Complete' && job.status?.completionTime ? job.status.completionTime : findCondition(job, finished)?.lastTransitionTime;
  const finishedMs = Date.parse(finishedAt ?? '');
  return Number.isFinite(finishedMs) ? finishedMs + ttl * 1000 : undefined;
}

export async function deleteIfExpired(deps: JobSyncDeps, key: string, cached: Job): Promise<void> {
  const expiry = expiresAtMs(cached);
  if (expiry === undefined || cached.metadata.deletionTimestamp) return;
  if (expiry > deps.clock.wallMs()) {
    requeueAtWall(deps, key, expiry);
    return;
  }
  // The cache may lag a user who just changed the TTL: decide on the API's copy.
  let fresh: Job;
  try {
    fresh = asJob(await deps.client.get(RESOURCES.jobs, cached.metadata.namespace, cached.metadata.name!));
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  const freshExpiry = expiresAtMs(fresh);
  if (freshExpiry === undefined || fresh.metadata.deletionTimestamp) return;
  if (freshExpiry > deps.clock.wallMs()) {
    requeueAtWall(deps, key, freshExpiry);
    return;
  }
  try {
    await deps.client.delete(RESOURCES.jobs, fresh.metadata.namespace, fresh.metadata.name!, {
      propagationPolicy: 'Background',
      preconditions: { uid: fresh.metadata.uid, resourceVersion: fresh.metadata.resourceVersion },
    });
  } catch (err) {
    // Gone already, or changed since we read it: the change requeues the Job.
    if (!isNotFound(err) && !isConflict(err)) throw err;
  }
}
