// Score plugins and host selection: each test's cluster makes the expected
// node the single best one, so a broken score picks another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { balancedAllocationScore, leastAllocatedScore } from '../../src/scheduler/plugins/node-resources.js';
import { imageLocalityScore } from '../../src/scheduler/plugins/image-locality.js';
import { algorithm, cluster, info, node, pod } from './fixtures.js';

function pick(cache: ReturnType<typeof cluster>, p: ReturnType<typeof pod>, seed = 1): string {
  const result = algorithm(seed).schedule(info(p), cache);
  assert.equal(result.kind, 'fit');
  return result.kind === 'fit' ? result.node.name : '';
}

test('least allocated and balanced allocation arithmetic', () => {
  const cache = cluster([node('n', { cpu: '4', memory: '8Gi' })], [pod('e', { cpu: '1', memory: '1Gi', nodeName: 'n' })]);
  const p = info(pod('p', { cpu: '1', memory: '3Gi' }));
  const n = cache.node('n')!;
  // cpu (4-2)/4 = 50, memory (8-4)/8 = 50.
  assert.equal(leastAllocatedScore(p, n), 50);
  // fractions 0.5 and 0.5: perfectly balanced.
  assert.equal(balancedAllocationScore(p, n), 100);
  const skewed = info(pod('s', { cpu: '1', memory: '100Mi' }));
  // cpu 2/4 = 0.5, memory ~1.1/8 = 0.1372: std = 0.1814 -> 81.
  assert.equal(balancedAllocationScore(skewed, n), 81);
  // Requests without cpu/memory count 100m / 200Mi for least-allocated.
  const empty = info(pod('z'));
  assert.equal(leastAllocatedScore(empty, n), Math.trunc((Math.trunc((4000 - 1100) * 100 / 4000) + Math.trunc((8 * 1024 - 1024 - 200) * 100 / (8 * 1024))) / 2));
});

test('the emptiest node wins under least-allocated', () => {
  const cache = cluster([node('busy'), node('idle'), node('half')], [
    pod('a', { cpu: '3', memory: '6Gi', nodeName: 'busy' }),
    pod('b', { cpu: '2', memory: '4Gi', nodeName: 'half' }),
  ]);
  for (const seed of [1, 2, 3, 4]) assert.equal(pick(cache, pod('p', { cpu: '500m', memory: '1Gi' }), seed), 'idle');
});

test('preferred node affinity, PreferNoSchedule taints and image locality steer the choice', () => {
  const preferred = cluster([node('a', { labels: { disk: 'hdd' } }), node('b', { labels: { disk: 'ssd' } }), node('c')]);
  const wantsSsd = pod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } } } });
  for (const seed of [1, 2, 3]) assert.equal(pick(preferred, wantsSsd, seed), 'b');

  const tainted = cluster([node('x', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }), node('y', { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }), node('z')]);
  for (const seed of [1, 2, 3]) assert.equal(pick(tainted, pod('p'), seed), 'z');
  const tolerant = pod('t', { spec: { tolerations: [{ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' }] } });
  const picks = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => pick(tainted, tolerant, seed)));
  assert.ok(picks.has('x') || picks.has('y'), 'a tolerating pod is not pushed off tainted nodes');

  const image = { names: ['registry.example/app:1'], sizeBytes: 500 * 1024 * 1024 };
  const images = cluster([node('cold1'), node('warm', { images: [image] }), node('cold2')]);
  for (const seed of [1, 2, 3]) assert.equal(pick(images, pod('p', { image: 'registry.example/app:1' }), seed), 'warm');
  // 500 MB on 1 of 3 nodes: 166.7 MB scaled, (166.7 - 23) / (1000 - 23) -> 14.
  assert.equal(imageLocalityScore(['registry.example/app:1'], images.node('warm')!, images), 14);
  assert.equal(imageLocalityScore(['registry.example/app:1'], images.node('cold1')!, images), 0);
});

test('soft topology spread and preferred anti-affinity favour the emptier zone', () => {
  const nodes = ['a', 'b', 'c'].map((z) => node(`${z}1`, { labels: { 'topology.kubernetes.io/zone': z } }));
  const placed = [
    pod('w0', { labels: { app: 'web' }, nodeName: 'a1' }),
    pod('w1', { labels: { app: 'web' }, nodeName: 'a1' }),
    pod('w2', { labels: { app: 'web' }, nodeName: 'b1' }),
  ];
  const cache = cluster(nodes, placed);
  const soft = pod('w3', {
    labels: { app: 'web' },
    spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'web' } } }] },
  });
  for (const seed of [1, 2, 3]) assert.equal(pick(cache, soft, seed), 'c1');
  const avoid = pod('w3', {
    labels: { app: 'web' },
    spec: { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'topology.kubernetes.io/zone' } }] } } },
  });
  for (const seed of [1, 2, 3]) assert.equal(pick(cache, avoid, seed), 'c1');
  const join = pod('j', {
    spec: { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'topology.kubernetes.io/zone' } }] } } },
  });
  for (const seed of [1, 2, 3]) assert.equal(pick(cache, join, seed), 'a1');
});

test('ties break at random, reproducibly for a seed', () => {
  const cache = cluster(['n1', 'n2', 'n3', 'n4'].map((n) => node(n)));
  const p = pod('p', { cpu: '100m' });
  const seen = new Set<string>();
  for (let seed = 1; seed <= 40; seed++) seen.add(pick(cache, p, seed));
  assert.deepEqual([...seen].sort(), ['n1', 'n2', 'n3', 'n4']);
  assert.equal(pick(cache, p, 7), pick(cache, p, 7));
});
