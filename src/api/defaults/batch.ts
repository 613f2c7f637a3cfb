// batch/v1 defaults (pkg/apis/batch/v1/defaults.go) and the Job selector
// generation the Job registry strategy performs.

import { isObject, objects, str, type JsonObject } from '../validation/json.js';
import { ControllerUidLabel, JobNameLabel, LegacyControllerUidLabel, LegacyJobNameLabel } from '../validation/batch.js';
import { defaultPodTemplate, ensureObject, setIfUnset } from './pod.js';

const MaxInt32 = 2147483647;

// Job templates keep restartPolicy unset: validation then asks for OnFailure or Never.
const jobTemplateOptions = { defaultRestartPolicy: false };

function defaultJobSpec(spec: JsonObject): void {
  // A non-parallel job may leave both unset; then both are 1. Otherwise only parallelism defaults.
  if (spec.completions == null && spec.parallelism == null) spec.completions = 1;
  setIfUnset(spec, 'parallelism', 1);
  if (spec.backoffLimit == null) spec.backoffLimit = spec.backoffLimitPerIndex == null ? 6 : MaxInt32;
  setIfUnset(spec, 'completionMode', 'NonIndexed');
  if (spec.suspend == null) spec.suspend = false;
  const podFailurePolicy = isObject(spec.podFailurePolicy) ? spec.podFailurePolicy : undefined;
  for (const rule of objects(podFailurePolicy?.rules)) {
    for (const pattern of objects(rule.onPodConditions)) setIfUnset(pattern, 'status', 'True');
  }
  setIfUnset(spec, 'podReplacementPolicy', podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
}

/**
 * The Job strategy's generateSelector: unless the user chose manualSelector,
 * the job selects its pods by its own uid, and its template carries the uid
 * and name labels. Needs metadata.uid, so it only acts once the uid is set.
 */
export function generateJobSelector(job: JsonObject): void {
  const spec = ensureObject(job, 'spec');
  const metadata = ensureObject(job, 'metadata');
  const uid = str(metadata.uid);
  if (spec.manualSelector === true || uid === '') return;
  const templateMeta = ensureObject(ensureObject(spec, 'template'), 'metadata');
  const labels = ensureObject(templateMeta, 'labels');
  for (const label of [LegacyJobNameLabel, JobNameLabel]) if (!(label in labels)) labels[label] = str(metadata.name);
  for (const label of [LegacyControllerUidLabel, ControllerUidLabel]) if (!(label in labels)) labels[label] = uid;
  const matchLabels = ensureObject(ensureObject(spec, 'selector'), 'matchLabels');
  if (!(ControllerUidLabel in matchLabels)) matchLabels[ControllerUidLabel] = uid;
}

export function defaultJob(job: JsonObject): void {
  const spec = ensureObject(job, 'spec');
  defaultJobSpec(spec);
  const template = ensureObject(spec, 'template');
  // A job without labels of its own takes its template's.
  const templateLabels = isObject(template.metadata) ? template.metadata.labels : undefined;
  const metadata = ensureObject(job, 'metadata');
  if (isObject(templateLabels) && (!isObject(metadata.labels) || Object.keys(metadata.labels).length === 0)) metadata.labels = { ...templateLabels };
  defaultPodTemplate(template, jobTemplateOptions);
  generateJobSelector(job);
}

export function defaultCronJob(cronJob: JsonObject): void {
  const spec = ensureObject(cronJob, 'spec');
  setIfUnset(spec, 'concurrencyPolicy', 'Allow');
  if (spec.suspend == null) spec.suspend = false;
  setIfUnset(spec, 'successfulJobsHistoryLimit', 3);
  setIfUnset(spec, 'failedJobsHistoryLimit', 1);
  // The job template gets pod-template defaults only, not the Job's own.
  const jobSpec = ensureObject(ensureObject(spec, 'jobTemplate'), 'spec');
  defaultPodTemplate(ensureObject(jobSpec, 'template'), jobTemplateOptions);
}
