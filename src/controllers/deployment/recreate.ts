// The Recreate strategy (recreate.go): scale every old ReplicaSet to zero,
// wait until none of their pods is left running (terminating ones
// included), and only then create and scale up the new ReplicaSet.
import type { KubeObject } from '../../api/types.js';
import { podPhase } from '../common/pods.js';
import type { ReplicaSet } from '../replicaset/replicaset-types.js';
import { deploymentReplicas } from './deployment-types.js';
import { deploymentComplete } from './deployment-status.js';
import type { DeploymentSync } from './deployment-sync.js';
import { activeReplicaSets, actualReplicaCount } from './replica-set-queries.js';

export async function rolloutRecreate(sync: DeploymentSync, podsByReplicaSet: Map<string, KubeObject[]>): Promise<void> {
  let { newRS, oldRSs } = await sync.newAndOld(false);
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) if ((await sync.scaleAndRecord(rs, 0)).scaled) scaledDown = true;
  oldRSs = sync.latest(oldRSs);
  if (scaledDown || oldPodsRunning(newRS, oldRSs, podsByReplicaSet)) {
    await sync.syncRolloutStatus([...oldRSs, newRS], newRS);
    return;
  }
  if (!newRS) ({ newRS, oldRSs } = await sync.newAndOld(true));
  await sync.scaleAndRecord(newRS!, deploymentReplicas(sync.d));
  newRS = sync.latestOf(newRS!);
  if (deploymentComplete(sync.d, sync.d.status ?? {})) await sync.cleanup(oldRSs);
  await sync.syncRolloutStatus([...oldRSs, newRS], newRS);
}

/** Whether any pod of an old set still exists and has not finished. */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByReplicaSet: Map<string, KubeObject[]>): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByReplicaSet) {
    if (newRS && uid === newRS.metadata.uid) continue;
    if (pods.some((pod) => podPhase(pod) !== 'Failed' && podPhase(pod) !== 'Succeeded')) return true;
  }
  return false;
}
