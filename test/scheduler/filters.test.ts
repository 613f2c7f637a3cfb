// Filter plugins on plain objects: each test sets up nodes so that a wrong
// decision on either side (a node wrongly rejected or wrongly accepted)
// changes the asserted set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRequests } from '../../src/scheduler/resources.js';
import { tolerates } from '../../src/scheduler/plugins/taint-toleration.js';
import { cluster, feasibleNodes, info, node, pod, rejectionOn } from './fixtures.js';

test('pod requests: sum of containers, at least the largest init container, sidecars alongside', () => {
  const spec = {
    containers: [
      { name: 'a', resources: { requests: { cpu: '200m', memory: '100Mi' } } },
      { name: 'b', resources: { requests: { cpu: '300m', memory: '100Mi' } } },
    ],
    initContainers: [
      { name: 'migrate', resources: { requests: { cpu: '1', memory: '50Mi' } } },
      { name: 'small', resources: { requests: { cpu: '100m', memory: '500Mi' } } },
    ],
  };
  const r = podRequests(spec);
  assert.equal(r.milliCpu, 1000); // init 1 cpu > containers 500m
  assert.equal(r.memory, 500 * 1024 * 1024); // init 500Mi > containers 200Mi
  const withSidecar = podRequests({
    containers: [{ resources: { requests: { cpu: '500m' } } }],
    initContainers: [
      { restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } },
      { resources: { requests: { cpu: '600m' } } },
    ],
  });
  // Sidecar runs beside the app (500m + 200m), and beside the later init container (200m + 600m).
  assert.equal(withSidecar.milliCpu, 800);
  const nonZero = podRequests({ containers: [{}] }, true);
  assert.deepEqual([nonZero.milliCpu, nonZero.memory], [100, 200 * 1024 * 1024]);
});

test('resource fit counts bound pods, init containers and the pod count', () => {
  const nodes = [node('small', { cpu: '2', pods: '3' }), node('busy', { cpu: '4' }), node('full', { cpu: '8', pods: '1' }), node('big', { cpu: '4' })];
  const existing = [pod('e1', { cpu: '3', nodeName: 'busy' }), pod('e2', { cpu: '100m', nodeName: 'full' })];
  const cache = cluster(nodes, existing);
  const p = pod('p', { cpu: '500m', spec: { initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '1500m' } } }] } });
  assert.deepEqual(feasibleNodes(cache, p), ['big', 'small']);
  assert.deepEqual(rejectionOn(cache, p, 'busy'), ['Insufficient cpu']);
  assert.deepEqual(rejectionOn(cache, p, 'full'), ['Too many pods']);
  // Terminal pods hold nothing.
  cache.addPod(info({ ...existing[0], status: { phase: 'Succeeded' } }));
  assert.deepEqual(feasibleNodes(cache, p), ['big', 'busy', 'small']);
});

test('resource fit reports every missing resource, ephemeral storage only when requested', () => {
  const cache = cluster([node('n', { cpu: '1', memory: '1Gi', ephemeral: '1Gi' })]);
  const greedy = pod('p', { cpu: '2', memory: '2Gi' });
  assert.deepEqual(rejectionOn(cache, greedy, 'n'), ['Insufficient cpu', 'Insufficient memory']);
  const disk = pod('d', { spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { 'ephemeral-storage': '2Gi' } } }] } });
  assert.deepEqual(rejectionOn(cache, disk, 'n'), ['Insufficient ephemeral-storage']);
  const noDiskNode = cluster([node('m', { cpu: '1' })]);
  assert.equal(rejectionOn(noDiskNode, pod('q', { cpu: '500m' }), 'm'), undefined);
});

