// batch/v1 Job and CronJob.

import type { KubeObject } from '../types.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, selectorColumn } from './columns.js';
import { humanDuration, parseTimestamp, timeSince } from './duration.js';
import { containerCells, formatLabelSelector, listOf, nameOf, type LabelSelector, type PodTemplate } from './fields.js';
import type { TablePrinter } from './printer.js';

interface JobSpec {
  completions?: number;
  parallelism?: number;
  selector?: LabelSelector;
  template?: PodTemplate;
}

interface JobFields {
  spec?: JobSpec;
  status?: {
    succeeded?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: Array<{ type?: string; status?: string }>;
  };
}

/** hasJobCondition: the first condition of that type decides. */
function hasJobCondition(job: JobFields, type: string): boolean {
  const condition = listOf(job.status?.conditions).find((c) => c.type === type);
  return condition?.status === 'True';
}

/** STATUS: finished states first, then deletion, then the states a running job can be in. */
function jobStatus(job: JobFields, deletionTimestamp: string | undefined): string {
  if (hasJobCondition(job, 'Complete')) return 'Complete';
  if (hasJobCondition(job, 'Failed')) return 'Failed';
  if (deletionTimestamp) return 'Terminating';
  if (hasJobCondition(job, 'Suspended')) return 'Suspended';
  if (hasJobCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** COMPLETIONS: "succeeded/completions"; work-queue jobs (no completions) show parallelism. */
function completionsCell(job: JobFields): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** DURATION: empty before the job starts, running time until it completes, then start to completion. */
function durationCell(job: JobFields, nowMs: number): string {
  const startMs = parseTimestamp(job.status?.startTime);
  if (startMs === undefined) return '';
  const completionMs = parseTimestamp(job.status?.completionTime);
  return humanDuration((completionMs ?? nowMs) - startMs);
}

export const jobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  cells(obj, nowMs) {
    const job = obj as KubeObject & JobFields;
    const [names, images] = containerCells(job.spec?.template);
    return [
      nameOf(obj),
      jobStatus(job, obj.metadata.deletionTimestamp),
      completionsCell(job),
      durationCell(job, nowMs),
      timeSince(obj.metadata.creationTimestamp, nowMs),
      names,
      images,
      formatLabelSelector(job.spec?.selector),
    ];
  },
};

interface CronJobFields {
  spec?: { schedule?: string; timeZone?: string; suspend?: boolean; jobTemplate?: { spec?: JobSpec } };
  status?: { active?: unknown[]; lastScheduleTime?: string };
}

/** printBoolPtr: the SUSPEND column is typed boolean but Kubernetes sends "True"/"False" strings. */
function boolPointerCell(value: boolean | undefined): string {
  if (value === undefined || value === null) return '<unset>';
  return value ? 'True' : 'False';
}

export const cronJobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Schedule', 'string', 'The schedule in Cron format.'),
    column('Timezone', 'string', 'The time zone name for the given schedule.'),
    column('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    selectorColumn('A label query over pods that should match the pod count.'),
  ],
  cells(obj, nowMs) {
    const cronJob = obj as KubeObject & CronJobFields;
    const spec = cronJob.spec ?? {};
    const jobSpec = spec.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template);
    const lastSchedule = cronJob.status?.lastScheduleTime ? timeSince(cronJob.status.lastScheduleTime, nowMs) : '<none>';
    return [
      nameOf(obj),
      spec.schedule ?? '',
      spec.timeZone ?? '<none>',
      // Defaulting stores suspend: false when it is omitted.
      boolPointerCell(spec.suspend ?? false),
      listOf(cronJob.status?.active).length,
      lastSchedule,
      timeSince(obj.metadata.creationTimestamp, nowMs),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
};
