import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellsOf, columnLayout, object } from './helpers.js';

const GROUP = 'autoscaling';

function hpa(spec: Record<string, unknown>, status: Record<string, unknown> = {}) {
  return object('HorizontalPodAutoscaler', 'web', { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 10, ...spec }, status });
}

describe('HorizontalPodAutoscaler', () => {
  it('has NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE', () => {
    assert.deepEqual(columnLayout(GROUP, 'HorizontalPodAutoscaler'), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
  });

  it('prints a CPU utilisation target with its current value', () => {
    const obj = hpa(
      { minReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] },
      { currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '120m' } } }] },
    );
    assert.deepEqual(cellsOf(GROUP, obj), ['web', 'Deployment/web', 'cpu: 45%/60%', '2', 10, 3, '3h']);
  });

  it('shows <unknown> until metrics arrive, and the defaulted CPU target without metrics', () => {
    const observedNothing = hpa({ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '512Mi' } } }] });
    assert.deepEqual(cellsOf(GROUP, observedNothing).slice(2, 6), ['memory: <unknown>/512Mi', '1', 10, 0]);
    assert.equal(cellsOf(GROUP, hpa({}))[2], 'cpu: <unknown>/80%');
  });

  it('formats pods, object and external metrics and counts the ones beyond two', () => {
    const obj = hpa(
      {
        metrics: [
          { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
          { type: 'Object', object: { metric: { name: 'hits' }, target: { type: 'AverageValue', averageValue: '2000' } } },
          { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
        ],
      },
      {
        currentMetrics: [
          { type: 'Pods', pods: { current: { averageValue: '1500m' } } },
          { type: 'Object', object: { current: { value: '10' } } },
        ],
      },
    );
    assert.equal(cellsOf(GROUP, obj)[2], '1500m/1k, <unknown>/2k (avg) + 1 more...');
    const external = hpa(
      { metrics: [{ type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } }] },
      { currentMetrics: [{ type: 'External', external: { current: { value: '12' } } }] },
    );
    assert.equal(cellsOf(GROUP, external)[2], '12/30');
  });
});

describe('HorizontalPodAutoscaler written as autoscaling/v1', () => {
  it('prints targetCPUUtilizationPercentage like the equivalent v2 metric', () => {
    const observed = hpa({ targetCPUUtilizationPercentage: 70 }, { currentReplicas: 2, currentCPUUtilizationPercentage: 35 });
    assert.deepEqual(cellsOf(GROUP, observed).slice(1, 6), ['Deployment/web', 'cpu: 35%/70%', '1', 10, 2]);
    assert.equal(cellsOf(GROUP, hpa({ targetCPUUtilizationPercentage: 70 }))[2], 'cpu: <unknown>/70%');
  });
});

describe('PodDisruptionBudget', () => {
  it('prints min available, max unavailable and allowed disruptions', () => {
    assert.deepEqual(columnLayout('policy', 'PodDisruptionBudget'), ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    const minimum = object('PodDisruptionBudget', 'web', { spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1 } });
    assert.deepEqual(cellsOf('policy', minimum), ['web', '2', 'N/A', 1, '3h']);
    const percent = object('PodDisruptionBudget', 'db', { spec: { maxUnavailable: '25%' }, status: {} });
    assert.deepEqual(cellsOf('policy', percent), ['db', 'N/A', '25%', 0, '3h']);
  });
});