test('toleration matching: Exists and Equal, keys, values and effects', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  assert.equal(tolerates({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint), true);
  assert.equal(tolerates({ key: 'dedicated', value: 'gpu' }, taint), true); // operator defaults to Equal, any effect
  assert.equal(tolerates({ key: 'dedicated', operator: 'Equal', value: 'cpu' }, taint), false);
  assert.equal(tolerates({ key: 'dedicated', operator: 'Exists' }, taint), true);
  assert.equal(tolerates({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint), false);
  assert.equal(tolerates({ operator: 'Exists' }, taint), true); // empty key + Exists tolerates everything
  assert.equal(tolerates({ key: 'other', operator: 'Exists' }, taint), false);
});

test('taints: NoSchedule and NoExecute filter, PreferNoSchedule does not', () => {
  const nodes = [
    node('plain'),
    node('gpu', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
    node('evicting', { taints: [{ key: 'maintenance', effect: 'NoExecute' }] }),
    node('soft', { taints: [{ key: 'cheap', effect: 'PreferNoSchedule' }] }),
  ];
  const cache = cluster(nodes);
  assert.deepEqual(feasibleNodes(cache, pod('p')), ['plain', 'soft']);
  assert.deepEqual(rejectionOn(cache, pod('p'), 'gpu'), ['node(s) had untolerated taint {dedicated: gpu}']);
  assert.deepEqual(rejectionOn(cache, pod('p'), 'evicting'), ['node(s) had untolerated taint {maintenance: }']);
  const tolerant = pod('t', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, { key: 'maintenance', operator: 'Exists', effect: 'NoExecute' }] } });
  assert.deepEqual(feasibleNodes(cache, tolerant), ['evicting', 'gpu', 'plain', 'soft']);
  const wrongEffect = pod('w', { spec: { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'PreferNoSchedule' }] } });
  assert.deepEqual(feasibleNodes(cache, wrongEffect), ['plain', 'soft']);
});

test('unschedulable nodes take only pods tolerating node.kubernetes.io/unschedulable', () => {
  const cache = cluster([node('cordoned', { unschedulable: true }), node('open')]);
  assert.deepEqual(feasibleNodes(cache, pod('p')), ['open']);
  assert.deepEqual(rejectionOn(cache, pod('p'), 'cordoned'), ['node(s) were unschedulable']);
  const tolerant = pod('t', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
  assert.deepEqual(feasibleNodes(cache, tolerant), ['cordoned', 'open']);
});

test('node affinity operators, matchFields and nodeSelector', () => {
  const nodes = [
    node('a', { labels: { zone: 'z1', gen: '3', disk: 'ssd' } }),
    node('b', { labels: { zone: 'z2', gen: '5' } }),
    node('c', { labels: { zone: 'z3', gen: 'x' } }),
  ];
  const cache = cluster(nodes);
  const required = (...terms: unknown[]) => pod('p', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });
  const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, values }] });
  assert.deepEqual(feasibleNodes(cache, required(expr('zone', 'In', ['z1', 'z3']))), ['a', 'c']);
  assert.deepEqual(feasibleNodes(cache, required(expr('zone', 'NotIn', ['z1']))), ['b', 'c']);
  assert.deepEqual(feasibleNodes(cache, required(expr('disk', 'Exists'))), ['a']);
  assert.deepEqual(feasibleNodes(cache, required(expr('disk', 'DoesNotExist'))), ['b', 'c']);
  assert.deepEqual(feasibleNodes(cache, required(expr('gen', 'Gt', ['4']))), ['b']); // "x" is no integer
  assert.deepEqual(feasibleNodes(cache, required(expr('gen', 'Lt', ['4']))), ['a']);
  assert.deepEqual(feasibleNodes(cache, required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['c'] }] })), ['c']);
  // Terms are ORed; requirements within a term ANDed; an empty term matches nothing.
  assert.deepEqual(feasibleNodes(cache, required(expr('zone', 'In', ['z2']), expr('disk', 'Exists'))), ['a', 'b']);
  assert.deepEqual(feasibleNodes(cache, required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }, { key: 'gen', operator: 'Gt', values: ['4'] }] })), ['b']);
  assert.deepEqual(feasibleNodes(cache, required({})), []);
  assert.deepEqual(feasibleNodes(cache, pod('s', { spec: { nodeSelector: { zone: 'z2' } } })), ['b']);
  assert.deepEqual(rejectionOn(cache, pod('s', { spec: { nodeSelector: { zone: 'z2' } } }), 'a'), ["node(s) didn't match Pod's node affinity/selector"]);
});

