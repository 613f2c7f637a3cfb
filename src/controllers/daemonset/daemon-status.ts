// DaemonSet status from nodes and pods (updateDaemonSetStatus): on each node
// that should run the daemon, the oldest of its pods is the one that counts.
import type { KubeObject } from '../../api/types.js';
import { isPodAvailable, isPodReady } from '../common/pods.js';
import { isPodUpdated } from './daemon-pods.js';
import { nodeEligibility } from './node-eligibility.js';
import { oldestFirst, type NodePods } from './node-pods.js';
import type { DaemonSet, DaemonSetStatus } from './types.js';

export function daemonSetStatus(ds: DaemonSet, nodes: KubeObject[], byNode: NodePods, hash: string, nowWallMs: number): DaemonSetStatus {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const node of nodes) {
    const { shouldRun } = nodeEligibility(ds.spec.template ?? {}, node);
    const pods = byNode.get(node.metadata.name!) ?? [];
    if (!shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = oldestFirst(pods)[0]!;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, nowWallMs)) available++;
    }
    if (isPodUpdated(ds, pod, hash)) updated++;
  }
  return {
    observedGeneration: ds.metadata.generation,
    desiredNumberScheduled: desired,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    updatedNumberScheduled: updated,
    numberUnavailable: desired - available,
  };
}

const COMPARED: (keyof DaemonSetStatus)[] = [
  'desiredNumberScheduled', 'currentNumberScheduled', 'numberMisscheduled', 'numberReady', 'numberAvailable', 'updatedNumberScheduled', 'numberUnavailable', 'observedGeneration',
];

/** storeDaemonSetStatus writes only when something differs. */
export function daemonStatusChanged(ds: DaemonSet, status: DaemonSetStatus): boolean {
  const stored = ds.status ?? {};
  return COMPARED.some((field) => (status[field] ?? 0) !== (stored[field] ?? 0));
}
