// The DaemonSet's "manage" step (podsShouldBeOnNode for every node): which
// nodes need a daemon pod and which daemon pods must go. Pure: it returns a
// plan and the controller carries it out.
import type { KubeObject } from '../../api/types.js';
import { isPodAvailable, isPodReady, podPhase } from '../common/pods.js';
import { REVISION_HASH_LABEL } from './daemon-pods.js';
import { nodeEligibility } from './node-eligibility.js';
import { oldestFirst, type NodePods } from './node-pods.js';
import { allowsSurge } from './update-budget.js';
import { schedulingSpec, type DaemonSet } from './types.js';

export interface PodPlan {
  /** Nodes to create a daemon pod for. */
  createOn: string[];
  /** Pods to delete (gracefully). */
  delete: KubeObject[];
  /** Failed pods to replace, each worth a warning. */
  failed: KubeObject[];
  /** Pods of nodes that no longer exist: no kubelet will finish them, so they go at once. */
  orphaned: KubeObject[];
}

export function emptyPlan(): PodPlan {
  return { createOn: [], delete: [], failed: [], orphaned: [] };
}

/** The pods one node should lose, and whether it needs a new one. */
function planNode(ds: DaemonSet, node: KubeObject, pods: KubeObject[] | undefined, hash: string, nowWallMs: number, plan: PodPlan): void {
  const { shouldRun, shouldContinueRunning } = nodeEligibility(ds.spec.template ?? {}, node);
  if (shouldRun && pods === undefined) {
    plan.createOn.push(node.metadata.name!);
    return;
  }
  if (pods === undefined) return;
  const alive = pods.filter((p) => !p.metadata.deletionTimestamp);
  if (!shouldContinueRunning) {
    plan.delete.push(...alive);
    return;
  }
  const running: KubeObject[] = [];
  for (const pod of alive) {
    const phase = podPhase(pod);
    if (phase === 'Failed') plan.failed.push(pod);
    else if (phase === 'Succeeded') plan.delete.push(pod);
    else running.push(pod);
  }
  if (!allowsSurge(ds)) {
    // One daemon per node: all but the oldest go.
    plan.delete.push(...oldestFirst(running).slice(1));
    return;
  }
  if (running.length === 0) {
    if (shouldRun) plan.createOn.push(node.metadata.name!);
    return;
  }
  // Surging: an old and a new pod may share the node while the new one becomes available.
  let oldestNew: KubeObject | undefined;
  let oldestOld: KubeObject | undefined;
  for (const pod of oldestFirst(running)) {
    if (pod.metadata.labels?.[REVISION_HASH_LABEL] === hash) {
      if (!oldestNew) {
        oldestNew = pod;
        continue;
      }
    } else if (!oldestOld) {
      oldestOld = pod;
      continue;
    }
    plan.delete.push(pod);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0, nowWallMs))) plan.delete.push(oldestOld);
}

/** manage: the plan that puts exactly one daemon pod on each eligible node. */
export function managePlan(ds: DaemonSet, nodes: KubeObject[], byNode: NodePods, hash: string, nowWallMs: number): PodPlan {
  const plan = emptyPlan();
  const names = new Set<string>();
  for (const node of nodes) {
    names.add(node.metadata.name!);
    planNode(ds, node, byNode.get(node.metadata.name!), hash, nowWallMs, plan);
  }
  // k8ts runs no pod garbage collector: daemon pods of deleted nodes are removed here.
  for (const [nodeName, pods] of byNode) {
    if (names.has(nodeName)) continue;
    for (const pod of pods) {
      if (!schedulingSpec(pod).nodeName && pod.metadata.deletionTimestamp) continue;
      plan.orphaned.push(pod);
    }
  }
  return plan;
}