test('host ports conflict per protocol, with 0.0.0.0 overlapping every address', () => {
  const withPort = (name: string, port: number, extra: Record<string, unknown> = {}, nodeName?: string) =>
    pod(name, { nodeName, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: port, ...extra }] }] } });
  const cache = cluster([node('n1'), node('n2'), node('n3')], [
    withPort('web', 8080, {}, 'n1'),
    withPort('dns', 53, { protocol: 'UDP', hostIP: '10.0.0.1' }, 'n2'),
  ]);
  assert.deepEqual(feasibleNodes(cache, withPort('p', 8080)), ['n2', 'n3']);
  assert.deepEqual(rejectionOn(cache, withPort('p', 8080), 'n1'), ["node(s) didn't have free ports for the requested pod ports"]);
  assert.deepEqual(feasibleNodes(cache, withPort('tcp53', 53)), ['n1', 'n2', 'n3']); // TCP vs UDP
  assert.deepEqual(feasibleNodes(cache, withPort('any53', 53, { protocol: 'UDP' })), ['n1', 'n3']); // 0.0.0.0 vs 10.0.0.1
  assert.deepEqual(feasibleNodes(cache, withPort('other53', 53, { protocol: 'UDP', hostIP: '10.0.0.2' })), ['n1', 'n2', 'n3']);
});

const zones = () => [
  node('a1', { labels: { 'topology.kubernetes.io/zone': 'a' } }),
  node('a2', { labels: { 'topology.kubernetes.io/zone': 'a' } }),
  node('b1', { labels: { 'topology.kubernetes.io/zone': 'b' } }),
  node('c1', { labels: { 'topology.kubernetes.io/zone': 'c' } }),
  node('nozone'),
];

function antiAffinity(name: string, labels: Record<string, string>, nodeName?: string, matchLabels: Record<string, string> = labels) {
  return pod(name, {
    labels,
    nodeName,
    spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels }, topologyKey: 'topology.kubernetes.io/zone' }] } } },
  });
}

test('pod anti-affinity by zone rejects every node of a zone holding a matching pod', () => {
  const cache = cluster(zones(), [pod('web-0', { labels: { app: 'web' }, nodeName: 'a1' })]);
  const p = antiAffinity('web-1', { app: 'web' });
  assert.deepEqual(feasibleNodes(cache, p), ['b1', 'c1', 'nozone']);
  assert.deepEqual(rejectionOn(cache, p, 'a2'), ["node(s) didn't match pod anti-affinity rules"]);
  // Counts stay current as pods come and go after the first query built them.
  cache.addPod(info(pod('web-2', { labels: { app: 'web', tier: 'x' }, nodeName: 'b1' })));
  assert.deepEqual(feasibleNodes(cache, p), ['c1', 'nozone']);
  cache.removePod('default/web-0');
  assert.deepEqual(feasibleNodes(cache, p), ['a1', 'a2', 'c1', 'nozone']);
  // Another namespace is out of the term's scope.
  const elsewhere = cluster(zones(), [pod('web-0', { labels: { app: 'web' }, nodeName: 'a1', namespace: 'other' })]);
  assert.deepEqual(feasibleNodes(elsewhere, p), ['a1', 'a2', 'b1', 'c1', 'nozone']);
});

test('existing pods anti-affinity applies symmetrically', () => {
  const cache = cluster(zones(), [antiAffinity('guard', { role: 'guard' }, 'b1', { app: 'web' })]);
  const incoming = pod('web', { labels: { app: 'web' } });
  assert.deepEqual(feasibleNodes(cache, incoming), ['a1', 'a2', 'c1', 'nozone']);
  assert.deepEqual(rejectionOn(cache, incoming, 'b1'), ["node(s) didn't satisfy existing pods anti-affinity rules"]);
  assert.deepEqual(feasibleNodes(cache, pod('db', { labels: { app: 'db' } })), ['a1', 'a2', 'b1', 'c1', 'nozone']);
  // When the guard leaves, the index forgets its term.
  cache.removePod('default/guard');
  assert.deepEqual(feasibleNodes(cache, incoming), ['a1', 'a2', 'b1', 'c1', 'nozone']);
});

