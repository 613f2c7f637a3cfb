// batch/v1: Job and CronJob (pkg/apis/batch/validation as of v1.32).

import type { FieldError, KubeObject } from '../types.js';
import { child, invalid, key, notSupported, required } from './field.js';
import { goLabelSelector, goQuote, goStringMap } from './govalue.js';
import { clone, deepEqual, isObject, obj, objOr, present, str, type JsonObject } from './json.js';
import { isConvertibleSelector, selectorMatches, validateImmutableField, validateLabelSelector, validateNonnegativeField, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { maxLenError, nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './podspec.js';
import { validateTemplateMatchesSelector } from './workload.js';
import { cronScheduleError } from './cron.js';

export const LegacyControllerUidLabel = 'controller-uid';
export const LegacyJobNameLabel = 'job-name';
export const ControllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const JobNameLabel = 'batch.kubernetes.io/job-name';

const maxParallelismForIndexedJob = 100000;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

// --- Job ---------------------------------------------------------------------------------

function validateHasLabel(labels: JsonObject, labelKey: string, expected: string): FieldError[] {
  const path = key('spec.template.metadata.labels', labelKey);
  if (!(labelKey in labels)) return [required(path, `must be '${expected}'`)];
  return labels[labelKey] === expected ? [] : [invalid(path, goStringMap(labels), `must be '${expected}'`)];
}

/** ValidateGeneratedSelector: a generated selector must carry the job's uid and name labels. */
function validateGeneratedSelector(job: KubeObject): FieldError[] {
  const spec = objOr(job.spec);
  if (spec.manualSelector === true || !isObject(spec.selector)) return [];
  const errs: FieldError[] = [];
  const uid = str(job.metadata?.uid);
  const name = str(job.metadata?.name);
  if (uid === '') errs.push(required('metadata.uid'));
  const labels = objOr(objOr(objOr(spec.template).metadata).labels);
  errs.push(...validateHasLabel(labels, LegacyControllerUidLabel, uid));
  errs.push(...validateHasLabel(labels, LegacyJobNameLabel, name));
  errs.push(...validateHasLabel(labels, ControllerUidLabel, uid));
  errs.push(...validateHasLabel(labels, JobNameLabel, name));
  const expected = { [ControllerUidLabel]: uid, [JobNameLabel]: name, [LegacyControllerUidLabel]: uid, [LegacyJobNameLabel]: name };
  if (isConvertibleSelector(spec.selector) && !selectorMatches(spec.selector, expected)) {
    errs.push(invalid('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

function validateJobRestartPolicy(spec: JsonObject, field: string): FieldError[] {
  const restartPolicy = str(objOr(objOr(spec.template).spec).restartPolicy);
  const path = child(field, 'template', 'spec', 'restartPolicy');
  // An unset policy would have been defaulted to Always, so both read as "not chosen".
  if (restartPolicy === 'Always' || restartPolicy === '') return [required(path, `valid values: ${goQuote('OnFailure')}, ${goQuote('Never')}`)];
  if (restartPolicy !== 'OnFailure' && restartPolicy !== 'Never') return [notSupported(path, restartPolicy, ['OnFailure', 'Never'])];
  if (present(spec.podFailurePolicy) && restartPolicy !== 'Never') return [invalid(path, restartPolicy, `only ${goQuote('Never')} is supported when podFailurePolicy is specified`)];
  return [];
}

/** validateJobSpec: the rules shared by Jobs and CronJob job templates. */
function validateJobSpecCommon(specValue: unknown, field: string): FieldError[] {
  const spec = objOr(specValue);
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) {
    errs.push(...validateNonnegativeField(num(spec[f]), child(field, f)));
  }
  const maxFailedIndexes = num(spec.maxFailedIndexes);
  if (maxFailedIndexes !== undefined) {
    errs.push(...validateNonnegativeField(maxFailedIndexes, child(field, 'maxFailedIndexes')));
    if (!present(spec.backoffLimitPerIndex)) errs.push(required(child(field, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  const mode = spec.completionMode;
  if (present(mode)) {
    const m = str(mode);
    if (m !== 'NonIndexed' && m !== 'Indexed') errs.push(notSupported(child(field, 'completionMode'), m, ['NonIndexed', 'Indexed']));
    if (m === 'Indexed') {
      if (!present(spec.completions)) errs.push(required(child(field, 'completions'), 'when completion mode is Indexed'));
      const parallelism = num(spec.parallelism);
      if (parallelism !== undefined && parallelism > maxParallelismForIndexedJob) {
        errs.push(invalid(child(field, 'parallelism'), parallelism, `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`));
      }
      const completions = num(spec.completions);
      if (completions !== undefined && maxFailedIndexes !== undefined && maxFailedIndexes > completions) {
        errs.push(invalid(child(field, 'maxFailedIndexes'), maxFailedIndexes, 'must be less than or equal to completions'));
      }
    }
  }
  if (!present(mode) || str(mode) === 'NonIndexed') {
    if (present(spec.backoffLimitPerIndex)) errs.push(invalid(child(field, 'backoffLimitPerIndex'), spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (present(spec.maxFailedIndexes)) errs.push(invalid(child(field, 'maxFailedIndexes'), spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (present(spec.podReplacementPolicy)) {
    const policy = str(spec.podReplacementPolicy);
    if (present(spec.podFailurePolicy)) {
      if (policy !== 'Failed') errs.push(notSupported(child(field, 'podReplacementPolicy'), policy, ['Failed']));
    } else if (policy !== 'Failed' && policy !== 'TerminatingOrFailed') {
      errs.push(notSupported(child(field, 'podReplacementPolicy'), policy, ['Failed', 'TerminatingOrFailed']));
    }
  }
  // Job templates leave restartPolicy unset by default (see defaults/batch.ts); the
  // job rule below reports a missing one, as Kubernetes does after defaulting it to Always.
  const restartPolicyPath = child(field, 'template', 'spec', 'restartPolicy');
  errs.push(...validatePodTemplateSpec(spec.template, child(field, 'template')).filter((e) => !(e.field === restartPolicyPath && e.type === 'FieldValueRequired')));
  errs.push(...validateJobRestartPolicy(spec, field));
  return errs;
}

function validateJobSpec(specValue: unknown): FieldError[] {
  const spec = objOr(specValue);
  const errs = validateJobSpecCommon(spec, 'spec');
  if (!isObject(spec.selector)) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (isConvertibleSelector(spec.selector)) errs.push(...validateTemplateMatchesSelector(spec.selector, spec.template, 'spec.template', false));
  return errs;
}

export function validateJob(job: KubeObject): FieldError[] {
  const errs = validateObjectMeta(job.metadata, true, nameIsDNSSubdomain);
  errs.push(...validateGeneratedSelector(job));
  errs.push(...validateJobSpec(job.spec));
  const spec = objOr(job.spec);
  const completions = num(spec.completions);
  if (str(spec.completionMode) === 'Indexed' && completions !== undefined && completions > 0) {
    // Pod hostnames are "<job name>-<index>" and must stay within a DNS label.
    const name = str(job.metadata?.name);
    const limit = 63 - `-${completions - 1}`.length;
    if (name.length > limit) errs.push(invalid('metadata.name', name, maxLenError(limit)));
  }
  return errs;
}

/** The template may change only while a suspended job has never started, and then only its scheduling directives. */
function validateJobTemplateUpdate(spec: JsonObject, oldSpec: JsonObject, schedulingMutable: boolean): FieldError[] {
  const template = objOr(spec.template);
  let oldTemplate = objOr(oldSpec.template);
  if (schedulingMutable) {
    oldTemplate = clone(oldTemplate);
    const oldTemplateSpec = objOr(oldTemplate.spec);
    const templateSpec = objOr(template.spec);
    for (const f of ['nodeSelector', 'tolerations', 'schedulingGates']) oldTemplateSpec[f] = templateSpec[f];
    const affinity = obj(templateSpec.affinity);
    const oldAffinity = obj(oldTemplateSpec.affinity);
    if (affinity || oldAffinity) oldTemplateSpec.affinity = { ...(oldAffinity ?? {}), nodeAffinity: affinity?.nodeAffinity };
    if (affinity === undefined && oldAffinity && Object.keys(oldAffinity).every((k) => k === 'nodeAffinity')) oldTemplateSpec.affinity = undefined;
    oldTemplate.spec = oldTemplateSpec;
    const oldMeta = objOr(oldTemplate.metadata);
    const meta = objOr(template.metadata);
    oldTemplate.metadata = { ...oldMeta, labels: meta.labels, annotations: meta.annotations };
  }
  return deepEqual(template, oldTemplate) ? [] : [invalid('spec.template', template, 'field is immutable')];
}

function validateCompletionsUpdate(spec: JsonObject, oldSpec: JsonObject): FieldError[] {
  // Indexed jobs are elastic (ElasticIndexedJob is GA): completions may follow parallelism.
  if (str(spec.completionMode) !== 'Indexed') return validateImmutableField(spec.completions, oldSpec.completions, 'spec.completions');
  if (deepEqual(spec.completions, oldSpec.completions) || !present(spec.completions)) return [];
  return spec.completions === spec.parallelism ? [] : [invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism')];
}

export function validateJobUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const spec = objOr(job.spec);
  const oldSpec = objOr(old.spec);
  const errs = validateObjectMetaUpdate(job.metadata, old.metadata);
  errs.push(...validateJobSpec(spec));
  errs.push(...validateCompletionsUpdate(spec, oldSpec));
  errs.push(...validateImmutableField(spec.selector, oldSpec.selector, 'spec.selector', goLabelSelector(spec.selector)));
  const schedulingMutable = oldSpec.suspend === true && !present(objOr(old.status).startTime);
  errs.push(...validateJobTemplateUpdate(spec, oldSpec, schedulingMutable));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...validateImmutableField(spec[f], oldSpec[f], `spec.${f}`));
  }
  return errs;
}

// --- CronJob --------------------------------------------------------------------------------

const validTimeZoneCharacters = /^[A-Za-z.\-_0-9+]{1,14}$/;

function validateTimeZone(timeZone: unknown, field: string): FieldError[] {
  if (!present(timeZone)) return [];
  const tz = str(timeZone);
  if (tz === '') return [invalid(field, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !validTimeZoneCharacters.test(part)) return [invalid(field, tz, `unknown time zone ${tz}`)];
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') errs.push(invalid(field, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else if (!isKnownTimeZone(tz)) errs.push(invalid(field, tz, `unknown time zone ${tz}`));
  return errs;
}

function isKnownTimeZone(tz: string): boolean {
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const problem = cronScheduleError(schedule);
  if (problem) errs.push(invalid(field, schedule, problem));
  if (allowTZ && schedule.includes('TZ') && present(timeZone)) errs.push(invalid(field, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  else if (!allowTZ && schedule.includes('TZ')) errs.push(invalid(field, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  return errs;
}

function validateCronJobSpec(specValue: unknown, oldSpecValue: unknown): FieldError[] {
  const spec = objOr(specValue);
  const oldSpec = obj(oldSpecValue);
  const errs: FieldError[] = [];
  const schedule = str(spec.schedule);
  if (schedule === '') errs.push(required('spec.schedule'));
  else errs.push(...validateSchedule(schedule, str(oldSpec?.schedule).includes('TZ'), spec.timeZone, 'spec.schedule'));
  errs.push(...validateNonnegativeField(num(spec.startingDeadlineSeconds), 'spec.startingDeadlineSeconds'));
  if (!oldSpec || !deepEqual(oldSpec.timeZone, spec.timeZone)) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  const policy = str(spec.concurrencyPolicy);
  if (policy === '') errs.push(required('spec.concurrencyPolicy'));
  else if (!['Allow', 'Forbid', 'Replace'].includes(policy)) errs.push(notSupported('spec.concurrencyPolicy', policy, ['Allow', 'Forbid', 'Replace']));
  const jobTemplate = objOr(spec.jobTemplate);
  const jobSpec = objOr(jobTemplate.spec);
  errs.push(...validateJobSpecCommon(jobSpec, 'spec.jobTemplate.spec'));
  if (present(jobSpec.selector)) errs.push(invalid('spec.jobTemplate.spec.selector', goLabelSelector(jobSpec.selector), '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) errs.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  errs.push(...validateNonnegativeField(num(spec.successfulJobsHistoryLimit), 'spec.successfulJobsHistoryLimit'));
  errs.push(...validateNonnegativeField(num(spec.failedJobsHistoryLimit), 'spec.failedJobsHistoryLimit'));
  return errs;
}

export function validateCronJob(cronJob: KubeObject): FieldError[] {
  const errs = validateObjectMeta(cronJob.metadata, true, nameIsDNSSubdomain);
  errs.push(...validateCronJobSpec(cronJob.spec, undefined));
  // Jobs are named "<cronjob>-<11-character timestamp>" and must fit in 63 characters.
  const name = str(cronJob.metadata?.name);
  if (name.length > 52) errs.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
  return errs;
}

export function validateCronJobUpdate(cronJob: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(cronJob.metadata, old.metadata), ...validateCronJobSpec(cronJob.spec, old.spec)];
}
