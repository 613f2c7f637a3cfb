import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { defaultObject } from '../../src/api/defaults/index.js';
import { clone, createErrors, stored, template, updateErrors } from './helpers.js';

function job(spec: Record<string, unknown> = {}, uid = 'abc-123'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', namespace: 'default', uid },
    spec: { template: template({ app: 'pi' }, { restartPolicy: 'Never' }), ...spec },
  };
}

function cronJob(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly', namespace: 'default' },
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: template({}, { restartPolicy: 'OnFailure' }) } }, ...spec },
  };
}

test('Job defaults and the generated selector', () => {
  const j = job();
  defaultObject('batch', 'Job', j);
  const spec = j.spec as any;
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.completions, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.equal(spec.manualSelector, undefined);
  assert.deepEqual(j.metadata.labels, { app: 'pi' });
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc-123' } });
  assert.deepEqual(spec.template.metadata.labels, {
    app: 'pi',
    'job-name': 'pi',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'abc-123',
    'batch.kubernetes.io/controller-uid': 'abc-123',
  });
  assert.equal(spec.template.spec.terminationGracePeriodSeconds, 30);
});

test('completions stay unset when only parallelism is given', () => {
  const j = job({ parallelism: 3 });
  defaultObject('batch', 'Job', j);
  assert.equal((j.spec as any).parallelism, 3);
  assert.equal((j.spec as any).completions, undefined);
});

test('a Job template gets no restartPolicy default, so validation asks for one', () => {
  const j = job({ template: template({ app: 'pi' }) });
  const errs = createErrors('batch', 'Job', j);
  assert.equal((j.spec as any).template.spec.restartPolicy, undefined);
  assert.deepEqual(errs, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
  assert.deepEqual(createErrors('batch', 'Job', job({ template: template({ app: 'pi' }, { restartPolicy: 'Always' }) })), [
    'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
  ]);
});

test('a valid Job passes; counts must not be negative', () => {
  assert.deepEqual(createErrors('batch', 'Job', job()), []);
  assert.deepEqual(createErrors('batch', 'Job', job({ parallelism: -1, completions: -2, backoffLimit: -3 })), [
    'spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
    'spec.completions: Invalid value: -2: must be greater than or equal to 0',
    'spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0',
  ]);
  assert.deepEqual(createErrors('batch', 'Job', job({ completionMode: 'Sometimes' })), [
    'spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
  ]);
});

test('a manual selector must match the template', () => {
  const errs = createErrors('batch', 'Job', job({ manualSelector: true, selector: { matchLabels: { app: 'other' } } }));
  assert.deepEqual(errs, ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"pi"}: `selector` does not match template `labels`']);
});

test('Job updates: selector and template are immutable unless suspended and not started', () => {
  const old = stored('batch', 'Job', job());
  const scaled = clone(old);
  (scaled.spec as any).parallelism = 4;
  assert.deepEqual(updateErrors('batch', 'Job', scaled, old), []);

  const retemplated = clone(old);
  (retemplated.spec as any).template.spec.containers[0].image = 'perl:2';
  const errs = updateErrors('batch', 'Job', retemplated, old);
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^spec\.template: Invalid value: \{.*\}: field is immutable$/);

  const reselected = clone(old);
  (reselected.spec as any).manualSelector = true;
  (reselected.spec as any).selector = { matchLabels: { app: 'pi' } };
  assert.deepEqual(updateErrors('batch', 'Job', reselected, old), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"pi"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);

  const completions = clone(old);
  (completions.spec as any).completions = 5;
  assert.deepEqual(updateErrors('batch', 'Job', completions, old), ['spec.completions: Invalid value: 5: field is immutable']);

  const suspended = stored('batch', 'Job', job({ suspend: true }));
  const moved = clone(suspended);
  (moved.spec as any).template.spec.nodeSelector = { zone: 'a' };
  assert.deepEqual(updateErrors('batch', 'Job', moved, suspended), []);
});

test('CronJob defaults', () => {
  const c = cronJob();
  defaultObject('batch', 'CronJob', c);
  const spec = c.spec as any;
  assert.equal(spec.concurrencyPolicy, 'Allow');
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);
  // The job template gets pod-template defaults, not the Job's own.
  assert.equal(spec.jobTemplate.spec.backoffLimit, undefined);
  assert.equal(spec.jobTemplate.spec.template.spec.dnsPolicy, 'ClusterFirst');
});

test('CronJob schedule, time zone, policy and job template', () => {
  assert.deepEqual(createErrors('batch', 'CronJob', cronJob()), []);
  assert.deepEqual(createErrors('batch', 'CronJob', cronJob({ schedule: '' })), ['spec.schedule: Required value']);
  assert.deepEqual(createErrors('batch', 'CronJob', cronJob({ schedule: '61 * * * *' })), ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']);
  assert.deepEqual(createErrors('batch', 'CronJob', cronJob({ schedule: 'TZ=UTC 0 * * * *' })), [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
  assert.deepEqual(createErrors('batch', 'CronJob', cronJob({ timeZone: 'Europe/Paris' })), []);
  assert.deepEqual(createErrors('batch', 'CronJob', cronJob({ timeZone: 'Mars/Olympus' })), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
  assert.deepEqual(createErrors('batch', 'CronJob', cronJob({ concurrencyPolicy: 'Sometimes' })), [
    'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
  ]);
  const withSelector = cronJob();
  (withSelector.spec as any).jobTemplate.spec.selector = { matchLabels: { a: 'b' } };
  assert.deepEqual(createErrors('batch', 'CronJob', withSelector), [
    'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
  ]);
  const longName = cronJob();
  longName.metadata.name = 'n'.repeat(53);
  assert.deepEqual(createErrors('batch', 'CronJob', longName), [`metadata.name: Invalid value: "${'n'.repeat(53)}": must be no more than 52 characters`]);
});
