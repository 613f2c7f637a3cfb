// The RollingUpdate strategy (rolling.go): grow the new ReplicaSet while the
// total stays within replicas + maxSurge, shrink old ones while available
// pods stay at or above replicas - maxUnavailable; one step per sync, the
// next sync coming from the ReplicaSet changes this step causes.
import { specReplicas, type ReplicaSet } from '../replicaset/replicaset-types.js';
import { deploymentReplicas } from './deployment-types.js';
import { deploymentComplete } from './deployment-status.js';
import type { DeploymentSync } from './deployment-sync.js';
import { maxUnavailable } from './fenceposts.js';
import { activeReplicaSets, availableReplicaCount, byCreation, newReplicaSetReplicas, specReplicaCount } from './replica-set-queries.js';

export async function rolloutRolling(sync: DeploymentSync): Promise<void> {
  const found = await sync.newAndOld(true);
  const newRS = found.newRS!; // created when missing
  const oldRSs = found.oldRSs;
  const reportStatus = () => sync.syncRolloutStatus(sync.latest([...oldRSs, newRS]), sync.latestOf(newRS));
  if (await reconcileNewReplicaSet(sync, [...oldRSs, newRS], newRS)) return reportStatus();
  const currentOld = sync.latest(oldRSs);
  const currentNew = sync.latestOf(newRS);
  if (await reconcileOldReplicaSets(sync, [...currentOld, currentNew], activeReplicaSets(currentOld), currentNew)) return reportStatus();
  if (deploymentComplete(sync.d, sync.d.status ?? {})) await sync.cleanup(sync.latest(oldRSs));
  return reportStatus();
}

async function reconcileNewReplicaSet(sync: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const replicas = deploymentReplicas(sync.d);
  if (specReplicas(newRS) === replicas) return false;
  const target = specReplicas(newRS) > replicas ? replicas : newReplicaSetReplicas(sync.d, allRSs, newRS);
  return (await sync.scaleAndRecord(newRS, target)).scaled;
}

async function reconcileOldReplicaSets(sync: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (specReplicaCount(oldRSs) === 0) return false;
  const minAvailable = deploymentReplicas(sync.d) - maxUnavailable(sync.d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  // Pods that may go without dropping below minAvailable, not counting the
  // new set's pods that aren't available yet (they may never become so).
  const maxScaledDown = specReplicaCount(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleanedUp = await cleanupUnhealthyReplicas(sync, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSets(sync, [...sync.latest(oldRSs), newRS], sync.latest(oldRSs));
  return cleanedUp + scaledDown > 0;
}

/** Scales down old sets' unavailable pods first: removing them costs no availability. */
async function cleanupUnhealthyReplicas(sync: DeploymentSync, oldRSs: ReplicaSet[], maxCleanup: number): Promise<number> {
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const count = Math.min(maxCleanup - total, unhealthy);
    await sync.scaleAndRecord(rs, specReplicas(rs) - count);
    total += count;
  }
  return total;
}

/** Scales down old sets, oldest first, by what availability above minAvailable allows. */
async function scaleDownOldReplicaSets(sync: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = deploymentReplicas(sync.d) - maxUnavailable(sync.d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const allowed = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= allowed) break;
    if (specReplicas(rs) === 0) continue;
    const count = Math.min(specReplicas(rs), allowed - total);
    await sync.scaleAndRecord(rs, specReplicas(rs) - count);
    total += count;
  }
  return total;
}
