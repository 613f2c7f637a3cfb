// ControllerRevisions, as Kubernetes' pkg/controller/history: immutable
// snapshots of a workload's pod template that StatefulSets and DaemonSets
// (and `kubectl rollout history/undo`) use to tell old pods from new and to
// roll back. A revision's data is a strategic merge patch that puts the
// snapshotted template back: {"spec":{"template":{…,"$patch":"replace"}}}.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/types.js';
import { computeHash } from '../common/hash.js';
import { controllerRef } from '../common/owners.js';
import type { PodTemplate } from '../common/pods.js';

/** The label holding a revision's hash (history.ControllerRevisionHashLabel). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** Revision names are `<parent>-<hash>`, the prefix cut so the name stays a valid DNS subdomain. */
const MAX_PREFIX_LENGTH = 223;

export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision?: number;
}

/** A workload with a pod template: what revisions snapshot. */
export interface TemplatedWorkload extends KubeObject {
  spec?: { template?: PodTemplate };
}

export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, MAX_PREFIX_LENGTH)}-${hash}`;
}

/** The patch that restores `workload`'s pod template (getPatch in both controllers). */
export function templatePatch(workload: TemplatedWorkload): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...structuredClone(workload.spec?.template ?? {}), $patch: 'replace' } } };
}

/** The pod template a revision holds (ApplyRevision, for patches made by templatePatch). */
export function templateOfRevision(revision: ControllerRevision): Record<string, unknown> {
  const template = structuredClone((revision.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {});
  delete template.$patch;
  return template;
}

/** HashControllerRevision: the hash of a revision's data, salted with the collision count. */
export function hashRevisionData(data: unknown, collisionCount: number): string {
  return computeHash(data, collisionCount);
}

/**
 * NewControllerRevision: a revision of `parent` owned by it, labelled with the
 * template's labels (so the parent's selector finds it) and the hash.
 */
export function newControllerRevision(parent: TemplatedWorkload, data: unknown, revision: number, collisionCount: number): ControllerRevision {
  const hash = hashRevisionData(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata.name!, hash),
      namespace: parent.metadata.namespace,
      labels: { ...(parent.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [controllerRef(parent)],
    },
    data,
    revision,
  };
}

/** EqualRevision: same hash label (when both have one) and the same data. */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  const hashA = a.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const hashB = b.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (hashA !== undefined && hashB !== undefined && hashA !== hashB) return false;
  return isDeepStrictEqual(a.data, b.data);
}

/** FindEqualRevisions: the revisions with the same data as `needle`, in the order given. */
export function findEqualRevisions(revisions: ControllerRevision[], needle: ControllerRevision): ControllerRevision[] {
  return revisions.filter((r) => isDeepStrictEqual(r.data, needle.data));
}

/** SortControllerRevisions: by revision number, then creation time, then name. */
export function sortRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) =>
    (a.revision ?? 0) - (b.revision ?? 0)
    || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')
    || a.metadata.name!.localeCompare(b.metadata.name!));
}

/** The largest revision number among `revisions`, 0 for none. */
export function maxRevision(revisions: ControllerRevision[]): number {
  return revisions.reduce((max, r) => Math.max(max, r.revision ?? 0), 0);
}
