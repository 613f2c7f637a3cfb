// NodeResourcesFit (filter and the LeastAllocated score) and
// NodeResourcesBalancedAllocation: requests against allocatable, with the
// node's requested totals kept incrementally by the cache.
import type { SchedulerCache } from '../cache.js';
import { MAX_NODE_SCORE, rejection, type FilterPlugin, type Rejection, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { addInto, emptyResources, isZeroRequest, type Resources } from '../resources.js';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

const reasonCache = new Map<string, Rejection>();

function insufficient(reasons: string[]): Rejection {
  const key = reasons.join('\n');
  let r = reasonCache.get(key);
  if (!r) reasonCache.set(key, (r = rejection(NODE_RESOURCES_FIT, true, ...reasons)));
  return r;
}

/**
 * Requests of pods nominated to this node (by preemption) that outrank or
 * equal the pod: their victims' room is reserved for them.
 */
function nominatedLoad(cluster: SchedulerCache, pod: PodInfo, node: NodeInfo): { requests: Resources; pods: number } | undefined {
  let load: { requests: Resources; pods: number } | undefined;
  for (const other of cluster.nominatedPods(node.name)) {
    if (other.key === pod.key || other.priority < pod.priority) continue;
    load ??= { requests: emptyResources(), pods: 0 };
    addInto(load.requests, other.requests);
    load.pods++;
  }
  return load;
}

/** kube's fitsRequest: every reason the node falls short, pods count first. */
export function insufficientResources(pod: PodInfo, node: NodeInfo, extra?: { requests: Resources; pods: number }): string[] | undefined {
  let reasons: string[] | undefined;
  const podCount = node.podCount + (extra?.pods ?? 0);
  if (podCount + 1 > node.allowedPodCount) (reasons ??= []).push('Too many pods');
  const want = pod.requests;
  if (isZeroRequest(want)) return reasons;
  const used = node.requested;
  const more = extra?.requests;
  const alloc = node.allocatable;
  if (want.milliCpu > 0 && alloc.milliCpu < want.milliCpu + used.milliCpu + (more?.milliCpu ?? 0)) (reasons ??= []).push('Insufficient cpu');
  if (want.memory > 0 && alloc.memory < want.memory + used.memory + (more?.memory ?? 0)) (reasons ??= []).push('Insufficient memory');
  if (want.ephemeralStorage > 0 && alloc.ephemeralStorage < want.ephemeralStorage + used.ephemeralStorage + (more?.ephemeralStorage ?? 0)) {
    (reasons ??= []).push('Insufficient ephemeral-storage');
  }
  if (want.scalar) {
    for (const [name, amount] of want.scalar) {
      if (amount === 0) continue;
      const have = alloc.scalar?.get(name) ?? 0;
      const inUse = (used.scalar?.get(name) ?? 0) + (more?.scalar?.get(name) ?? 0);
      if (have < amount + inUse) (reasons ??= []).push(`Insufficient ${name}`);
    }
  }
  return reasons;
}

export const nodeResourcesFitFilter: FilterPlugin = {
  name: NODE_RESOURCES_FIT,
  prepare(pod, cluster) {
    return {
      check(node) {
        const extra = cluster.hasNominations ? nominatedLoad(cluster, pod, node) : undefined;
        const reasons = insufficientResources(pod, node, extra);
        return reasons ? insufficient(reasons) : undefined;
      },
    };
  },
};

function leastRequested(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/** LeastAllocated over cpu and memory (weight 1 each), with the non-zero request defaults. */
export function leastAllocatedScore(pod: PodInfo, node: NodeInfo): number {
  let sum = 0;
  let weights = 0;
  const alloc = node.allocatable;
  if (alloc.milliCpu > 0) {
    sum += leastRequested(node.nonZeroRequested.milliCpu + pod.nonZeroRequests.milliCpu, alloc.milliCpu);
    weights++;
  }
  if (alloc.memory > 0) {
    sum += leastRequested(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, alloc.memory);
    weights++;
  }
  return weights === 0 ? 0 : Math.trunc(sum / weights);
}

/** BalancedAllocation: 100 x (1 - spread of the cpu and memory fractions), on actual requests. */
export function balancedAllocationScore(pod: PodInfo, node: NodeInfo): number {
  const alloc = node.allocatable;
  const fractions: number[] = [];
  if (alloc.milliCpu > 0) fractions.push(Math.min(1, (node.requested.milliCpu + pod.requests.milliCpu) / alloc.milliCpu));
  if (alloc.memory > 0) fractions.push(Math.min(1, (node.requested.memory + pod.requests.memory) / alloc.memory));
  const std = fractions.length === 2 ? Math.abs((fractions[0] - fractions[1]) / 2) : 0;
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export const leastAllocatedScorePlugin: ScorePlugin = {
  name: NODE_RESOURCES_FIT,
  weight: 1,
  prepare: (pod) => ({ score: (node) => leastAllocatedScore(pod, node) }),
};

export const balancedAllocationScorePlugin: ScorePlugin = {
  name: BALANCED_ALLOCATION,
  weight: 1,
  prepare: (pod) => ({ score: (node) => balancedAllocationScore(pod, node) }),
};
