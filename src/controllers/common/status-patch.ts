// A controller's status write: a merge patch of the status subresource (the
// controller is its only writer, so no resourceVersion to conflict on), then
// a wait until its own informer shows the result, so the next pass compares
// against what it wrote rather than rewriting the same status.
import type { KubeObject } from '../../api/types.js';
import { isNotFound, type ApiClient, type ResourceRef } from '../../client/api-client.js';
import type { CacheCatchUp } from './cache-catch-up.js';

export async function patchStatus(client: ApiClient, ref: ResourceRef, cache: CacheCatchUp, obj: KubeObject, status: object): Promise<void> {
  try {
    await client.patch(ref, obj.metadata.namespace, obj.metadata.name!, 'application/merge-patch+json', { status }, 'status');
  } catch (err) {
    // Deleted meanwhile: there is no status left to keep.
    if (isNotFound(err)) return;
    throw err;
  }
  await cache.untilReplaced(obj);
}
