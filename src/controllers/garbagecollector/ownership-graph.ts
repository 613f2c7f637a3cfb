// The owner/dependent graph, read straight from the shared informers: every
// collectable resource's cache is indexed by uid and by owner uid, so
// "who owns X" and "who depends on X" are index lookups. The graph holds no
// state of its own; a restart rebuilds it by listing.
import type { KubeObject, OwnerReference } from '../../api/types.js';
import type { ResourceInfo } from '../../api/resources.js';
import { byOwnerUid, type Informer } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { resourceOfOwner, resourceRef } from './resource-catalog.js';

const BY_UID = 'byUid';
const BY_OWNER_UID = 'byOwnerUid';

export interface GraphNode {
  info: ResourceInfo;
  obj: KubeObject;
}

export class OwnershipGraph {
  private readonly informers = new Map<ResourceInfo, Informer>();

  constructor(factory: InformerFactory, resources: ResourceInfo[]) {
    for (const info of resources) {
      const informer = factory.informer(resourceRef(info));
      informer.addIndex(BY_UID, (obj) => (obj.metadata.uid ? [obj.metadata.uid] : []));
      informer.addIndex(BY_OWNER_UID, byOwnerUid);
      this.informers.set(info, informer);
    }
  }

  entries(): [ResourceInfo, Informer][] {
    return [...this.informers];
  }

  /** Objects (of any watched kind) with an ownerReference to this uid. */
  dependentsOf(ownerUid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const [info, informer] of this.informers) {
      for (const obj of informer.byIndex(BY_OWNER_UID, ownerUid)) out.push({ info, obj });
    }
    return out;
  }

  /** The cached object a reference names, matched by uid; undefined when absent from the cache or of an unknown kind. */
  cachedOwner(ref: OwnerReference): GraphNode | undefined {
    const info = resourceOfOwner(ref, [...this.informers.keys()]);
    if (!info) return undefined;
    const obj = this.informers.get(info)!.byIndex(BY_UID, ref.uid)[0];
    return obj ? { info, obj } : undefined;
  }
}

/** The reference from `dependent` to the owner with this uid, if any. */
export function referenceTo(dependent: KubeObject, ownerUid: string): OwnerReference | undefined {
  return (dependent.metadata.ownerReferences ?? []).find((r) => r.uid === ownerUid);
}
