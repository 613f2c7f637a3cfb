// A Deployment's status from its ReplicaSets, and the progress questions
// asked of it (deploymentutil): complete, progressing, timed out.
import { isDeepStrictEqual } from 'node:util';
import { findCondition, withCondition, type StatusCondition } from '../common/conditions.js';
import type { ReplicaSet } from '../replicaset/replicaset-types.js';
import { deploymentReplicas, type Deployment, type DeploymentStatus } from './deployment-types.js';
import { maxUnavailable } from './fenceposts.js';
import { actualReplicaCount, availableReplicaCount, readyReplicaCount, specReplicaCount } from './replica-set-queries.js';

export const PROGRESSING = 'Progressing';
export const AVAILABLE = 'Available';
export const REPLICA_FAILURE = 'ReplicaFailure';

export const Reasons = {
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  failedReplicaSetCreate: 'ReplicaSetCreateError',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** Kubernetes treats a deadline of MaxInt32 as none. */
const NO_DEADLINE = 2147483647;

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, nowIso: string): StatusCondition {
  return { type, status, lastUpdateTime: nowIso, lastTransitionTime: nowIso, reason, message };
}

export function hasProgressDeadline(d: Deployment): boolean {
  const seconds = d.spec.progressDeadlineSeconds;
  return seconds !== undefined && seconds !== NO_DEADLINE;
}

/** calculateStatus: counts summed over the sets; Available from maxUnavailable. */
export function calculateStatus(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, nowIso: string): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicaCount(allRSs) - available),
    collisionCount: d.status?.collisionCount,
    conditions: d.status?.conditions ? [...d.status.conditions] : undefined,
  };
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const availability = available >= minAvailable
    ? newCondition(AVAILABLE, 'True', Reasons.minimumReplicasAvailable, 'Deployment has minimum availability.', nowIso)
    : newCondition(AVAILABLE, 'False', Reasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowIso);
  status.conditions = withCondition(status.conditions, availability);
  return status;
}

/** The status as Go serialises it: zero counts and empty lists are omitted. */
export function compactStatus(status: DeploymentStatus): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(status)) {
    if (value === undefined || (key !== 'collisionCount' && value === 0) || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return out as DeploymentStatus;
}

export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return isDeepStrictEqual(compactStatus(a ?? {}), compactStatus(b ?? {}));
}

/** DeploymentComplete: every desired replica updated and available, and the spec observed. */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const replicas = deploymentReplicas(d);
  return (status.updatedReplicas ?? 0) === replicas
    && (status.replicas ?? 0) === replicas
    && (status.availableReplicas ?? 0) === replicas
    && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than last recorded. */
export function deploymentProgressing(d: Deployment, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldStale = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newStale = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0)
    || newStale < oldStale
    || (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0)
    || (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** Milliseconds until the progress deadline passes (negative once it has), or undefined when none applies. */
export function msUntilDeadline(d: Deployment, status: DeploymentStatus, nowWallMs: number): number | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const progressing = findCondition(status.conditions, PROGRESSING);
  if (!progressing?.lastUpdateTime) return undefined;
  const since = Date.parse(progressing.lastUpdateTime);
  if (!Number.isFinite(since)) return undefined;
  return since + d.spec.progressDeadlineSeconds! * 1000 - nowWallMs;
}

/** DeploymentTimedOut: no progress recorded for progressDeadlineSeconds. */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, nowWallMs: number): boolean {
  const progressing = findCondition(status.conditions, PROGRESSING);
  if (!hasProgressDeadline(d) || !progressing) return false;
  if (progressing.reason === Reasons.newReplicaSetAvailable) return false;
  if (progressing.reason === Reasons.timedOut) return true;
  const remaining = msUntilDeadline(d, status, nowWallMs);
  return remaining !== undefined && remaining < 0;
}

/** The ReplicaFailure conditions of the sets, the new set's first, as Deployment conditions. */
export function replicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): StatusCondition[] {
  const asDeploymentCondition = (c: StatusCondition): StatusCondition => ({
    type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message,
  });
  const failuresOf = (rs: ReplicaSet | undefined) => (rs?.status?.conditions ?? []).filter((c) => c.type === REPLICA_FAILURE).map(asDeploymentCondition);
  const fromNew = failuresOf(newRS);
  return fromNew.length > 0 ? fromNew : allRSs.flatMap(failuresOf);
}
