// Which pods a Job controls: those with its controllerRef that still match
// its selector, plus orphans matching it, which it adopts. An adopted pod
// also gets the tracking finalizer, so it is counted like the Job's own; a
// released one loses it to the orphan-pod cleanup (orphan-pods.ts).
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import { claimObjects } from '../common/adoption.js';
import { JOB_TRACKING_FINALIZER, withJobTypeMeta, type Job } from './job-api.js';
import { hasTrackingFinalizer } from './job-pods.js';

export async function claimPods(client: ApiClient, job: Job, candidates: KubeObject[]): Promise<KubeObject[]> {
  const claimed = await claimObjects(client, {
    ref: RESOURCES.pods,
    ownerRef: RESOURCES.jobs,
    owner: withJobTypeMeta(job),
    selector: job.spec.selector,
    candidates,
  });
  const adoptedWithoutFinalizer = claimed.filter((pod) => !hasTrackingFinalizer(pod) && !candidates.includes(pod));
  if (adoptedWithoutFinalizer.length === 0) return claimed;
  const tracked = new Map<string, KubeObject>();
  await Promise.all(adoptedWithoutFinalizer.map(async (pod) => {
    try {
      const patched = await client.patch(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, 'application/strategic-merge-patch+json', {
        metadata: { finalizers: [JOB_TRACKING_FINALIZER] },
      });
      tracked.set(pod.metadata.uid!, patched);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }));
  return claimed.map((pod) => tracked.get(pod.metadata.uid!) ?? pod);
}
