// Job conditions: finished or not, and the set/replace rules Kubernetes'
// job controller applies (ensureJobConditionStatus).
import type { ConditionStatus, Job, JobCondition } from './job-api.js';

export const JobConditionType = {
  Complete: 'Complete',
  Failed: 'Failed',
  Suspended: 'Suspended',
  FailureTarget: 'FailureTarget',
  SuccessCriteriaMet: 'SuccessCriteriaMet',
} as const;

export const JobReason = {
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  CompletionsReached: 'CompletionsReached',
} as const;

export function findCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

function isTrue(job: Job, type: string): boolean {
  return findCondition(job, type)?.status === 'True';
}

/** Complete or Failed (true), the Job's terminal condition type, or undefined while it runs. */
export function finishedConditionType(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === JobConditionType.Complete || c.type === JobConditionType.Failed) && c.status === 'True') return c.type;
  }
  return undefined;
}

export function isJobFinished(job: Job): boolean {
  return finishedConditionType(job) !== undefined;
}

export function hasSuccessCriteriaMet(job: Job): boolean {
  return isTrue(job, JobConditionType.SuccessCriteriaMet);
}

export function newCondition(type: string, status: ConditionStatus, reason: string, message: string, nowIso: string): JobCondition {
  return { type, status, reason, message, lastProbeTime: nowIso, lastTransitionTime: nowIso };
}

/**
 * Sets a condition's status, reason and message, adding it if missing
 * (except as False: going from nothing to False says nothing). Returns
 * whether the list changed.
 */
export function ensureConditionStatus(job: Job, type: string, status: ConditionStatus, reason: string, message: string, nowIso: string): boolean {
  const status_ = (job.status ??= {});
  const conditions = (status_.conditions ??= []);
  const index = conditions.findIndex((c) => c.type === type);
  if (index >= 0) {
    const current = conditions[index];
    if (current.status === status && (current.reason ?? '') === reason && (current.message ?? '') === message) return false;
    conditions[index] = newCondition(type, status, reason, message, nowIso);
    return true;
  }
  if (status === 'False') return false;
  conditions.push(newCondition(type, status, reason, message, nowIso));
  return true;
}
