// One scheduling attempt, free of I/O: filter the nodes (stopping once
// enough feasible ones are found, as kube's percentageOfNodesToScore does,
// starting where the previous attempt stopped), score the feasible ones and
// pick the best, breaking ties at random. Unit tests drive it on a cache
// filled from plain objects.
import type { SchedulerCache } from './cache.js';
import { isPodRejection, type FilterPlugin, type NodeCheck, type PodRejection, type Rejection, type ScorePlugin } from './framework.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

export interface PreparedCheck {
  readonly plugin: string;
  readonly check: NodeCheck;
}

export type AttemptResult =
  | { kind: 'fit'; node: NodeInfo; feasibleCount: number; evaluated: number }
  | { kind: 'noNodes' }
  | { kind: 'unfit'; rejections: Map<string, Rejection>; checks: readonly PreparedCheck[]; podRejection?: Rejection };

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/** kube's numFeasibleNodesToFind with the adaptive percentage (50% minus 1% per 125 nodes, at least 5%). */
export function numFeasibleNodesToFind(numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  const percentage = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE, 50 - Math.trunc(numAllNodes / 125));
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.trunc((numAllNodes * percentage) / 100));
}

/** Each plugin's check for this pod, or the first plugin's rejection of the pod as a whole. */
export function prepareChecks(pod: PodInfo, cluster: SchedulerCache, filters: readonly FilterPlugin[]): PreparedCheck[] | PodRejection {
  const out: PreparedCheck[] = [];
  for (const plugin of filters) {
    const check = plugin.prepare(pod, cluster);
    if (check && isPodRejection(check)) return check;
    if (check) out.push({ plugin: plugin.name, check });
  }
  return out;
}

export function runChecks(checks: readonly PreparedCheck[], node: NodeInfo): Rejection | undefined {
  for (let i = 0; i < checks.length; i++) {
    const rejected = checks[i].check.check(node);
    if (rejected) return rejected;
  }
  return undefined;
}

export class SchedulingAlgorithm {
  private nextStartIndex = 0;

  constructor(
    private readonly filters: readonly FilterPlugin[],
    private readonly scores: readonly ScorePlugin[],
    private readonly random: () => number,
  ) {}

  schedule(pod: PodInfo, cluster: SchedulerCache): AttemptResult {
    const nodes = cluster.nodes();
    const n = nodes.length;
    if (n === 0) return { kind: 'noNodes' };
    const checks = prepareChecks(pod, cluster, this.filters);
    if (!Array.isArray(checks)) {
      // Every node carries the pod's rejection (unresolvable), as kube's
      // diagnosis does: preemption then finds nothing to do and a stale
      // nomination is cleared.
      const rejections = new Map<string, Rejection>();
      for (const node of nodes) rejections.set(node.name, checks.podRejection);
      return { kind: 'unfit', rejections, checks: [], podRejection: checks.podRejection };
    }
    const wanted = numFeasibleNodesToFind(n);
    const feasible: NodeInfo[] = [];
    const rejections = new Map<string, Rejection>();
    const start = this.nextStartIndex % n;
    let evaluated = 0;
    for (; evaluated < n && feasible.length < wanted; evaluated++) {
      const node = nodes[(start + evaluated) % n];
      const rejected = runChecks(checks, node);
      if (rejected) rejections.set(node.name, rejected);
      else feasible.push(node);
    }
    this.nextStartIndex = (start + evaluated) % n;
    if (feasible.length === 0) return { kind: 'unfit', rejections, checks };
    if (feasible.length === 1) return { kind: 'fit', node: feasible[0], feasibleCount: 1, evaluated };
    return { kind: 'fit', node: this.selectHost(feasible, this.scoreNodes(pod, cluster, feasible)), feasibleCount: feasible.length, evaluated };
  }

  /** Weighted sum of every score plugin's normalised score, per feasible node. */
  scoreNodes(pod: PodInfo, cluster: SchedulerCache, feasible: readonly NodeInfo[]): Float64Array {
    const totals = new Float64Array(feasible.length);
    const scratch = new Float64Array(feasible.length);
    for (const plugin of this.scores) {
      const scorer = plugin.prepare(pod, cluster, feasible);
      if (!scorer) continue;
      for (let i = 0; i < feasible.length; i++) scratch[i] = scorer.score(feasible[i]);
      scorer.normalize?.(scratch, feasible);
      for (let i = 0; i < feasible.length; i++) totals[i] += scratch[i] * plugin.weight;
    }
    return totals;
  }

  /** The highest total; among equals each is equally likely (reservoir sampling, as kube's selectHost). */
  private selectHost(nodes: readonly NodeInfo[], totals: Float64Array): NodeInfo {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (Math.floor(this.random() * ties) === 0) best = i;
      }
    }
    return nodes[best];
  }
}
