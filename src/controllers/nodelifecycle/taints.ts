// Taints and tolerations as the node lifecycle and taint-eviction
// controllers use them; matching is the scheduler's (v1.Toleration.ToleratesTaint).
import type { KubeObject } from '../../api/types.js';
import type { Taint as SchedulerTaint, Toleration } from '../../scheduler/api-types.js';
import { tolerates } from '../../scheduler/plugins/taint-toleration.js';

/** A node taint; NoExecute ones carry the time they were added. */
export interface Taint extends SchedulerTaint {
  timeAdded?: string;
}

export function nodeTaints(node: KubeObject): Taint[] {
  return ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []);
}

export function podTolerations(pod: KubeObject): Toleration[] {
  return ((pod.spec as { tolerations?: Toleration[] } | undefined)?.tolerations ?? []);
}

/**
 * When a pod must leave a node with these NoExecute taints: 0 for now (a
 * taint it does not tolerate), a wall-clock time (the earliest
 * timeAdded + tolerationSeconds over the taints), or Infinity (tolerated for ever).
 */
export function evictionTimeMs(pod: KubeObject, taints: Taint[], nowWallMs: number): number {
  const tolerations = podTolerations(pod);
  let at = Infinity;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return 0;
    // The shortest toleration that matches (kube's getMinTolerationTime); negative means now.
    let seconds = Infinity;
    for (const t of matching) if (typeof t.tolerationSeconds === 'number') seconds = Math.min(seconds, Math.max(0, t.tolerationSeconds));
    if (seconds === Infinity) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : nowWallMs;
    at = Math.min(at, (Number.isFinite(added) ? added : nowWallMs) + seconds * 1000);
  }
  return at;
}
