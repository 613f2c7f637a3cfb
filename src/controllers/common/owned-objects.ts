// Routing an owned object's events to the owner that should look at them,
// and gathering what an owner may claim, as Kubernetes' workload controllers
// do for their pods and ControllerRevisions.
import type { KubeObject } from '../../api/types.js';
import type { LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';
import type { Informer, InformerHandlers } from '../../client/informer.js';
import { controllerOf, selectorMatches } from './owners.js';

export interface OwnerLookup {
  /** The owner kind, as in ownerReferences (e.g. "StatefulSet"). */
  kind: string;
  owners: Informer;
  selectorOf(owner: KubeObject): LabelSelectorSpec | undefined;
}

/**
 * The owners to sync for an event on `obj`: its controller, if of our kind
 * and still the same object; for an orphan (not being deleted, and only if
 * `orphansAdoptable`), every owner whose selector matches it.
 */
export function ownersConcerned(lookup: OwnerLookup, obj: KubeObject, orphansAdoptable = true): KubeObject[] {
  const ref = controllerOf(obj);
  if (ref) {
    if (ref.kind !== lookup.kind) return [];
    const owner = lookup.owners.get(obj.metadata.namespace, ref.name);
    return owner && owner.metadata.uid === ref.uid ? [owner] : [];
  }
  if (!orphansAdoptable || obj.metadata.deletionTimestamp) return [];
  return lookup.owners.list(obj.metadata.namespace).filter((owner) => selectorMatches(lookup.selectorOf(owner), obj.metadata.labels));
}

/**
 * Informer handlers that pass the concerned owners of each event to
 * `enqueue`; an update that changes the controller or the labels concerns
 * the old owners too.
 */
export function ownedObjectHandlers(lookup: OwnerLookup, enqueue: (owner: KubeObject) => void, orphansAdoptable = true): InformerHandlers {
  const route = (obj: KubeObject) => {
    for (const owner of ownersConcerned(lookup, obj, orphansAdoptable)) enqueue(owner);
  };
  return {
    add: route,
    update: (old, obj) => {
      const labelsChanged = JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(obj.metadata.labels ?? {});
      if (labelsChanged || controllerOf(old)?.uid !== controllerOf(obj)?.uid) route(old);
      route(obj);
    },
    delete: route,
  };
}

/**
 * The objects `owner` may claim from an informer indexed by controller uid:
 * those it controls, and the orphans in its namespace `orphanFilter` accepts.
 */
export function claimCandidates(informer: Informer, controllerIndex: string, owner: KubeObject, orphanFilter: (obj: KubeObject) => boolean): KubeObject[] {
  const candidates = new Map<string, KubeObject>();
  for (const obj of informer.byIndex(controllerIndex, owner.metadata.uid!)) candidates.set(obj.metadata.uid!, obj);
  for (const obj of informer.list(owner.metadata.namespace)) {
    if (!controllerOf(obj) && orphanFilter(obj)) candidates.set(obj.metadata.uid!, obj);
  }
  return [...candidates.values()];
}
