// InterPodAffinity: required pod affinity and anti-affinity of the incoming
// pod, and the required anti-affinity of pods already placed (symmetry), by
// topology domain; preferred terms on both sides score. Counts come from the
// cache's per-selector indexes, so nothing here walks every pod.
import type { SchedulerCache } from '../cache.js';
import { DomainCounts } from '../domain-counts.js';
import { rejection, MAX_NODE_SCORE, type FilterPlugin, type NodeCheck, type Rejection, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { AffinityTerm, PodInfo } from '../pod-info.js';
import { selectsPod, type NamespaceLabels } from '../pod-selector.js';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
const AFFINITY_REJECTED = rejection(INTER_POD_AFFINITY, false, "node(s) didn't match pod affinity rules");
const ANTI_AFFINITY_REJECTED = rejection(INTER_POD_AFFINITY, true, "node(s) didn't match pod anti-affinity rules");
const EXISTING_ANTI_AFFINITY_REJECTED = rejection(INTER_POD_AFFINITY, true, "node(s) didn't satisfy existing pods anti-affinity rules");

function matchesAllTerms(terms: readonly AffinityTerm[], pod: PodInfo, nsLabels: NamespaceLabels): boolean {
  for (const t of terms) if (!selectsPod(t.selector, pod, nsLabels)) return false;
  return true;
}

/** Adds n at the domain of `nodeName` for `key`; nodes without the label are in no domain. */
function addAtNode(counts: DomainCounts, cluster: SchedulerCache, nodeName: string, key: string, n: number): void {
  const value = cluster.node(nodeName)?.labels[key];
  if (value !== undefined) counts.add(key, value, n);
}

interface AffinityState {
  pod: PodInfo;
  nsLabels: NamespaceLabels;
  /** Pods matching all of the incoming pod's required affinity terms, per term domain. */
  affinity: DomainCounts;
  /** Pods matching each required anti-affinity term, per term domain. */
  antiAffinity: DomainCounts;
  /** Placed pods whose required anti-affinity rejects the incoming pod, per their term domain. */
  existingAntiAffinity: DomainCounts;
}

function affinityCheck(s: AffinityState): NodeCheck {
  const { pod } = s;
  return {
    check(node: NodeInfo): Rejection | undefined {
      if (pod.requiredAffinity.length > 0) {
        let podsExist = true;
        for (const term of pod.requiredAffinity) {
          const value = node.labels[term.topologyKey];
          if (value === undefined) return AFFINITY_REJECTED;
          if (s.affinity.get(term.topologyKey, value) <= 0) podsExist = false;
        }
        // The first pod of a group with affinity to itself may go anywhere the topology exists.
        if (!podsExist && !(s.affinity.total === 0 && matchesAllTerms(pod.requiredAffinity, pod, s.nsLabels))) return AFFINITY_REJECTED;
      }
      for (const term of pod.requiredAntiAffinity) {
        if (s.antiAffinity.get(term.topologyKey, node.labels[term.topologyKey]) > 0) return ANTI_AFFINITY_REJECTED;
      }
      if (s.existingAntiAffinity.size > 0) {
        for (const key of s.existingAntiAffinity.keys()) {
          if (s.existingAntiAffinity.get(key, node.labels[key]) > 0) return EXISTING_ANTI_AFFINITY_REJECTED;
        }
      }
      return undefined;
    },
    without(removed: readonly PodInfo[], node: NodeInfo): NodeCheck {
      const next: AffinityState = { ...s, affinity: s.affinity.clone(), antiAffinity: s.antiAffinity.clone(), existingAntiAffinity: s.existingAntiAffinity.clone() };
      for (const victim of removed) {
        for (const term of victim.requiredAntiAffinity) {
          const value = node.labels[term.topologyKey];
          if (value !== undefined && selectsPod(term.selector, pod, s.nsLabels)) next.existingAntiAffinity.add(term.topologyKey, value, -1);
        }
        if (pod.requiredAffinity.length > 0 && matchesAllTerms(pod.requiredAffinity, victim, s.nsLabels)) {
          for (const term of pod.requiredAffinity) {
            const value = node.labels[term.topologyKey];
            if (value !== undefined) next.affinity.add(term.topologyKey, value, -1);
          }
        }
        for (const term of pod.requiredAntiAffinity) {
          const value = node.labels[term.topologyKey];
          if (value !== undefined && selectsPod(term.selector, victim, s.nsLabels)) next.antiAffinity.add(term.topologyKey, value, -1);
        }
      }
      return affinityCheck(next);
    },
  };
}

export const interPodAffinityFilter: FilterPlugin = {
  name: INTER_POD_AFFINITY,
  prepare(pod, cluster) {
    const existingGroups = cluster.ownedTerms('requiredAntiAffinity');
    if (pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0 && existingGroups.size === 0) return undefined;
    const nsLabels = cluster.nsLabels;
    const existingAntiAffinity = new DomainCounts();
    for (const group of existingGroups.values()) {
      if (!selectsPod(group.term.selector, pod, nsLabels)) continue;
      for (const [nodeName, n] of group.perNode) addAtNode(existingAntiAffinity, cluster, nodeName, group.term.topologyKey, n);
    }
    const affinity = new DomainCounts();
    if (pod.requiredAffinity.length > 0) {
      const [first, ...rest] = pod.requiredAffinity;
      for (const [nodeName, n] of cluster.podCounts(first.selector)) {
        let matching = n;
        if (rest.length > 0) {
          // Several terms: count the pods on this node that match all of them.
          matching = 0;
          const info = cluster.node(nodeName);
          if (info) for (const p of info.pods.values()) if (matchesAllTerms(pod.requiredAffinity, p, nsLabels)) matching++;
        }
        if (matching > 0) for (const term of pod.requiredAffinity) addAtNode(affinity, cluster, nodeName, term.topologyKey, matching);
      }
    }
    const antiAffinity = new DomainCounts();
    for (const term of pod.requiredAntiAffinity) {
      for (const [nodeName, n] of cluster.podCounts(term.selector)) addAtNode(antiAffinity, cluster, nodeName, term.topologyKey, n);
    }
    if (pod.requiredAffinity.length === 0 && pod.requiredAntiAffinity.length === 0 && existingAntiAffinity.size === 0) return undefined;
    return affinityCheck({ pod, nsLabels, affinity, antiAffinity, existingAntiAffinity });
  },
};

export const interPodAffinityScore: ScorePlugin = {
  name: INTER_POD_AFFINITY,
  weight: 2,
  prepare(pod, cluster) {
    const requiredGroups = cluster.ownedTerms('requiredAffinity');
    const preferredGroups = cluster.ownedTerms('preferredAffinity');
    const preferredAntiGroups = cluster.ownedTerms('preferredAntiAffinity');
    const ownPreferred = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
    if (!ownPreferred && requiredGroups.size === 0 && preferredGroups.size === 0 && preferredAntiGroups.size === 0) return undefined;
    const nsLabels = cluster.nsLabels;
    const domainScores = new DomainCounts();
    for (const [terms, sign] of [[pod.preferredAffinity, 1], [pod.preferredAntiAffinity, -1]] as const) {
      for (const term of terms) {
        for (const [nodeName, n] of cluster.podCounts(term.selector)) addAtNode(domainScores, cluster, nodeName, term.topologyKey, sign * term.weight * n);
      }
    }
    // Existing pods' terms that the incoming pod matches pull it in (affinity) or push it away (anti-affinity).
    for (const [groups, sign] of [[requiredGroups, 1], [preferredGroups, 1], [preferredAntiGroups, -1]] as const) {
      for (const group of groups.values()) {
        if (!selectsPod(group.term.selector, pod, nsLabels)) continue;
        for (const [nodeName, weight] of group.perNode) addAtNode(domainScores, cluster, nodeName, group.term.topologyKey, sign * weight);
      }
    }
    if (domainScores.size === 0) return undefined;
    const keys = [...domainScores.keys()];
    return {
      score(node: NodeInfo): number {
        let sum = 0;
        for (const key of keys) sum += domainScores.get(key, node.labels[key]);
        return sum;
      },
      normalize(scores: Float64Array): void {
        let min = Infinity;
        let max = -Infinity;
        for (const s of scores) {
          if (s < min) min = s;
          if (s > max) max = s;
        }
        const diff = max - min;
        for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i] - min)) / diff) : 0;
      },
    };
  },
};
