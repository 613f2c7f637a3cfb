// A ReplicaSet's status from its active pods (calculateStatus in
// replica_set_utils.go), whether it differs from what is stored, and when a
// ready pod will next become available under minReadySeconds.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/types.js';
import { rfc3339 } from '../../apiserver/registry/names.js';
import { findCondition, withCondition, withoutCondition } from '../common/conditions.js';
import { selectorMatches } from '../common/owners.js';
import { isPodAvailable, isPodReady, podCondition } from '../common/pods.js';
import { specReplicas, type ReplicaSet, type ReplicaSetStatus } from './replicaset-types.js';

export const REPLICA_FAILURE = 'ReplicaFailure';

/**
 * The status `rs` should have. `manageError` is what creating or deleting
 * pods failed with in this sync: it sets ReplicaFailure, a clean sync clears it.
 */
export function calculateStatus(rs: ReplicaSet, activePods: KubeObject[], manageError: unknown, nowWallMs: number): ReplicaSetStatus {
  const minReadySeconds = rs.spec.minReadySeconds ?? 0;
  const templateLabels = { matchLabels: rs.spec.template?.metadata?.labels ?? {} };
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    if (selectorMatches(templateLabels, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowWallMs)) available++;
    }
  }
  let conditions = rs.status?.conditions;
  const failure = findCondition(conditions, REPLICA_FAILURE);
  if (manageError !== undefined && !failure) {
    const diff = activePods.length - specReplicas(rs);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    conditions = withCondition(conditions, {
      type: REPLICA_FAILURE, status: 'True', reason, message: errorMessage(manageError), lastTransitionTime: rfc3339(nowWallMs),
    });
  } else if (manageError === undefined && failure) {
    conditions = withoutCondition(conditions, REPLICA_FAILURE);
  }
  // Field presence follows the Go type's omitempty tags: replicas is always written.
  const status: ReplicaSetStatus = { replicas: activePods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (rs.status?.observedGeneration) status.observedGeneration = rs.status.observedGeneration;
  if (conditions?.length) status.conditions = conditions;
  return status;
}

/** Whether storing `next` (with observedGeneration brought up to date) would change anything. */
export function statusNeedsUpdate(rs: ReplicaSet, next: ReplicaSetStatus): boolean {
  const current = rs.status ?? {};
  return (current.replicas ?? 0) !== (next.replicas ?? 0)
    || (current.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0)
    || (current.readyReplicas ?? 0) !== (next.readyReplicas ?? 0)
    || (current.availableReplicas ?? 0) !== (next.availableReplicas ?? 0)
    || (current.observedGeneration ?? 0) !== (rs.metadata.generation ?? 0)
    || !isDeepStrictEqual(current.conditions ?? [], next.conditions ?? []);
}

/**
 * Milliseconds until the next ready-but-not-yet-available pod becomes
 * available, or undefined when none is waiting. Ready times are stored with
 * second precision, as Kubernetes stores them.
 */
export function nextAvailabilityInMs(rs: ReplicaSet, activePods: KubeObject[], nowWallMs: number): number | undefined {
  const minReadyMs = (rs.spec.minReadySeconds ?? 0) * 1000;
  if (minReadyMs <= 0) return undefined;
  let soonest: number | undefined;
  for (const pod of activePods) {
    if (!isPodReady(pod) || isPodAvailable(pod, rs.spec.minReadySeconds ?? 0, nowWallMs)) continue;
    const since = Date.parse(podCondition(pod, 'Ready')?.lastTransitionTime ?? '');
    const wait = Number.isFinite(since) ? Math.max(1, since + minReadyMs - nowWallMs) : minReadyMs;
    soonest = soonest === undefined ? wait : Math.min(soonest, wait);
  }
  return soonest;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String((err as { message?: unknown } | undefined)?.message ?? err);
}
