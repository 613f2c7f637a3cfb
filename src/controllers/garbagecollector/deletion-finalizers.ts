// The two finalizers the API server adds for a delete's propagationPolicy,
// and the garbage collector removes once it has done what they ask.
import type { KubeObject } from '../../api/types.js';

/** propagationPolicy=Foreground: delete the dependents first. */
export const FOREGROUND_DELETION = 'foregroundDeletion';
/** propagationPolicy=Orphan: release the dependents first. */
export const ORPHAN = 'orphan';

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/** Being deleted in the foreground: waits for its blocking dependents to go. */
export function isDeletingDependents(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && hasFinalizer(obj, FOREGROUND_DELETION);
}

/** Being deleted with propagationPolicy=Orphan: waits for its dependents to be released. */
export function isOrphaningDependents(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && hasFinalizer(obj, ORPHAN);
}
