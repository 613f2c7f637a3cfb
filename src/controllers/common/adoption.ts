// Kubernetes' ControllerRefManager: a controller adopts the orphans its
// selector matches and releases what it controls but no longer matches,
// through patches that merge (or delete) one ownerReference by uid. Both
// patches carry the object's uid, so they fail rather than touch a
// recreated object of the same name.
import type { KubeObject } from '../../api/types.js';
import type { LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';
import { isConflict, isNotFound, type ApiClient, type ResourceRef } from '../../client/api-client.js';
import { classifyForClaim, controllerRef } from './owners.js';

export interface Claim {
  /** The resource of the objects claimed. */
  ref: ResourceRef;
  /** The owner's resource, to read it fresh before adopting. */
  ownerRef: ResourceRef;
  owner: KubeObject;
  selector: LabelSelectorSpec | undefined;
  candidates: KubeObject[];
}

/** The objects `owner` controls after adopting and releasing, in candidate order. */
export async function claimObjects(client: ApiClient, { ref, ownerRef, owner, selector, candidates }: Claim): Promise<KubeObject[]> {
  const { owned, toAdopt, toRelease } = classifyForClaim(owner, selector, candidates);
  const claimed = new Set<KubeObject>(owned);
  if (toAdopt.length > 0 && (await canAdopt(client, ownerRef, owner))) {
    for (const obj of toAdopt) {
      const adopted = await patchOwnerRefs(client, ref, obj, [controllerRef(owner)]);
      if (adopted) claimed.add(adopted);
    }
  }
  for (const obj of toRelease) await patchOwnerRefs(client, ref, obj, [{ $patch: 'delete', uid: owner.metadata.uid }]);
  const byUid = new Map([...claimed].map((o) => [o.metadata.uid, o]));
  return candidates.map((c) => byUid.get(c.metadata.uid)).filter((o): o is KubeObject => o !== undefined);
}

/**
 * RecheckDeletionTimestamp: the cached owner may predate its deletion or its
 * replacement by a new object of the same name, so ask the API.
 */
async function canAdopt(client: ApiClient, ownerRef: ResourceRef, owner: KubeObject): Promise<boolean> {
  try {
    const fresh = await client.get(ownerRef, owner.metadata.namespace, owner.metadata.name!);
    return fresh.metadata.uid === owner.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Patches ownerReferences by uid; an object that is gone or was replaced is skipped (undefined). */
async function patchOwnerRefs(client: ApiClient, ref: ResourceRef, obj: KubeObject, ownerReferences: unknown[]): Promise<KubeObject | undefined> {
  try {
    return await client.patch(ref, obj.metadata.namespace, obj.metadata.name!, 'application/strategic-merge-patch+json', {
      metadata: { ownerReferences, uid: obj.metadata.uid },
    });
  } catch (err) {
    if (isNotFound(err) || isConflict(err) || (err as { code?: number }).code === 422) return undefined;
    throw err;
  }
}
