// manageReplicas: creates or deletes pods so a ReplicaSet has spec.replicas
// active pods. Creates go in slow-start batches (1, 2, 4, …) so a template
// the API rejects costs one request per sync, not one per missing replica;
// expectations are set before any request so the next sync waits for the
// informer to catch up instead of acting twice.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { objectKey } from '../../client/informer.js';
import { slowStartBatch } from '../common/batch.js';
import { podFromTemplate } from '../common/pods.js';
import type { ReplicaExpectations } from './expectations.js';
import { podsToDelete } from './pod-ranking.js';
import { errorMessage } from './replicaset-status.js';
import { specReplicas, type ReplicaSet } from './replicaset-types.js';

/** Most pods created or deleted in one sync (Kubernetes' BurstReplicas). */
const BURST_REPLICAS = 500;
const SLOW_START_INITIAL_BATCH = 1;

export interface ManagePodsInput {
  client: ApiClient;
  recorder: EventRecorder;
  expectations: ReplicaExpectations;
  rs: ReplicaSet;
  rsKey: string;
  /** The active pods the ReplicaSet controls. */
  pods: KubeObject[];
  /** Pods of sibling ReplicaSets, read only when deleting. */
  relatedPods: () => KubeObject[];
  nowWallMs: number;
}

/** Rejects with the first failed request; the caller reports it in status and retries with back-off. */
export async function managePods(input: ManagePodsInput): Promise<void> {
  const diff = input.pods.length - specReplicas(input.rs);
  if (diff < 0) await createPods(input, Math.min(-diff, BURST_REPLICAS));
  else if (diff > 0) await deletePods(input, Math.min(diff, BURST_REPLICAS));
}

async function createPods(input: ManagePodsInput, count: number): Promise<void> {
  const { client, recorder, expectations, rs, rsKey } = input;
  expectations.expectCreations(rsKey, count);
  const { succeeded, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, async () => {
    const pod = podFromTemplate(rs.spec.template ?? {}, rs, { generateName: `${rs.metadata.name}-` });
    try {
      const created = await client.create(RESOURCES.pods, rs.metadata.namespace, pod);
      recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (err) {
      recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
      throw err;
    }
  });
  // Creates that failed or were never tried will not show up in the informer.
  for (let skipped = count - succeeded; skipped > 0; skipped--) expectations.creationObserved(rsKey);
  if (error !== undefined) throw error;
}

async function deletePods(input: ManagePodsInput, count: number): Promise<void> {
  const { client, recorder, expectations, rs, rsKey } = input;
  const victims = podsToDelete(input.pods, input.relatedPods(), count, input.nowWallMs);
  expectations.expectDeletions(rsKey, victims.map(objectKey));
  const results = await Promise.allSettled(victims.map(async (pod) => {
    try {
      await client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      // This deletion will not show up in the informer.
      expectations.deletionObserved(rsKey, objectKey(pod));
      if (isNotFound(err)) return;
      recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
      throw err;
    }
  }));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
