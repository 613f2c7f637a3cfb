// A DaemonSet's pods grouped by the node each is for, and the ordering
// Kubernetes uses to pick the one that counts on a node.
import type { KubeObject } from '../../api/types.js';
import { podPhase } from '../common/pods.js';
import { targetNodeName } from './daemon-pods.js';
import { schedulingSpec } from './types.js';

export type NodePods = Map<string, KubeObject[]>;

function isTerminal(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** getNodesToDaemonPods: pods by target node; finished pods being deleted no longer count anywhere. */
export function podsByNode(pods: KubeObject[]): NodePods {
  const byNode: NodePods = new Map();
  for (const pod of pods) {
    if (isTerminal(pod) && pod.metadata.deletionTimestamp) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    let list = byNode.get(node);
    if (!list) byNode.set(node, (list = []));
    list.push(pod);
  }
  return byNode;
}

/** podByCreationTimestampAndPhase: scheduled pods first, then oldest first, then by name. */
export function oldestFirst(pods: KubeObject[]): KubeObject[] {
  return [...pods].sort((a, b) => {
    const scheduledA = schedulingSpec(a).nodeName ? 0 : 1;
    const scheduledB = schedulingSpec(b).nodeName ? 0 : 1;
    if (scheduledA !== scheduledB) return scheduledA - scheduledB;
    const created = (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
    return created !== 0 ? created : a.metadata.name!.localeCompare(b.metadata.name!);
  });
}
