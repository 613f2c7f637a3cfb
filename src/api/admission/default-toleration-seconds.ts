// Kubernetes' DefaultTolerationSeconds admission plugin: a pod created
// without a toleration for the node lifecycle's NoExecute taints
// (node.kubernetes.io/not-ready and node.kubernetes.io/unreachable) gets one
// with tolerationSeconds 300, so it is evicted from a failed node after five
// minutes rather than at once. Runs on create only, as admission does.
import type { KubeObject } from '../types.js';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const DEFAULT_TOLERATION_SECONDS = 300;

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** Whether an existing toleration already covers the taint key with effect NoExecute (or any effect). */
function covers(t: Toleration, key: string): boolean {
  const keyMatches = t.key === key || ((t.key === undefined || t.key === '') && t.operator === 'Exists');
  const effectMatches = t.effect === undefined || t.effect === '' || t.effect === 'NoExecute';
  return keyMatches && effectMatches;
}

export function addDefaultTolerationSeconds(pod: KubeObject, seconds = DEFAULT_TOLERATION_SECONDS): void {
  const spec = pod.spec as { tolerations?: Toleration[] } | undefined;
  if (!spec || typeof spec !== 'object') return;
  const tolerations = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const added: Toleration[] = [];
  for (const key of [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]) {
    if (tolerations.some((t) => t && typeof t === 'object' && covers(t, key))) continue;
    added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (added.length > 0) spec.tolerations = [...tolerations, ...added];
}
