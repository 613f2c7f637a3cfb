import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { defaultObject } from '../../src/api/defaults/index.js';
import { clone, createErrors, stored, updateErrors } from './helpers.js';

test('Lease: duration positive, transitions non-negative', () => {
  const lease = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', namespace: 'kube-system' }, spec });
  assert.deepEqual(createErrors('coordination.k8s.io', 'Lease', lease({ holderIdentity: 'a', leaseDurationSeconds: 15 })), []);
  assert.deepEqual(createErrors('coordination.k8s.io', 'Lease', lease({ leaseDurationSeconds: 0, leaseTransitions: -1 })), [
    'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
  ]);
});

test('EndpointSlice: port defaults, address types and addresses', () => {
  const slice: KubeObject = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc', namespace: 'default' },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.5'] }, { addresses: [] }, { addresses: ['fe80::1'] }],
    ports: [{ port: 80 }],
  };
  const errs = createErrors('discovery.k8s.io', 'EndpointSlice', slice);
  assert.deepEqual((slice.ports as any)[0], { port: 80, name: '', protocol: 'TCP' });
  assert.deepEqual(errs, ['endpoints[1].addresses: Required value: must contain at least 1 address', 'endpoints[2].addresses[0]: Invalid value: "fe80::1": must be a valid IPv4 address']);
  assert.deepEqual(createErrors('discovery.k8s.io', 'EndpointSlice', { ...clone(slice), endpoints: [], addressType: 'IPv5' }), [
    'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
  ]);
  const old = stored('discovery.k8s.io', 'EndpointSlice', { ...clone(slice), endpoints: [] } as KubeObject);
  const next = clone(old);
  next.addressType = 'IPv6';
  assert.deepEqual(updateErrors('discovery.k8s.io', 'EndpointSlice', next, old), ['addressType: Invalid value: "IPv6": field is immutable']);
});

test('HorizontalPodAutoscaler: defaults and replica bounds', () => {
  const hpa: KubeObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
  };
  assert.deepEqual(createErrors('autoscaling', 'HorizontalPodAutoscaler', hpa), []);
  const spec = hpa.spec as any;
  assert.equal(spec.minReplicas, 1);
  assert.deepEqual(spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.deepEqual(spec.behavior.scaleDown, { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  assert.deepEqual(spec.behavior.scaleUp.policies, [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ]);
  const bad: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'default' }, spec: { minReplicas: 3, maxReplicas: 2, scaleTargetRef: { kind: 'Deployment' } } };
  assert.deepEqual(createErrors('autoscaling', 'HorizontalPodAutoscaler', bad), [
    'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
    'spec.scaleTargetRef.name: Required value',
  ]);
});

test('PodDisruptionBudget: minAvailable and maxUnavailable exclude each other', () => {
  const pdb = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec });
  assert.deepEqual(createErrors('policy', 'PodDisruptionBudget', pdb({ minAvailable: 1, selector: { matchLabels: { app: 'web' } } })), []);
  assert.deepEqual(createErrors('policy', 'PodDisruptionBudget', pdb({ minAvailable: '50%', maxUnavailable: 1 })), [
    'spec: Invalid value: {"minAvailable":"50%","maxUnavailable":1}: minAvailable and maxUnavailable cannot be both set',
  ]);
  assert.deepEqual(createErrors('policy', 'PodDisruptionBudget', pdb({ maxUnavailable: '120%' })), [
    'spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
  ]);
});

test('unknown kinds have neither defaults nor validation', () => {
  const obj: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'Bad_Name' } };
  defaultObject('example.com', 'Widget', obj);
  assert.deepEqual(obj, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'Bad_Name' } });
  assert.deepEqual(createErrors('example.com', 'Widget', obj), []);
});
