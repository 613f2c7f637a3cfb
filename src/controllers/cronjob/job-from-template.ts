// The Job a CronJob starts for one scheduled time (getJobFromTemplate2):
// the template's labels and annotations, the scheduled-timestamp
// annotation, a controllerRef to the CronJob, and the template's spec.
import type { KubeObject } from '../../api/types.js';
import { controllerRef } from '../common/owners.js';
import { SCHEDULED_TIMESTAMP_ANNOTATION, type CronJob } from './cronjob-api.js';
import { jobNameFor, localTimeZone, rfc3339InZone } from './scheduled-time.js';

export function jobFromTemplate(cronJob: CronJob, scheduledMs: number): KubeObject {
  const template = cronJob.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob.metadata.name!, scheduledMs),
      namespace: cronJob.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: {
        ...(template.metadata?.annotations ?? {}),
        [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339InZone(scheduledMs, cronJob.spec.timeZone ?? localTimeZone()),
      },
      ownerReferences: [controllerRef({ ...cronJob, apiVersion: 'batch/v1', kind: 'CronJob' })],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}
