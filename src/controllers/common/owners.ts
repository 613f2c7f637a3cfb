// Owner references: who controls an object, and claiming / releasing
// objects by selector, as Kubernetes' ControllerRefManager does.
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { matchesAll, requirementsFromLabelSelector, type LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';

/** The controller owner reference a controller puts on what it creates. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion!,
    kind: owner.kind!,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerOf(obj)?.uid === owner.metadata.uid;
}

/** Whether a LabelSelector matches labels; an empty selector matches everything, a missing one nothing. */
export function selectorMatches(selector: LabelSelectorSpec | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  return matchesAll(requirementsFromLabelSelector(selector), labels);
}

export interface ClaimResult {
  /** Objects this owner controls and that still match its selector. */
  owned: KubeObject[];
  /** Orphans matching the selector, to adopt (set our controllerRef). */
  toAdopt: KubeObject[];
  /** Objects we control that no longer match, to release (drop our controllerRef). */
  toRelease: KubeObject[];
}

/**
 * Sorts candidate objects into what the owner controls, may adopt and must
 * release. Nothing is adopted by an owner being deleted, and objects being
 * deleted are never adopted.
 */
export function classifyForClaim(owner: KubeObject, selector: LabelSelectorSpec | undefined, candidates: KubeObject[]): ClaimResult {
  const result: ClaimResult = { owned: [], toAdopt: [], toRelease: [] };
  for (const obj of candidates) {
    const ref = controllerOf(obj);
    const matches = selectorMatches(selector, obj.metadata.labels);
    if (ref) {
      if (ref.uid !== owner.metadata.uid) continue;
      if (matches) result.owned.push(obj);
      else if (!owner.metadata.deletionTimestamp) result.toRelease.push(obj);
      continue;
    }
    if (matches && !owner.metadata.deletionTimestamp && !obj.metadata.deletionTimestamp) result.toAdopt.push(obj);
  }
  return result;
}
