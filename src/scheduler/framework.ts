// The plugin contract, after kube-scheduler's framework in simplified form.
// A filter plugin prepares once per pod (its PreFilter), returning a check
// run per node; a score plugin prepares once per pod over the feasible nodes
// and scores each, optionally normalising the whole list afterwards.
import type { SchedulerCache } from './cache.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

/**
 * Why a node was rejected. `resolvable` false is kube's
 * UnschedulableAndUnresolvable: evicting pods would not help, so preemption
 * skips the node.
 */
export interface Rejection {
  readonly plugin: string;
  readonly reasons: readonly string[];
  readonly resolvable: boolean;
}

export function rejection(plugin: string, resolvable: boolean, ...reasons: string[]): Rejection {
  return Object.freeze({ plugin, reasons: Object.freeze(reasons), resolvable });
}

export interface NodeCheck {
  check(node: NodeInfo): Rejection | undefined;
  /**
   * The same check as if `removed` pods (on `node`) were gone; preemption
   * asks this of plugins whose state spans nodes. Plugins that only read
   * the node itself leave it out and are run on a NodeInfo without them.
   */
  without?(removed: readonly PodInfo[], node: NodeInfo): NodeCheck;
}

/**
 * A pod no node can take, whatever the node (kube's PreFilter returning
 * UnschedulableAndUnresolvable): no node is looked at, and the message says
 * so without counting nodes.
 */
export interface PodRejection {
  readonly podRejection: Rejection;
}

export interface FilterPlugin {
  readonly name: string;
  /** undefined: the pod asks nothing of this plugin, every node passes. */
  prepare(pod: PodInfo, cluster: SchedulerCache): NodeCheck | PodRejection | undefined;
}

export function isPodRejection(x: NodeCheck | PodRejection): x is PodRejection {
  return 'podRejection' in x;
}

export interface NodeScorer {
  /** Raw score of one feasible node. */
  score(node: NodeInfo): number;
  /** Rewrites raw scores (aligned with the feasible nodes) into 0..100. */
  normalize?(scores: Float64Array, nodes: readonly NodeInfo[]): void;
}

export interface ScorePlugin {
  readonly name: string;
  readonly weight: number;
  /** undefined: the plugin has nothing to say about this pod (kube's PreScore Skip). */
  prepare(pod: PodInfo, cluster: SchedulerCache, feasible: readonly NodeInfo[]): NodeScorer | undefined;
}

export const MAX_NODE_SCORE = 100;

/** framework/plugins/helper.DefaultNormalizeScore. */
export function defaultNormalize(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
