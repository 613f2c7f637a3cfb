// One deletion pass over a Terminating namespace's content, as Kubernetes'
// NamespacedResourcesDeleter: every namespaced resource is listed live and
// each object not already going is deleted (Background propagation), then
// what remains is counted, by resource and by finalizer, with an estimate
// of how long to wait before looking again.
import type { KubeObject } from '../../api/types.js';
import type { ResourceInfo } from '../../api/resources.js';
import { isNotFound, type ApiClient } from '../../client/api-client.js';
import type { ContentTotals } from './namespace-conditions.js';

export interface DeletionPass extends ContentTotals {
  /** Seconds until remaining content may be gone (0: nothing remains). */
  estimateSeconds: number;
}

/** How Kubernetes prints a GroupVersionResource in these messages: "pods." for core, "deployments.apps". */
function resourceLabel(info: ResourceInfo): string {
  return `${info.plural}.${info.group}`;
}

function describeError(info: ResourceInfo, err: unknown): string {
  return `${resourceLabel(info)}: ${(err as Error)?.message ?? String(err)}`;
}

/** Remaining pods wait for their kubelet for up to their grace period. */
function graceEstimateSeconds(info: ResourceInfo, items: KubeObject[]): number {
  if (info.group !== '' || info.plural !== 'pods') return 0;
  let estimate = 0;
  for (const pod of items) estimate = Math.max(estimate, pod.metadata.deletionGracePeriodSeconds ?? 0);
  return estimate;
}

export async function deleteNamespaceContent(client: ApiClient, namespace: string, resources: ResourceInfo[]): Promise<DeletionPass> {
  const pass: DeletionPass = { errors: [], remainingByResource: new Map(), remainingByFinalizer: new Map(), estimateSeconds: 0 };
  for (const info of resources) {
    if (!info.namespaced || !info.verbs.includes('list') || !info.verbs.includes('delete')) continue;
    const ref = { group: info.group, version: info.version, resource: info.plural };
    try {
      for (const item of (await client.list(ref, namespace)).items) {
        if (item.metadata.deletionTimestamp) continue;
        try {
          await client.delete(ref, namespace, item.metadata.name!, { propagationPolicy: 'Background' });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      const remaining = (await client.list(ref, namespace)).items;
      if (remaining.length === 0) continue;
      pass.remainingByResource.set(resourceLabel(info), remaining.length);
      for (const item of remaining) {
        for (const finalizer of item.metadata.finalizers ?? []) pass.remainingByFinalizer.set(finalizer, (pass.remainingByFinalizer.get(finalizer) ?? 0) + 1);
      }
      // Something remains: look again soon even when nothing says how long it takes.
      pass.estimateSeconds = Math.max(pass.estimateSeconds, graceEstimateSeconds(info, remaining), 1);
    } catch (err) {
      pass.errors.push(describeError(info, err));
    }
  }
  return pass;
}
