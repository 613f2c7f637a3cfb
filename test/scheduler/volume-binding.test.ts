// VolumeBinding for statically bound claims: a pod waits (with
// kube-scheduler's words) for a claim that is missing, being deleted or
// unbound, and goes only to a node its bound volumes' nodeAffinity allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { SchedulingAlgorithm } from '../../src/scheduler/algorithm.js';
import { defaultFilters, DEFAULT_SCORES } from '../../src/scheduler/plugins/index.js';
import { explainFailure } from '../../src/scheduler/scheduler.js';
import { seededRandom } from '../time/support/seeded-random.js';
import { cluster, info, node, pod } from './fixtures.js';

function claim(name: string, volumeName?: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default', ...extra },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(volumeName ? { volumeName } : {}) },
    status: { phase: volumeName ? 'Bound' : 'Pending' },
  };
}

function localVolume(name: string, onNode: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], local: { path: `/mnt/${name}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [onNode] }] }] } },
    },
    status: { phase: 'Bound' },
  };
}

function withClaims(name: string, ...claimNames: string[]): KubeObject {
  return pod(name, { spec: { volumes: claimNames.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } });
}

function scheduler(objects: KubeObject[]): SchedulingAlgorithm {
  const lookup = {
    claim: (ns: string, n: string) => objects.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.namespace === ns && o.metadata.name === n),
    volume: (n: string) => objects.find((o) => o.kind === 'PersistentVolume' && o.metadata.name === n),
  };
  return new SchedulingAlgorithm(defaultFilters(lookup), DEFAULT_SCORES, seededRandom(1));
}

const NOT_HELPFUL = (n: number) => `preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;

function failure(objects: KubeObject[], p: KubeObject, nodes = [node('a'), node('b')]): string {
  const cache = cluster(nodes);
  const result = scheduler(objects).schedule(info(p), cache);
  if (result.kind === 'fit') throw new Error(`expected no fit, got ${result.node.name}`);
  return explainFailure(info(p), cache, result, []).message;
}

test('volume binding: a missing, deleting or unbound claim keeps the pod pending, said as kube-scheduler says it', () => {
  assert.equal(failure([], withClaims('p', 'data')), `0/2 nodes are available: persistentvolumeclaim "data" not found. ${NOT_HELPFUL(2)}`);
  assert.equal(failure([claim('data', 'pv-1', { deletionTimestamp: '2026-01-01T00:00:00Z' })], withClaims('p', 'data')),
    `0/2 nodes are available: persistentvolumeclaim "data" is being deleted. ${NOT_HELPFUL(2)}`);
  assert.equal(failure([claim('data')], withClaims('p', 'data')), `0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. ${NOT_HELPFUL(2)}`);
  const lost = { ...claim('data', 'pv-gone'), status: { phase: 'Lost' } };
  // A lost claim is named even when an earlier claim is merely unbound.
  assert.equal(failure([claim('first'), lost], withClaims('p', 'first', 'data')),
    `0/2 nodes are available: persistentvolumeclaim "data" bound to non-existent persistentvolume "pv-gone". ${NOT_HELPFUL(2)}`);
  assert.equal(failure([claim('data', 'gone')], withClaims('p', 'data')),
    `0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s). ${NOT_HELPFUL(2)}`);
});

test('volume binding: a pod goes to the node its local volumes are on; volumes on two nodes conflict', () => {
  const objects = [claim('data', 'pv-b'), localVolume('pv-b', 'b'), claim('logs', 'pv-a'), localVolume('pv-a', 'a'), claim('more', 'pv-b2'), localVolume('pv-b2', 'b')];
  for (let i = 0; i < 5; i++) {
    const r = scheduler(objects).schedule(info(withClaims(`p${i}`, 'data', 'more')), cluster([node('a'), node('b'), node('c')]));
    assert.equal(r.kind === 'fit' && r.node.name, 'b');
  }
  assert.equal(failure(objects, withClaims('split', 'data', 'logs'), [node('a'), node('b')]),
    `0/2 nodes are available: 2 node(s) had volume node affinity conflict. ${NOT_HELPFUL(2)}`);
  // Claim by claim, as kube: the first claim's conflict is the reason, though a later claim's volume is missing.
  assert.equal(failure([...objects, claim('ghost', 'no-such-pv')], withClaims('order', 'logs', 'ghost'), [node('b')]),
    `0/1 nodes are available: 1 node(s) had volume node affinity conflict. ${NOT_HELPFUL(1)}`);
  // A pod without claims is not looked at by the plugin.
  const free = scheduler(objects).schedule(info(pod('free')), cluster([node('a')]));
  assert.equal(free.kind, 'fit');
});

test('volume binding: a pod rejected as a whole loses a stale nomination, as preemption finds nothing to do', () => {
  const cache = cluster([node('a'), node('b')]);
  const p = withClaims('nominated', 'data');
  (p.status as Record<string, unknown>).nominatedNodeName = 'a';
  const result = scheduler([]).schedule(info(p), cache);
  if (result.kind === 'fit') throw new Error('expected no fit');
  const outcome = explainFailure(info(p), cache, result, []);
  assert.equal(outcome.nominate, '', 'the nomination is cleared');
  assert.equal(outcome.message, `0/2 nodes are available: persistentvolumeclaim "data" not found. ${NOT_HELPFUL(2)}`);
});
