// The delay before a Job replaces failed pods: 10 s after the first failure
// since the last success, doubling with each further failure, capped at
// 6 minutes (Kubernetes' DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff).
//
// Kubernetes keeps the failure count in an in-memory store that a restart
// loses. Here it is derived on every sync from the Job's finished pods, which
// stay in the API after they are counted, so the controller keeps nothing the
// API can't rebuild.
import type { KubeObject } from '../../api/types.js';
import { podPhase } from '../common/pods.js';
import type { Job } from './job-api.js';
import { hasTrackingFinalizer, isPodFailed, podFinishedAtMs } from './job-pods.js';

export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 6 * 60_000;

/** A failure counts once the pod has failed; a deleted pod only until its failure has been recorded. */
function countsAsFailure(pod: KubeObject, job: Job): boolean {
  return podPhase(pod) === 'Failed' || (isPodFailed(pod, job) && hasTrackingFinalizer(pod));
}

export interface FailureRecord {
  failuresAfterLastSuccess: number;
  lastFailureMs: number | undefined;
}

export function failureRecord(job: Job, pods: KubeObject[], nowWallMs: number): FailureRecord {
  let lastSuccessMs = -Infinity;
  for (const pod of pods) if (podPhase(pod) === 'Succeeded') lastSuccessMs = Math.max(lastSuccessMs, podFinishedAtMs(pod, nowWallMs));
  let failuresAfterLastSuccess = 0;
  let lastFailureMs: number | undefined;
  for (const pod of pods) {
    if (!countsAsFailure(pod, job)) continue;
    const finishedMs = podFinishedAtMs(pod, nowWallMs);
    if (finishedMs <= lastSuccessMs) continue;
    failuresAfterLastSuccess++;
    lastFailureMs = lastFailureMs === undefined ? finishedMs : Math.max(lastFailureMs, finishedMs);
  }
  return { failuresAfterLastSuccess, lastFailureMs };
}

/** How long, from now, new pods must wait; 0 when they may be created. */
export function remainingBackoffMs(record: FailureRecord, nowWallMs: number): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureMs === undefined) return 0;
  const backoff = Math.min(MAX_POD_FAILURE_BACKOFF_MS, POD_FAILURE_BACKOFF_MS * 2 ** (record.failuresAfterLastSuccess - 1));
  return Math.max(0, backoff - (nowWallMs - record.lastFailureMs));
}
