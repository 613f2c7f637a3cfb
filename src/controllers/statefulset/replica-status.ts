// StatefulSet status from its pods (computeReplicaStatus, completeRollingUpdate,
// inconsistentStatus).
import type { KubeObject } from '../../api/types.js';
import { isPodAvailable, isPodReady, podPhase } from '../common/pods.js';
import { revisionOf } from './identity.js';
import type { StatefulSet, StatefulSetStatus } from './types.js';

export function isRunningAndReady(pod: KubeObject): boolean {
  return podPhase(pod) === 'Running' && isPodReady(pod);
}

export function isRunningAndAvailable(pod: KubeObject, minReadySeconds: number, nowWallMs: number): boolean {
  return isRunningAndReady(pod) && isPodAvailable(pod, minReadySeconds, nowWallMs);
}

export function isTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

export function isHealthy(pod: KubeObject): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

/** Counts over the pods that exist, by readiness, availability and revision. */
export function replicaStatus(set: StatefulSet, pods: KubeObject[], currentRevision: string, updateRevision: string, nowWallMs: number): StatefulSetStatus {
  const status: StatefulSetStatus = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  const minReadySeconds = set.spec.minReadySeconds ?? 0;
  for (const pod of pods) {
    status.replicas!++;
    if (isRunningAndReady(pod)) {
      status.readyReplicas!++;
      if (isRunningAndAvailable(pod, minReadySeconds, nowWallMs)) status.availableReplicas!++;
    }
    if (isTerminating(pod)) continue;
    if (revisionOf(pod) === currentRevision) status.currentReplicas!++;
    if (revisionOf(pod) === updateRevision) status.updatedReplicas!++;
  }
  return status;
}

/** A finished rolling update makes the update revision current. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  if (set.spec.updateStrategy?.type !== 'OnDelete' && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

const COMPARED: (keyof StatefulSetStatus)[] = [
  'replicas', 'readyReplicas', 'availableReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision', 'collisionCount',
];

/** Whether `status` says anything the set's stored status doesn't. */
export function statusChanged(set: StatefulSet, status: StatefulSetStatus): boolean {
  const stored = set.status ?? {};
  if ((status.observedGeneration ?? 0) > (stored.observedGeneration ?? 0)) return true;
  return COMPARED.some((field) => (status[field] ?? 0) !== (stored[field] ?? 0));
}
