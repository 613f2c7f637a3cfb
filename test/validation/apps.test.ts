import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { defaultObject } from '../../src/api/defaults/index.js';
import { clone, createErrors, deployment, stored, template, updateErrors } from './helpers.js';

function workload(kind: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind, metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec } };
}

test('Deployment defaults, including its pod template', () => {
  const d = deployment();
  defaultObject('apps', 'Deployment', d);
  const spec = d.spec as any;
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  const podSpec = spec.template.spec;
  assert.equal(podSpec.restartPolicy, 'Always');
  assert.equal(podSpec.terminationGracePeriodSeconds, 30);
  assert.equal(podSpec.containers[0].imagePullPolicy, 'IfNotPresent');
  // Pod-only defaults stay out of templates.
  assert.equal(podSpec.enableServiceLinks, undefined);
});

test('explicit values survive defaulting, including zero', () => {
  const d = deployment({ replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 0 });
  defaultObject('apps', 'Deployment', d);
  assert.equal((d.spec as any).replicas, 0);
  assert.deepEqual((d.spec as any).strategy, { type: 'Recreate' });
  assert.equal((d.spec as any).revisionHistoryLimit, 0);
});

test('ReplicaSet, StatefulSet and DaemonSet defaults', () => {
  const rs = workload('ReplicaSet');
  defaultObject('apps', 'ReplicaSet', rs);
  assert.equal((rs.spec as any).replicas, 1);

  const ss = workload('StatefulSet', { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1024Mi' } } } }] });
  defaultObject('apps', 'StatefulSet', ss);
  const sspec = ss.spec as any;
  assert.equal(sspec.replicas, 1);
  assert.equal(sspec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sspec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.equal(sspec.revisionHistoryLimit, 10);
  assert.deepEqual(sspec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.deepEqual(sspec.volumeClaimTemplates[0], {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  });

  const ds = workload('DaemonSet');
  defaultObject('apps', 'DaemonSet', ds);
  assert.deepEqual((ds.spec as any).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal((ds.spec as any).revisionHistoryLimit, 10);
});

test('valid workloads pass', () => {
  for (const kind of ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']) assert.deepEqual(createErrors('apps', kind, workload(kind)), [], kind);
});

test('a Deployment without selector reports both the selector and the mismatch', () => {
  const d = deployment();
  delete (d.spec as any).selector;
  assert.deepEqual(createErrors('apps', 'Deployment', d), [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
  ]);
});

test('selectors must be non-empty and match the template', () => {
  assert.deepEqual(createErrors('apps', 'Deployment', deployment({ selector: {} })), [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  ]);
  assert.deepEqual(createErrors('apps', 'ReplicaSet', workload('ReplicaSet', { selector: { matchLabels: { app: 'other' } } })), [
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
  ]);
  assert.deepEqual(createErrors('apps', 'StatefulSet', workload('StatefulSet', { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } })), []);
  assert.deepEqual(createErrors('apps', 'DaemonSet', workload('DaemonSet', { selector: { matchExpressions: [{ key: 'app', operator: 'Maybe' }] } })), [
    'spec.selector.matchExpressions[0].operator: Invalid value: "Maybe": not a valid selector operator',
  ]);
});

test('replicas, template restartPolicy and strategy values', () => {
  const d = deployment({ replicas: -1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } }, template: template({ app: 'web' }, { restartPolicy: 'Never' }) });
  assert.deepEqual(createErrors('apps', 'Deployment', d), [
    'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}: may not be 0 when `maxSurge` is 0',
  ]);
  assert.deepEqual(createErrors('apps', 'Deployment', deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'lots', maxUnavailable: '150%' } } })), [
    "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"lots\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
  ]);
  assert.deepEqual(createErrors('apps', 'Deployment', deployment({ strategy: { type: 'Recreate', rollingUpdate: {} } })), [
    "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
  ]);
  assert.deepEqual(createErrors('apps', 'Deployment', deployment({ minReadySeconds: 700 })), ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds']);
  assert.deepEqual(createErrors('apps', 'DaemonSet', workload('DaemonSet', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } })), [
    'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
  ]);
  assert.deepEqual(createErrors('apps', 'StatefulSet', workload('StatefulSet', { podManagementPolicy: 'Random', template: template({ app: 'web' }, { restartPolicy: 'OnFailure' }) })), [
    "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  ]);
});

test('the pod template is validated as a pod spec', () => {
  const d = deployment({ template: template({ app: 'web' }, { containers: [{ name: 'app' }] }) });
  assert.deepEqual(createErrors('apps', 'Deployment', d), ['spec.template.spec.containers[0].image: Required value']);
});

test('selectors are immutable in apps/v1', () => {
  for (const kind of ['Deployment', 'ReplicaSet', 'DaemonSet']) {
    const old = stored('apps', kind, workload(kind));
    const next = clone(old);
    (next.spec as any).selector = { matchLabels: { app: 'web', tier: 'x' } };
    (next.spec as any).template.metadata.labels.tier = 'x';
    assert.deepEqual(
      updateErrors('apps', kind, next, old),
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'],
      kind,
    );
  }
  const old = stored('apps', 'Deployment', deployment());
  const scaled = clone(old);
  (scaled.spec as any).replicas = 5;
  (scaled.spec as any).template.spec.containers[0].image = 'nginx:1.28';
  assert.deepEqual(updateErrors('apps', 'Deployment', scaled, old), []);
});

test('StatefulSet updates may change only replicas, template, strategy and a few others', () => {
  const old = stored('apps', 'StatefulSet', workload('StatefulSet', { serviceName: 'web' }));
  const ok = clone(old);
  (ok.spec as any).replicas = 3;
  (ok.spec as any).updateStrategy = { type: 'OnDelete' };
  assert.deepEqual(updateErrors('apps', 'StatefulSet', ok, old), []);
  const bad = clone(old);
  (bad.spec as any).serviceName = 'other';
  assert.deepEqual(updateErrors('apps', 'StatefulSet', bad, old), [
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  ]);
});

test('ControllerRevision: data required, revision non-negative, data immutable', () => {
  const cr: KubeObject = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-1', namespace: 'default' }, revision: -1 };
  assert.deepEqual(createErrors('apps', 'ControllerRevision', cr), ['data: Required value: data is mandatory', 'revision: Invalid value: -1: must be greater than or equal to 0']);
  const old = stored('apps', 'ControllerRevision', { ...cr, revision: 1, data: { spec: 1 } });
  const next = clone(old);
  next.data = { spec: 2 };
  assert.deepEqual(updateErrors('apps', 'ControllerRevision', next, old), ['data: Invalid value: {"spec":2}: field is immutable']);
});
