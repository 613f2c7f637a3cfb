// TaintToleration: a node's NoSchedule/NoExecute taints must all be
// tolerated (filter); untolerated PreferNoSchedule taints lower the score.
import type { Taint, Toleration } from '../api-types.js';
import type { SchedulerCache } from '../cache.js';
import { defaultNormalize, rejection, type FilterPlugin, type NodeCheck, type Rejection, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';

export const TAINT_TOLERATION = 'TaintToleration';

/** v1.Toleration.ToleratesTaint. */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key !== undefined && toleration.key !== '' && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function toleratesAll(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (tolerates(t, taint)) return true;
  return false;
}

/** The first NoSchedule/NoExecute taint no toleration covers. */
export function firstUntoleratedTaint(node: NodeInfo, tolerations: readonly Toleration[]): Taint | undefined {
  for (const taint of node.hardTaints) if (!toleratesAll(tolerations, taint)) return taint;
  return undefined;
}

export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

export const taintTolerationFilter: FilterPlugin = {
  name: TAINT_TOLERATION,
  prepare(pod: PodInfo): NodeCheck {
    return {
      check(node: NodeInfo): Rejection | undefined {
        if (node.hardTaints.length === 0) return undefined;
        const taint = firstUntoleratedTaint(node, pod.tolerations);
        return taint ? rejection(TAINT_TOLERATION, false, untoleratedTaintReason(taint)) : undefined;
      },
    };
  },
};

export const taintTolerationScore: ScorePlugin = {
  name: TAINT_TOLERATION,
  weight: 3,
  prepare(pod: PodInfo, cluster: SchedulerCache) {
    // Every node scores the same (100) without PreferNoSchedule taints anywhere; skipping changes no choice.
    if (!cluster.anyPreferNoScheduleTaints) return undefined;
    const preferTolerations = pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return {
      score(node: NodeInfo): number {
        let count = 0;
        for (const taint of node.preferNoScheduleTaints) if (!toleratesAll(preferTolerations, taint)) count++;
        return count;
      },
      normalize(scores: Float64Array): void {
        defaultNormalize(scores, true);
      },
    };
  },
};