test('pod affinity needs a matching pod in the domain, except for the first of a self-affine group', () => {
  const affine = (name: string, labels: Record<string, string>) => pod(name, {
    labels,
    spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'topology.kubernetes.io/zone' }] } } },
  });
  const empty = cluster(zones());
  assert.deepEqual(feasibleNodes(empty, affine('first', { app: 'cache' })), ['a1', 'a2', 'b1', 'c1']);
  assert.deepEqual(feasibleNodes(empty, affine('stranger', { app: 'web' })), []);
  const cache = cluster(zones(), [pod('cache-0', { labels: { app: 'cache' }, nodeName: 'b1' })]);
  assert.deepEqual(feasibleNodes(cache, affine('web', { app: 'web' })), ['b1']);
  assert.deepEqual(rejectionOn(cache, affine('web', { app: 'web' }), 'c1'), ["node(s) didn't match pod affinity rules"]);
});

function spread(name: string, maxSkew: number, extra: Record<string, unknown> = {}) {
  return pod(name, {
    labels: { app: 'web' },
    spec: {
      topologySpreadConstraints: [{ maxSkew, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra }],
    },
  });
}

test('topology spread: skew against the least loaded eligible zone', () => {
  const placed = [
    pod('w0', { labels: { app: 'web' }, nodeName: 'a1' }),
    pod('w1', { labels: { app: 'web' }, nodeName: 'a2' }),
    pod('w2', { labels: { app: 'web' }, nodeName: 'b1' }),
    pod('other', { labels: { app: 'db' }, nodeName: 'c1' }),
  ];
  const cache = cluster(zones(), placed);
  // Counts a=2, b=1, c=0: with maxSkew 1 only zone c; nodes without the key are out.
  assert.deepEqual(feasibleNodes(cache, spread('w3', 1)), ['c1']);
  assert.deepEqual(rejectionOn(cache, spread('w3', 1), 'b1'), ["node(s) didn't match pod topology spread constraints"]);
  assert.deepEqual(rejectionOn(cache, spread('w3', 1), 'nozone'), ["node(s) didn't match pod topology spread constraints (missing required label)"]);
  assert.deepEqual(feasibleNodes(cache, spread('w3', 2)), ['b1', 'c1']);
  // A new zone joins the eligible domains with zero pods; a placed pod in c shifts the minimum.
  cache.setNode(node('d1', { labels: { 'topology.kubernetes.io/zone': 'd' } }));
  cache.addPod(info(pod('w4', { labels: { app: 'web' }, nodeName: 'c1' })));
  assert.deepEqual(feasibleNodes(cache, spread('w5', 1)), ['d1']);
  cache.removeNode('d1');
  assert.deepEqual(feasibleNodes(cache, spread('w5', 1)), ['b1', 'c1']);
  // Zone c excluded by node affinity (Honor by default): the minimum becomes b's 1.
  const notC = spread('w3', 1, {});
  (notC.spec as Record<string, unknown>).nodeSelector = { 'kubernetes.io/hostname': 'b1' };
  assert.deepEqual(feasibleNodes(cache, notC), ['b1']);
  // minDomains above the eligible zone count makes the minimum 0.
  assert.deepEqual(feasibleNodes(cluster(zones(), placed.slice(0, 3).concat(pod('w9', { labels: { app: 'web' }, nodeName: 'c1' }))), spread('w3', 1, { minDomains: 5 })), []);
  // Terminating pods do not count.
  const terminating = cluster(zones(), [
    pod('w0', { labels: { app: 'web' }, nodeName: 'a1' }),
    { ...pod('w1', { labels: { app: 'web' }, nodeName: 'b1' }), metadata: { name: 'w1', namespace: 'default', uid: 'x', labels: { app: 'web' }, deletionTimestamp: '2025-01-01T00:00:00Z' } },
  ]);
  assert.deepEqual(feasibleNodes(terminating, spread('w3', 1)), ['b1', 'c1']);
});

