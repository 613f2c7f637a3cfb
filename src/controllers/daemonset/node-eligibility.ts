// Which nodes a DaemonSet's pod belongs on (NodeShouldRunDaemonPod): the
// node must match the pod's nodeName, nodeSelector and required node
// affinity, and the pod must tolerate the node's NoSchedule and NoExecute
// taints. A pod already there may stay despite an untolerated NoSchedule
// taint; only an untolerated NoExecute taint evicts it.
import type { KubeObject } from '../../api/types.js';
import { matchesRequirement } from '../../apiserver/selectors/label-selector.js';
import { withDaemonTolerations } from './daemon-pods.js';
import { schedulingSpec, taintsOf, type NodeSelectorTerm, type SchedulingSpec, type Taint, type Toleration } from './types.js';

/** v1.Toleration.ToleratesTaint: an empty key with Exists tolerates every taint (of the effect, if one is given). */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  if (toleration.operator === undefined || toleration.operator === 'Equal') return (toleration.value ?? '') === (taint.value ?? '');
  return false;
}

/** FindMatchingUntoleratedTaint: the first taint with one of `effects` that no toleration tolerates. */
export function untoleratedTaint(taints: Taint[], tolerations: Toleration[], effects: string[]): Taint | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint)));
}

function matchesTerm(term: NodeSelectorTerm, node: KubeObject): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // A term with no requirements selects nothing.
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  const nodeFields = { 'metadata.name': node.metadata.name! };
  return expressions.every((r) => matchesRequirement({ key: r.key, operator: r.operator, values: r.values ?? [] }, labels))
    && fields.every((r) => matchesRequirement({ key: r.key, operator: r.operator, values: r.values ?? [] }, nodeFields));
}

/** nodeaffinity.GetRequiredNodeAffinity(pod).Match(node): nodeSelector and the required terms (any one of them). */
export function matchesRequiredNodeAffinity(spec: SchedulingSpec, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) if (labels[key] !== value) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((term) => matchesTerm(term, node));
}

export interface Eligibility {
  /** A daemon pod should be created on the node if missing. */
  shouldRun: boolean;
  /** A daemon pod already on the node may stay. */
  shouldContinueRunning: boolean;
}

export function nodeEligibility(template: object, node: KubeObject): Eligibility {
  const spec = withDaemonTolerations(schedulingSpec(template));
  if (spec.nodeName && spec.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesRequiredNodeAffinity(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = taintsOf(node);
  const tolerations = spec.tolerations ?? [];
  if (!untoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute'])) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: !untoleratedTaint(taints, tolerations, ['NoExecute']) };
}
