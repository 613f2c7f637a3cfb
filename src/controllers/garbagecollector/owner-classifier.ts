// Sorts an object's owner references by what the owners' live state says,
// as Kubernetes' classifyReferences: the cache may lag, so every verdict
// that could lead to a deletion comes from a GET against the API.
import type { KubeObject, OwnerReference } from '../../api/types.js';
import type { ResourceInfo } from '../../api/resources.js';
import { isNotFound, type ApiClient } from '../../client/api-client.js';
import { isDeletingDependents } from './deletion-finalizers.js';
import { resourceOfOwner, resourceRef } from './resource-catalog.js';

export interface ClassifiedReferences {
  /** Owners that exist and are not waiting for their dependents. */
  solid: OwnerReference[];
  /** Owners that no longer exist (404, or the name now belongs to another uid). */
  dangling: OwnerReference[];
  /** Owners being deleted in the foreground: this object must go first. */
  waitingForDependentsDeletion: OwnerReference[];
}

/** A cluster-scoped object names a namespaced owner: unresolvable, and retrying won't help. */
export class NamespacedOwnerOfClusterScopedObject extends Error {
  constructor(readonly reference: OwnerReference) {
    super(`cluster-scoped object refers to namespaced owner ${reference.kind} ${reference.name}`);
  }
}

/** An owner reference whose apiVersion/kind names no resource the server serves; retried, as Kubernetes does. */
export class UnknownOwnerKind extends Error {
  constructor(readonly reference: OwnerReference) {
    super(`unable to resolve owner kind ${reference.kind} in ${reference.apiVersion}`);
  }
}

export async function classifyReferences(client: ApiClient, item: KubeObject, resources: ResourceInfo[]): Promise<ClassifiedReferences> {
  const result: ClassifiedReferences = { solid: [], dangling: [], waitingForDependentsDeletion: [] };
  for (const reference of item.metadata.ownerReferences ?? []) {
    const owner = await liveOwner(client, item, reference, resources);
    if (!owner || owner.metadata.uid !== reference.uid) result.dangling.push(reference);
    else if (isDeletingDependents(owner)) result.waitingForDependentsDeletion.push(reference);
    else result.solid.push(reference);
  }
  return result;
}

/** The object the reference names, read from the API; undefined when it doesn't exist. */
async function liveOwner(client: ApiClient, item: KubeObject, reference: OwnerReference, resources: ResourceInfo[]): Promise<KubeObject | undefined> {
  const info = resourceOfOwner(reference, resources);
  if (!info) throw new UnknownOwnerKind(reference);
  if (info.namespaced && !item.metadata.namespace) throw new NamespacedOwnerOfClusterScopedObject(reference);
  try {
    // A namespaced owner can only be in its dependent's namespace; anywhere else it is absent.
    return await client.get(resourceRef(info), info.namespaced ? item.metadata.namespace : undefined, reference.name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
