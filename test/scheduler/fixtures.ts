// Plain Node and Pod objects and a filled cache, for unit tests of the
// filters, scores and preemption without an API server.
import type { KubeObject } from '../../src/api/types.js';
import { SchedulingAlgorithm } from '../../src/scheduler/algorithm.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import { isPodRejection } from '../../src/scheduler/framework.js';
import { makePodInfo, type PodInfo } from '../../src/scheduler/pod-info.js';
import { DEFAULT_FILTERS, DEFAULT_SCORES } from '../../src/scheduler/plugins/index.js';
import { seededRandom } from '../time/support/seeded-random.js';

export interface NodeFixture {
  cpu?: string;
  memory?: string;
  pods?: string;
  ephemeral?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
}

export function node(name: string, f: NodeFixture = {}): KubeObject {
  const allocatable: Record<string, string> = { cpu: f.cpu ?? '4', memory: f.memory ?? '8Gi', pods: f.pods ?? '110' };
  if (f.ephemeral) allocatable['ephemeral-storage'] = f.ephemeral;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...f.labels } },
    spec: { taints: f.taints, unschedulable: f.unschedulable },
    status: { allocatable, capacity: allocatable, images: f.images },
  };
}

export interface PodFixture {
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  namespace?: string;
  priority?: number;
  spec?: Record<string, unknown>;
  image?: string;
  startTime?: string;
}

let uid = 0;

export function pod(name: string, f: PodFixture = {}): KubeObject {
  const requests: Record<string, string> = {};
  if (f.cpu) requests.cpu = f.cpu;
  if (f.memory) requests.memory = f.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: f.namespace ?? 'default', uid: `uid-${++uid}`, labels: f.labels, creationTimestamp: f.startTime ?? '2025-01-01T00:00:00Z' },
    spec: {
      nodeName: f.nodeName,
      priority: f.priority,
      containers: [{ name: 'c', image: f.image ?? 'app:1', resources: { requests } }],
      ...f.spec,
    },
    status: { phase: f.nodeName ? 'Running' : 'Pending', startTime: f.startTime },
  };
}

export function cluster(nodes: KubeObject[], pods: KubeObject[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  cache.setNamespace({ metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } } });
  for (const n of nodes) cache.setNode(n);
  for (const p of pods) cache.addPod(makePodInfo(p));
  return cache;
}

export function algorithm(seed = 1): SchedulingAlgorithm {
  return new SchedulingAlgorithm(DEFAULT_FILTERS, DEFAULT_SCORES, seededRandom(seed));
}

export function info(obj: KubeObject): PodInfo {
  return makePodInfo(obj);
}

/** The nodes the pod fits on (all filters), sorted. */
export function feasibleNodes(cache: SchedulerCache, p: KubeObject): string[] {
  return cache.nodes().map((n) => n.name).filter((n) => fitsOn(cache, p, n)).sort();
}

/** Whether every filter passes the pod on one node. */
export function fitsOn(cache: SchedulerCache, p: KubeObject, nodeName: string): boolean {
  return rejectionOn(cache, p, nodeName) === undefined;
}

export function rejectionOn(cache: SchedulerCache, p: KubeObject, nodeName: string): string[] | undefined {
  const podInfo = info(p);
  for (const plugin of DEFAULT_FILTERS) {
    const check = plugin.prepare(podInfo, cache);
    const rejected = check && (isPodRejection(check) ? check.podRejection : check.check(cache.node(nodeName)!));
    if (rejected) return [...rejected.reasons];
  }
  return undefined;
}
