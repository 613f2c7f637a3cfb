// PodTopologySpread: DoNotSchedule constraints filter nodes where placing
// the pod would make (matching pods in the domain) - (fewest in any eligible
// domain) exceed maxSkew; ScheduleAnyway constraints score less crowded
// domains higher. Eligible nodes carry every constraint's topology key and
// pass the constraint's node inclusion policies (nodeAffinityPolicy Honor
// and nodeTaintsPolicy Ignore by default).
import { LABEL_HOSTNAME } from '../api-types.js';
import type { SchedulerCache } from '../cache.js';
import { MAX_NODE_SCORE, rejection, type FilterPlugin, type NodeCheck, type Rejection, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo, SpreadConstraint } from '../pod-info.js';
import { selectsPod } from '../pod-selector.js';
import { matchesRequiredNodeAffinity } from './node-affinity.js';
import { firstUntoleratedTaint } from './taint-toleration.js';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
const MISSING_LABEL = rejection(POD_TOPOLOGY_SPREAD, false, "node(s) didn't match pod topology spread constraints (missing required label)");
const SKEW_EXCEEDED = rejection(POD_TOPOLOGY_SPREAD, true, "node(s) didn't match pod topology spread constraints");

function hasAllKeys(node: NodeInfo, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

function passesInclusionPolicies(c: SpreadConstraint, pod: PodInfo, node: NodeInfo): boolean {
  if (c.honorNodeAffinity && !matchesRequiredNodeAffinity(pod, node)) return false;
  if (c.honorTaints && firstUntoleratedTaint(node, pod.tolerations) !== undefined) return false;
  return true;
}

interface SpreadState {
  pod: PodInfo;
  constraints: readonly SpreadConstraint[];
  /** Per constraint: domain value -> matching pods, for every eligible domain (zeros included). */
  domainCounts: Map<string, number>[];
  /** Per constraint: whether the pod counts itself (its labels match the selector). */
  selfMatch: number[];
}

function minOf(counts: Map<string, number>): number {
  let min = Infinity;
  for (const n of counts.values()) if (n < min) min = n;
  return min;
}

function spreadCheck(s: SpreadState): NodeCheck {
  const minimums = s.domainCounts.map((counts, i) => (counts.size < s.constraints[i].minDomains ? 0 : minOf(counts)));
  return {
    check(node: NodeInfo): Rejection | undefined {
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i];
        const value = node.labels[c.topologyKey];
        if (value === undefined) return MISSING_LABEL;
        const skew = (s.domainCounts[i].get(value) ?? 0) + s.selfMatch[i] - minimums[i];
        if (skew > c.maxSkew) return SKEW_EXCEEDED;
      }
      return undefined;
    },
    without(removed: readonly PodInfo[], node: NodeInfo): NodeCheck {
      const domainCounts = s.domainCounts.map((counts, i) => {
        const c = s.constraints[i];
        const value = node.labels[c.topologyKey];
        if (value === undefined || !counts.has(value) || !passesInclusionPolicies(c, s.pod, node) || !hasAllKeys(node, s.constraints)) return counts;
        let gone = 0;
        for (const victim of removed) if (selectsPod(c.selector, victim, () => undefined)) gone++;
        if (gone === 0) return counts;
        const copy = new Map(counts);
        copy.set(value, copy.get(value)! - gone);
        return copy;
      });
      return spreadCheck({ ...s, domainCounts });
    },
  };
}

/**
 * Per constraint: eligible domain -> matching pods. When every node with the
 * (single) topology key is eligible, the cache's domain index and per-node
 * counts answer without visiting each node; otherwise every node is checked
 * against the inclusion policies.
 */
