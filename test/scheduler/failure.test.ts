// FailedScheduling messages worded as kube-scheduler v1.32's, and
// preemption's choice of node and victims, on plain objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitErrorMessage } from '../../src/scheduler/fit-error.js';
import { rejection } from '../../src/scheduler/framework.js';
import { explainFailure } from '../../src/scheduler/scheduler.js';
import type { DisruptionBudget } from '../../src/scheduler/preemption.js';
import { algorithm, cluster, info, node, pod } from './fixtures.js';
import type { KubeObject } from '../../src/api/types.js';

function explain(cache: ReturnType<typeof cluster>, p: KubeObject, budgets: DisruptionBudget[] = []) {
  const podInfo = info(p);
  const result = algorithm().schedule(podInfo, cache);
  assert.notEqual(result.kind, 'fit', 'the pod should fit nowhere');
  if (result.kind === 'fit') throw new Error('unreachable');
  return explainFailure(podInfo, cache, result, budgets);
}

const controlPlaneTaint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

test('the reason histogram: counts, sorted, comma separated, with the PostFilter message', () => {
  const r = new Map([
    ['n1', rejection('NodeResourcesFit', true, 'Insufficient cpu')],
    ['n2', rejection('TaintToleration', false, 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }')],
    ['n3', rejection('TaintToleration', false, 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }')],
  ]);
  assert.equal(
    fitErrorMessage({ numAllNodes: 3, rejections: r, postFilterMessage: 'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.' }),
    '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
  );
  // Go sorts "10 ..." before "2 ...": plain string order.
  const many = new Map<string, ReturnType<typeof rejection>>();
  for (let i = 0; i < 10; i++) many.set(`a${i}`, rejection('X', true, 'Too many pods'));
  many.set('b1', rejection('Y', true, 'Insufficient memory'));
  many.set('b2', rejection('Y', true, 'Insufficient memory'));
  assert.equal(fitErrorMessage({ numAllNodes: 12, rejections: many }), '0/12 nodes are available: 10 Too many pods, 2 Insufficient memory.');
});

test('full message for a pod too big for any node, next to tainted nodes', () => {
  const cache = cluster([node('worker', { cpu: '2' }), node('cp1', { taints: [controlPlaneTaint] }), node('cp2', { taints: [controlPlaneTaint] })]);
  const outcome = explain(cache, pod('huge', { cpu: '64' }));
  assert.equal(
    outcome.message,
    '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ' +
      'preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
  );
  assert.equal(outcome.preemption, undefined);
  const onlyTaints = cluster([node('cp1', { taints: [controlPlaneTaint] })]);
  assert.equal(
    explain(onlyTaints, pod('p')).message,
    '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
  );
  assert.equal(explain(cluster([]), pod('p')).message, 'no nodes available to schedule pods');
  const never = pod('n', { cpu: '64', spec: { preemptionPolicy: 'Never', priority: 100 } });
  assert.equal(explain(cluster([node('w', { cpu: '2' })]), never).message, '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.');
});

test('preemption evicts the fewest, least important pods on the best node', () => {
  const cache = cluster([node('n1', { cpu: '4' }), node('n2', { cpu: '4' })], [
    pod('batch-a', { cpu: '2', priority: 1, nodeName: 'n1' }),
    pod('batch-b', { cpu: '1', priority: 2, nodeName: 'n1' }),
    pod('batch-c', { cpu: '1', priority: 3, nodeName: 'n1' }),
    pod('svc-a', { cpu: '2', priority: 50, nodeName: 'n2' }),
    pod('svc-b', { cpu: '2', priority: 50, nodeName: 'n2' }),
  ]);
  const outcome = explain(cache, pod('urgent', { cpu: '1', priority: 100 }));
  assert.equal(outcome.preemption?.nodeName, 'n1');
  // Reprieved most important first: c and b fit back, a must go.
  assert.deepEqual(outcome.preemption?.victims.map((v) => v.name), ['batch-a']);
  assert.equal(outcome.nominate, 'n1');
  assert.equal(outcome.message, '0/2 nodes are available: 2 Insufficient cpu.');
  // Equal or higher priority pods are never victims: on n1 only batch-a (1 cpu freed is not enough), on n2 none.
  const modest = explain(cache, pod('modest', { cpu: '3', priority: 2 }));
  assert.equal(modest.preemption, undefined);
  assert.equal(modest.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 No preemption victims found for incoming pod.');
});

test('preemption prefers a node whose victims no PodDisruptionBudget protects', () => {
  const cache = cluster([node('n1', { cpu: '2' }), node('n2', { cpu: '2' })], [
    pod('protected', { cpu: '2', priority: 1, nodeName: 'n1', labels: { app: 'db' } }),
    pod('free', { cpu: '2', priority: 1, nodeName: 'n2', labels: { app: 'cache' }, startTime: '2020-01-01T00:00:00Z' }),
  ]);
  const budget: DisruptionBudget = { namespace: 'default', selector: [{ key: 'app', operator: 'In', values: ['db'] }], disruptionsAllowed: 0, disruptedPods: new Set() };
  const outcome = explain(cache, pod('urgent', { cpu: '2', priority: 100 }), [budget]);
  assert.equal(outcome.preemption?.nodeName, 'n2');
  // Without the budget the more recently started victim's node (n1) wins the last tie-break.
  assert.equal(explain(cache, pod('urgent', { cpu: '2', priority: 100 })).preemption?.nodeName, 'n1');
});

test('preemption does not pile on while victims on the nominated node are terminating', () => {
  const terminating = pod('old', { cpu: '2', priority: 1, nodeName: 'n1' });
  terminating.metadata.deletionTimestamp = '2025-01-01T00:00:30Z';
  const cache = cluster([node('n1', { cpu: '2' }), node('n2', { cpu: '2' })], [terminating, pod('other', { cpu: '2', priority: 1, nodeName: 'n2' })]);
  const preemptor = pod('urgent', { cpu: '2', priority: 100 });
  (preemptor.status as Record<string, unknown>).nominatedNodeName = 'n1';
  const outcome = explain(cache, preemptor);
  assert.equal(outcome.preemption, undefined);
  assert.equal(outcome.message, '0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node.');
});
