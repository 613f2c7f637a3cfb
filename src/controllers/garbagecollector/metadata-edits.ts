// The garbage collector's writes to metadata: dropping a finalizer,
// dropping owner references, unblocking them. Each edits the latest object
// and is pinned to its resourceVersion and uid, so a concurrent change makes
// it fail (and the key retry) rather than overwrite.
import type { KubeObject } from '../../api/types.js';
import type { ApiClient, ResourceRef } from '../../client/api-client.js';

async function writeMetadata(client: ApiClient, ref: ResourceRef, latest: KubeObject, edit: (meta: KubeObject['metadata']) => void): Promise<void> {
  const next = structuredClone(latest);
  edit(next.metadata);
  await client.update(ref, latest.metadata.namespace, next);
}

/** Removes a finalizer; if it was the last one of an object being deleted, the API server deletes the object. */
export async function removeFinalizer(client: ApiClient, ref: ResourceRef, latest: KubeObject, finalizer: string): Promise<void> {
  if (!(latest.metadata.finalizers ?? []).includes(finalizer)) return;
  await writeMetadata(client, ref, latest, (meta) => {
    meta.finalizers = (meta.finalizers ?? []).filter((f) => f !== finalizer);
  });
}

export async function removeOwnerReferences(client: ApiClient, ref: ResourceRef, latest: KubeObject, ownerUids: Set<string>): Promise<void> {
  if (!(latest.metadata.ownerReferences ?? []).some((r) => ownerUids.has(r.uid))) return;
  await writeMetadata(client, ref, latest, (meta) => {
    const kept = (meta.ownerReferences ?? []).filter((r) => !ownerUids.has(r.uid));
    if (kept.length > 0) meta.ownerReferences = kept;
    else delete meta.ownerReferences;
  });
}

/** Sets blockOwnerDeletion=false on the references to `ownerUid`, to break a foreground-deletion cycle. */
export async function unblockOwnerReferences(client: ApiClient, ref: ResourceRef, latest: KubeObject, ownerUid: string): Promise<void> {
  if (!(latest.metadata.ownerReferences ?? []).some((r) => r.uid === ownerUid && r.blockOwnerDeletion)) return;
  await writeMetadata(client, ref, latest, (meta) => {
    meta.ownerReferences = (meta.ownerReferences ?? []).map((r) => (r.uid === ownerUid ? { ...r, blockOwnerDeletion: false } : r));
  });
}