function eligibleDomainCounts(
  pod: PodInfo,
  constraints: readonly SpreadConstraint[],
  perNode: readonly ReadonlyMap<string, number>[],
  cluster: SchedulerCache,
): Map<string, number>[] {
  const keys = new Set(constraints.map((c) => c.topologyKey));
  const nodeAffinityMatters = pod.nodeSelector !== undefined || pod.requiredNodeTerms !== undefined;
  const everyNodeEligible = !constraints.some((c) => c.honorTaints || (c.honorNodeAffinity && nodeAffinityMatters));
  if (keys.size === 1 && everyNodeEligible) {
    const key = constraints[0].topologyKey;
    const domains = cluster.topologyDomains(key);
    return perNode.map((counts) => {
      const out = new Map<string, number>();
      for (const value of domains.keys()) out.set(value, 0);
      for (const [nodeName, n] of counts) {
        const value = cluster.node(nodeName)?.labels[key];
        if (value !== undefined) out.set(value, out.get(value)! + n);
      }
      return out;
    });
  }
  const domainCounts = constraints.map(() => new Map<string, number>());
  for (const node of cluster.nodes()) {
    if (!hasAllKeys(node, constraints)) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      if (!passesInclusionPolicies(c, pod, node)) continue;
      const value = node.labels[c.topologyKey];
      const counts = domainCounts[i];
      counts.set(value, (counts.get(value) ?? 0) + (perNode[i].get(node.name) ?? 0));
    }
  }
  return domainCounts;
}

export const podTopologySpreadFilter: FilterPlugin = {
  name: POD_TOPOLOGY_SPREAD,
  prepare(pod, cluster) {
    const constraints = pod.spreadConstraints.filter((c) => c.hard);
    if (constraints.length === 0) return undefined;
    const perNode = constraints.map((c) => cluster.podCounts(c.selector));
    const domainCounts = eligibleDomainCounts(pod, constraints, perNode, cluster);
    const selfMatch = constraints.map((c) => (selectsPod(c.selector, pod, cluster.nsLabels) ? 1 : 0));
    return spreadCheck({ pod, constraints, domainCounts, selfMatch });
  },
};

export const podTopologySpreadScore: ScorePlugin = {
  name: POD_TOPOLOGY_SPREAD,
  weight: 2,
  prepare(pod, cluster, feasible) {
    const constraints = pod.spreadConstraints.filter((c) => !c.hard);
    if (constraints.length === 0) return undefined;
    const ignored = new Set<string>();
    const domainCounts = constraints.map(() => new Map<string, number>());
    for (const node of feasible) {
      if (!hasAllKeys(node, constraints)) {
        ignored.add(node.name);
        continue;
      }
      for (let i = 0; i < constraints.length; i++) {
        if (constraints[i].topologyKey !== LABEL_HOSTNAME) domainCounts[i].set(node.labels[constraints[i].topologyKey], 0);
      }
    }
    const perNode = constraints.map((c) => cluster.podCounts(c.selector));
    for (const node of cluster.nodes()) {
      if (!hasAllKeys(node, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        if (c.topologyKey === LABEL_HOSTNAME || !passesInclusionPolicies(c, pod, node)) continue;
        const value = node.labels[c.topologyKey];
        const counts = domainCounts[i];
        const current = counts.get(value);
        if (current !== undefined) counts.set(value, current + (perNode[i].get(node.name) ?? 0));
      }
    }
    // Spreading over more domains weighs more: log(domains + 2), as kube's topologyNormalizingWeight.
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? feasible.length - ignored.size : domainCounts[i].size) + 2));
    return {
      score(node: NodeInfo): number {
        if (ignored.has(node.name)) return 0;
        let sum = 0;
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i];
          const count = c.topologyKey === LABEL_HOSTNAME ? (perNode[i].get(node.name) ?? 0) : (domainCounts[i].get(node.labels[c.topologyKey]) ?? 0);
          sum += count * weights[i] + (c.maxSkew - 1);
        }
        return Math.round(sum);
      },
      normalize(scores: Float64Array, nodes: readonly NodeInfo[]): void {
        let min = Infinity;
        let max = 0;
        for (let i = 0; i < scores.length; i++) {
          if (ignored.has(nodes[i].name)) continue;
          if (scores[i] < min) min = scores[i];
          if (scores[i] > max) max = scores[i];
        }
        for (let i = 0; i < scores.length; i++) {
          if (ignored.has(nodes[i].name)) scores[i] = 0;
          else if (max === 0) scores[i] = MAX_NODE_SCORE;
          else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
        }
      },
    };
  },
};
