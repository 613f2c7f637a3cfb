// The annotations a Deployment keeps on its ReplicaSets (deploymentutil):
// the rollout revision (and the revisions an RS held before a rollback
// reused it), the deployment's desired and maximum replicas when the RS was
// last scaled (read by proportional scaling), and the Deployment's own
// annotations, copied so `kubectl rollout history` shows change causes.
import type { KubeObject } from '../../api/types.js';
import type { ReplicaSet } from '../replicaset/replicaset-types.js';
import type { Deployment } from './deployment-types.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
const ROLLBACK_TO_ANNOTATION = 'deprecated.deployment.rollback.to';
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Deployment annotations that describe the Deployment itself, never copied to its ReplicaSets. */
const NOT_COPIED = new Set([LAST_APPLIED_ANNOTATION, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, ROLLBACK_TO_ANNOTATION]);

/** Kubernetes caps revision-history at this many characters. */
const MAX_REVISION_HISTORY_CHARS = 2000;

/** The object's revision; 0 when it has none (or one that isn't a number). */
export function revisionOf(obj: KubeObject): number {
  const text = obj.metadata.annotations?.[REVISION_ANNOTATION];
  const value = text === undefined ? 0 : Number(text);
  return Number.isInteger(value) ? value : 0;
}

export function maxRevision(replicaSets: ReplicaSet[]): number {
  return replicaSets.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const text = rs.metadata.annotations?.[key];
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isInteger(value) ? value : undefined;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = rs.metadata.annotations ?? {};
  return annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || annotations[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** Sets desired-replicas and max-replicas on `rs` (a copy); true if they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  rs.metadata.annotations = { ...rs.metadata.annotations, [DESIRED_REPLICAS_ANNOTATION]: String(desired), [MAX_REPLICAS_ANNOTATION]: String(max) };
  return true;
}

function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  const annotations = { ...rs.metadata.annotations };
  for (const [key, value] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  if (changed) rs.metadata.annotations = annotations;
  return changed;
}

/** Appends the revision an RS held before being reused to its revision-history, within the length cap. */
function appendRevisionHistory(rs: ReplicaSet, oldRevision: string): void {
  const annotations = rs.metadata.annotations!;
  const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
  if (history === '') {
    annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
    return;
  }
  const revisions = history.split(',');
  let totalLength = history.length + oldRevision.length + 1;
  let start = 0;
  while (totalLength > MAX_REVISION_HISTORY_CHARS && start < revisions.length) totalLength -= revisions[start++]!.length + 1;
  if (totalLength <= MAX_REVISION_HISTORY_CHARS) annotations[REVISION_HISTORY_ANNOTATION] = [...revisions.slice(start), oldRevision].join(',');
}

/**
 * SetNewReplicaSetAnnotations: brings the new ReplicaSet (a copy) up to the
 * Deployment's annotations and `newRevision`; a newly built one also gets the
 * replicas annotations. True if anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean, maxSurge: number): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  rs.metadata.annotations = { ...rs.metadata.annotations };
  const oldRevisionText = rs.metadata.annotations[REVISION_ANNOTATION];
  const oldRevision = oldRevisionText === undefined ? 0 : Number(oldRevisionText);
  if (!Number.isInteger(oldRevision)) return false;
  if (oldRevision < newRevision) {
    rs.metadata.annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    // An RS that already had a revision is being rolled back to: remember what it was.
    if (oldRevisionText !== undefined) appendRevisionHistory(rs, oldRevisionText);
  }
  const replicas = d.spec.replicas ?? 1;
  if (!exists && setReplicasAnnotations(rs, replicas, replicas + maxSurge)) changed = true;
  return changed;
}
