// Questions a Deployment asks of its ReplicaSets (deploymentutil): which one
// runs the current template, which are old, how many replicas they hold
// together, and how far a new ReplicaSet may grow.
import { isDeepStrictEqual } from 'node:util';
import type { PodTemplate } from '../common/pods.js';
import { specReplicas, type ReplicaSet } from '../replicaset/replicaset-types.js';
import { deploymentReplicas, isRollingUpdate, type Deployment } from './deployment-types.js';
import { maxSurge } from './fenceposts.js';
import { desiredReplicasAnnotation, revisionOf } from './replica-set-annotations.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Drops what Go's semantic equality treats as unset: null, empty maps and empty lists. */
function withoutEmpties(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(withoutEmpties);
  if (value === null || typeof value !== 'object') return value ?? undefined;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const kept = withoutEmpties(child);
    if (kept !== undefined) out[key] = kept;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function withoutHashLabel(template: PodTemplate | undefined): unknown {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return withoutEmpties(copy);
}

/** EqualIgnoreHash: the same pod template, apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return isDeepStrictEqual(withoutHashLabel(a), withoutHashLabel(b));
}

/** Oldest first; names break ties so the order is stable. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const at = a.metadata.creationTimestamp ?? '';
  const bt = b.metadata.creationTimestamp ?? '';
  if (at !== bt) return at < bt ? -1 : 1;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/** Lowest revision first, then oldest (cleanup deletes from the front). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return revisionOf(a) - revisionOf(b) || byCreation(a, b);
}

/** The oldest ReplicaSet whose template is the Deployment's (there may be duplicates from races). */
export function findNewReplicaSet(d: Deployment, replicaSets: ReplicaSet[]): ReplicaSet | undefined {
  return [...replicaSets].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

export function activeReplicaSets(replicaSets: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return replicaSets.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

function sum(replicaSets: (ReplicaSet | undefined)[], count: (rs: ReplicaSet) => number | undefined): number {
  return replicaSets.reduce((total, rs) => total + (rs ? count(rs) ?? 0 : 0), 0);
}

/** Σ spec.replicas: the pods the sets are asked to run. */
export const specReplicaCount = (rss: (ReplicaSet | undefined)[]): number => sum(rss, specReplicas);
/** Σ status.replicas: the active pods they have. */
export const actualReplicaCount = (rss: (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.replicas);
export const readyReplicaCount = (rss: (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.readyReplicas);
export const availableReplicaCount = (rss: (ReplicaSet | undefined)[]): number => sum(rss, (rs) => rs.status?.availableReplicas);

/**
 * FindActiveOrLatest: with at most one active set, the one to scale to the
 * full count (the active one, else the newest); undefined when several hold pods.
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** IsSaturated: the new set runs the full desired count, all of it available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const replicas = deploymentReplicas(d);
  return desiredReplicasAnnotation(rs) === replicas && specReplicas(rs) === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** NewRSNewReplicas: how large the new set may be now (RollingUpdate: within maxSurge; Recreate: all of it). */
export function newReplicaSetReplicas(d: Deployment, allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const current = specReplicaCount(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}
