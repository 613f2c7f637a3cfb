// The DaemonSet rolling update (update.go rollingUpdate), run after the
// manage step: it only deletes old pods (without surge) or asks for new pods
// next to old ones (with surge); creating replacements and removing extra
// pods is left to the manage step of later passes.
//   maxSurge = 0: delete old pods while at most maxUnavailable daemons are
//     unavailable; an old pod that is unavailable anyway is always replaced.
//   maxSurge > 0: start a new pod next to up to maxSurge old available ones
//     (and next to every unavailable old one); an old pod goes once the new
//     pod on its node is available.
import type { KubeObject } from '../../api/types.js';
import { isPodAvailable } from '../common/pods.js';
import { isPodUpdated } from './daemon-pods.js';
import { nodeEligibility } from './node-eligibility.js';
import type { NodePods } from './node-pods.js';
import { emptyPlan, type PodPlan } from './placement.js';
import { updateBudget } from './update-budget.js';
import type { DaemonSet } from './types.js';

interface NodeState {
  newPod?: KubeObject;
  oldPod?: KubeObject;
  /** More than one new or one old pod: the manage step must prune first. */
  crowded: boolean;
}

/** findUpdatedPodsOnNode, over the pods not being deleted. */
function nodeState(ds: DaemonSet, pods: KubeObject[], hash: string): NodeState {
  const state: NodeState = { crowded: false };
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const slot = isPodUpdated(ds, pod, hash) ? 'newPod' : 'oldPod';
    if (state[slot]) return { crowded: true };
    state[slot] = pod;
  }
  return state;
}

export function rollingUpdatePlan(ds: DaemonSet, nodes: KubeObject[], byNode: NodePods, hash: string, nowWallMs: number): PodPlan {
  const minReadySeconds = ds.spec.minReadySeconds ?? 0;
  const available = (pod: KubeObject) => isPodAvailable(pod, minReadySeconds, nowWallMs);
  const nodesByName = new Map(nodes.map((n) => [n.metadata.name!, n]));
  const shouldRun = (nodeName: string) => {
    const node = nodesByName.get(nodeName);
    return node !== undefined && nodeEligibility(ds.spec.template ?? {}, node).shouldRun;
  };
  // Every node that should run the daemon counts, with or without pods.
  const states = new Map<string, KubeObject[]>(byNode);
  let desired = 0;
  for (const node of nodes) {
    if (!shouldRun(node.metadata.name!)) continue;
    desired++;
    if (!states.has(node.metadata.name!)) states.set(node.metadata.name!, []);
  }
  const { maxSurge, maxUnavailable } = updateBudget(ds, desired);
  const plan = emptyPlan();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replacements: KubeObject[] = [];
    const candidates: KubeObject[] = [];
    for (const pods of states.values()) {
      const { newPod, oldPod, crowded } = nodeState(ds, pods, hash);
      if (crowded || (!newPod && !oldPod) || (newPod && oldPod)) {
        unavailable++;
      } else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) {
        replacements.push(oldPod!);
        unavailable++;
      } else if (unavailable < maxUnavailable) {
        candidates.push(oldPod!);
      }
    }
    const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
    plan.delete.push(...replacements, ...candidates.slice(0, room));
    return plan;
  }

  let surging = 0;
  let availableCount = 0;
  const allowedNewNodes: string[] = [];
  const candidateNewNodes: string[] = [];
  const ineligibleOld: KubeObject[] = [];
  for (const [nodeName, pods] of states) {
    const { newPod, oldPod, crowded } = nodeState(ds, pods, hash);
    if (crowded) {
      surging++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) availableCount++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(nodeName)) plan.delete.push(oldPod);
        else allowedNewNodes.push(nodeName);
      } else if (!shouldRun(nodeName)) {
        ineligibleOld.push(oldPod);
      } else if (surging < maxSurge) {
        candidateNewNodes.push(nodeName);
      }
      continue;
    }
    if (!available(newPod)) surging++;
    else plan.delete.push(oldPod);
  }
  // Old pods on nodes the daemon no longer fits go only while enough others are available.
  const deletable = Math.min(availableCount - desired, ineligibleOld.length);
  if (deletable > 0) plan.delete.push(...ineligibleOld.slice(0, deletable));
  const room = Math.min(Math.max(0, maxSurge - surging), candidateNewNodes.length);
  plan.createOn.push(...allowedNewNodes, ...candidateNewNodes.slice(0, room));
  return plan;
}
