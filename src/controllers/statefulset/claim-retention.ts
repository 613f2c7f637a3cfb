// persistentVolumeClaimRetentionPolicy, expressed as ownerReferences on the
// claims so the garbage collector does the deleting, as in Kubernetes:
//   whenDeleted: Delete  → the set controls the claim (gone with the set);
//   whenScaled:  Delete  → a condemned pod controls its claims (gone with the pod).
// A claim controlled by someone else, or holding a reference to an earlier
// set or pod of the same name, is left alone.
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { controllerRef } from '../common/owners.js';
import { inOrdinalRange } from './identity.js';
import { retentionPolicy, type StatefulSet } from './types.js';

function refersTo(ref: OwnerReference, obj: KubeObject, apiVersion: string, kind: string): boolean {
  return ref.apiVersion === apiVersion && ref.kind === kind && ref.name === obj.metadata.name;
}

function refersToSet(ref: OwnerReference, set: StatefulSet): boolean {
  return refersTo(ref, set, 'apps/v1', 'StatefulSet');
}

function refersToPod(ref: OwnerReference, pod: KubeObject): boolean {
  return refersTo(ref, pod, 'v1', 'Pod');
}

function refs(claim: KubeObject): OwnerReference[] {
  return claim.metadata.ownerReferences ?? [];
}

function hasOwner(claim: KubeObject, owner: KubeObject): boolean {
  return refs(claim).some((r) => r.uid === owner.metadata.uid);
}

/** A reference to an object of that kind and name but another uid: left by an earlier incarnation. */
export function hasStaleRef(claim: KubeObject, owner: KubeObject, kind: 'set' | 'pod'): boolean {
  const ref = refs(claim).find((r) => (kind === 'set' ? refersToSet(r, owner as StatefulSet) : refersToPod(r, owner)));
  return ref !== undefined && ref.uid !== owner.metadata.uid;
}

function isRetainRetain(set: StatefulSet): boolean {
  const policy = retentionPolicy(set);
  return policy.whenScaled === 'Retain' && policy.whenDeleted === 'Retain';
}

function hasUnexpectedController(claim: KubeObject, set: StatefulSet, pod: KubeObject): boolean {
  // With nothing to delete, another controller managing the claim is no concern.
  if (isRetainRetain(set)) return false;
  for (const ref of refs(claim)) {
    if (refersToSet(ref, set)) {
      if (ref.uid !== set.metadata.uid) return true;
      continue;
    }
    if (refersToPod(ref, pod)) {
      if (ref.uid !== pod.metadata.uid) return true;
      continue;
    }
    if (ref.controller) return true;
  }
  return false;
}

function hasNonControllerOwner(claim: KubeObject, set: StatefulSet, pod: KubeObject): boolean {
  return refs(claim).some((r) => (r.uid === set.metadata.uid || r.uid === pod.metadata.uid) && !r.controller);
}

/** Which of set and pod should own the claim of `pod` under the set's policy. */
function wantedOwners(set: StatefulSet, pod: KubeObject): { set: boolean; pod: boolean } {
  const policy = retentionPolicy(set);
  const scaledDown = !inOrdinalRange(set, pod);
  const scaleDeletes = policy.whenScaled === 'Delete' && scaledDown;
  return { pod: scaleDeletes, set: policy.whenDeleted === 'Delete' && !scaleDeletes };
}

/** isClaimOwnerUpToDate: whether the claim's references already express the policy. */
export function claimOwnersUpToDate(claim: KubeObject, set: StatefulSet, pod: KubeObject): boolean {
  if (hasStaleRef(claim, set, 'set') || hasStaleRef(claim, pod, 'pod')) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwner(claim, set) || hasOwner(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const wanted = wantedOwners(set, pod);
  return hasOwner(claim, set) === wanted.set && hasOwner(claim, pod) === wanted.pod;
}

/** updateClaimOwnerRefForSetAndPod: the claim's ownerReferences under the policy. */
export function claimOwnerRefs(claim: KubeObject, set: StatefulSet, pod: KubeObject): OwnerReference[] {
  const unexpectedController = hasUnexpectedController(claim, set, pod);
  const kept = refs(claim).filter((r) => !refersToSet(r, set) && !refersToPod(r, pod));
  if (unexpectedController) return kept;
  const wanted = wantedOwners(set, pod);
  if (wanted.set) kept.push(controllerRef(set));
  if (wanted.pod) kept.push(controllerRef({ ...pod, apiVersion: 'v1', kind: 'Pod' }));
  return kept;
}
