// Scaling a Deployment (sync.go's scale): with one active ReplicaSet it
// simply takes the new size; mid-rollout the change is spread over the
// active sets in proportion to their size, so a rollout keeps its shape
// (10 → 15 with 6 old and 4 new pods gives about 9 old and 6 new).
import { specReplicas, type ReplicaSet } from '../replicaset/replicaset-types.js';
import { deploymentReplicas, isRollingUpdate, type Deployment } from './deployment-types.js';
import type { DeploymentSync } from './deployment-sync.js';
import { maxSurge } from './fenceposts.js';
import { maxReplicasAnnotation } from './replica-set-annotations.js';
import { activeReplicaSets, byCreation, findActiveOrLatest, isSaturated, specReplicaCount } from './replica-set-queries.js';

export async function scaleDeployment(sync: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const d = sync.d;
  const replicas = deploymentReplicas(d);
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if (specReplicas(only) !== replicas) await sync.scaleAndRecord(only, replicas);
    return;
  }
  // The new set is complete: whatever old sets still hold goes.
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) await sync.scaleAndRecord(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const active = activeReplicaSets([...oldRSs, newRS]);
  const allowedSize = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - specReplicaCount(active);
  // Larger sets first; among equals, scale up the newer and down the older first.
  const order = toAdd > 0 ? bySizeThen((a, b) => byCreation(b, a)) : bySizeThen(byCreation);
  active.sort(order);
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of active) {
    const share = toAdd === 0 ? 0 : proportion(rs, d, toAdd, added);
    sizes.set(rs, specReplicas(rs) + share);
    added += share;
  }
  // Rounding leftovers go to the largest set.
  if (toAdd !== 0 && active.length > 0) sizes.set(active[0]!, Math.max(0, sizes.get(active[0]!)! + toAdd - added));
  const direction = toAdd > 0 ? 'up' : toAdd < 0 ? 'down' : '';
  for (const rs of active) await sync.scale(rs, sizes.get(rs)!, direction);
}

function bySizeThen(tieBreak: (a: ReplicaSet, b: ReplicaSet) => number): (a: ReplicaSet, b: ReplicaSet) => number {
  return (a, b) => specReplicas(b) - specReplicas(a) || tieBreak(a, b);
}

/** GetProportion: this set's share of `toAdd`, never past what is left to add (or remove). */
function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** getReplicaSetFraction: the change that keeps this set's share of the (new) maximum size. */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = deploymentReplicas(d);
  if (replicas === 0) return -specReplicas(rs);
  const deploymentMax = replicas + maxSurge(d);
  // Without the annotation (a set scaled by hand), fall back to the current size.
  const previousMax = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (previousMax === 0) return 0;
  return roundHalfAwayFromZero((specReplicas(rs) * deploymentMax) / previousMax) - specReplicas(rs);
}

function roundHalfAwayFromZero(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}
