// Pods that still carry the Job tracking finalizer but whose Job is gone
// or finished (deleted with Background propagation, released, or left over
// from a crash): nobody will count them any more, so the finalizer only
// keeps them from being deleted. Remove it.
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import type { Informer } from '../../client/informer.js';
import { controllerOf } from '../common/owners.js';
import { asJob, isManagedElsewhere } from './job-api.js';
import { isJobFinished } from './job-conditions.js';
import { hasTrackingFinalizer } from './job-pods.js';
import { REMOVE_TRACKING_FINALIZER_PATCH } from './pod-management.js';

export class OrphanPodCleaner {
  constructor(
    private readonly client: ApiClient,
    private readonly jobs: Informer,
    private readonly pods: Informer,
  ) {}

  async sync(namespace: string | undefined, name: string): Promise<void> {
    const pod = this.pods.get(namespace, name);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerOf(pod);
    if (ref) {
      // Another kind's finalizer business is not ours.
      if (ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return;
      const job = this.jobs.get(namespace, ref.name);
      if (job && job.metadata.uid === ref.uid) {
        // A live Job's pod: its sync counts it and removes the finalizer. Another controller's Job: its business.
        if (!isJobFinished(asJob(job)) || isManagedElsewhere(asJob(job))) return;
      }
    }
    try {
      await this.client.patch(RESOURCES.pods, namespace, name, 'application/strategic-merge-patch+json', REMOVE_TRACKING_FINALIZER_PATCH);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
