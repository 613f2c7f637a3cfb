// The batch/v1 Job fields the Job controller reads and writes, and the
// well-known names it puts on pods. Objects stay plain JSON; these types only
// describe the parts the controller interprets.
import type { KubeObject } from '../../api/types.js';
import type { LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';
import type { PodTemplate } from '../common/pods.js';

/** Keeps a finished pod in the API until the controller has counted it in the Job's status. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Annotation and label carrying an Indexed Job pod's completion index. */
export const JOB_COMPLETION_INDEX_KEY = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface JobCondition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  completionMode?: string;
  suspend?: boolean;
  selector?: LabelSelectorSpec;
  manualSelector?: boolean;
  template: PodTemplate;
  ttlSecondsAfterFinished?: number;
  podReplacementPolicy?: string;
  managedBy?: string;
}

export interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
}

export interface Job extends KubeObject {
  spec: JobSpec;
  status?: JobStatus;
}

export function asJob(obj: KubeObject): Job {
  return obj as Job;
}

/** spec.managedBy of the Jobs this controller runs (or none). */
export const JOB_CONTROLLER_MANAGER = 'kubernetes.io/job-controller';

/** Another controller (e.g. MultiKueue) owns this Job's pods and status. */
export function isManagedElsewhere(job: Job): boolean {
  return job.spec.managedBy !== undefined && job.spec.managedBy !== JOB_CONTROLLER_MANAGER;
}

export function isIndexedJob(job: Job): boolean {
  return job.spec.completionMode === 'Indexed';
}

export function isSuspended(job: Job): boolean {
  return job.spec.suspend === true;
}

/** podReplacementPolicy Failed: a terminating pod is replaced only once it has failed. */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed';
}

/** The owner reference fields the controller needs, whatever the informer stored. */
export function withJobTypeMeta(job: Job): Job {
  return { ...job, apiVersion: 'batch/v1', kind: 'Job' };
}
