// A DaemonSet's ControllerRevisions (constructHistory, snapshot,
// cleanupHistory). Unlike a StatefulSet's, a DaemonSet revision is named by
// the hash of the template itself, and that hash is the pods'
// controller-revision-hash label.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isAlreadyExists, type ApiClient } from '../../client/api-client.js';
import { computeHash } from '../common/hash.js';
import { controllerRef } from '../common/owners.js';
import { controllerRevisionName, maxRevision, sortRevisions, templatePatch, type ControllerRevision } from '../history/controller-revision.js';
import type { RevisionHistory } from '../history/revision-history.js';
import { REVISION_HASH_LABEL } from './daemon-pods.js';
import type { DaemonSet } from './types.js';

export interface DaemonHistory {
  current: ControllerRevision;
  old: ControllerRevision[];
  /** The current revision's hash: new pods get it as their controller-revision-hash. */
  hash: string;
}

/** Match: the revision holds exactly this DaemonSet's template. */
function holdsTemplateOf(revision: ControllerRevision, ds: DaemonSet): boolean {
  return isDeepStrictEqual(revision.data, templatePatch(ds));
}

export class HashCollisionError extends Error {}

export class DaemonSetHistory {
  constructor(
    private readonly client: ApiClient,
    private readonly history: RevisionHistory,
  ) {}

  /**
   * Sorts the DaemonSet's revisions into the one matching its template
   * (created if missing, renumbered to the top if older ones outrank it)
   * and the rest.
   */
  async construct(ds: DaemonSet): Promise<DaemonHistory> {
    const revisions = await this.history.listOwned(ds, RESOURCES.daemonsets, ds.spec.selector);
    const matching: ControllerRevision[] = [];
    const old: ControllerRevision[] = [];
    for (let revision of revisions) {
      // Revisions from before the hash label was used carry their name as the hash.
      if (revision.metadata.labels?.[REVISION_HASH_LABEL] === undefined) revision = await this.labelWithName(revision);
      (holdsTemplateOf(revision, ds) ? matching : old).push(revision);
    }
    const next = maxRevision(old) + 1;
    let current: ControllerRevision;
    if (matching.length === 0) {
      current = await this.snapshot(ds, next);
    } else {
      current = await this.dedup(matching);
      if ((current.revision ?? 0) < next) current = await this.history.renumber(current, next);
    }
    return { current, old, hash: current.metadata.labels?.[REVISION_HASH_LABEL] ?? '' };
  }

  private async labelWithName(revision: ControllerRevision): Promise<ControllerRevision> {
    return (await this.client.patch(RESOURCES.controllerrevisions, revision.metadata.namespace, revision.metadata.name!, 'application/merge-patch+json', {
      metadata: { labels: { [REVISION_HASH_LABEL]: revision.metadata.name } },
    })) as ControllerRevision;
  }

  /** dedupCurHistories: keeps the highest-numbered equal revision, deleting the others. */
  private async dedup(matching: ControllerRevision[]): Promise<ControllerRevision> {
    const sorted = sortRevisions(matching);
    const keep = sorted.at(-1)!;
    for (const duplicate of sorted.slice(0, -1)) await this.history.delete(duplicate);
    return keep;
  }

  /**
   * Creates the revision for the DaemonSet's template. A name taken by a
   * different template is a hash collision: bump status.collisionCount (so
   * the next pass hashes differently) and fail this pass.
   */
  private async snapshot(ds: DaemonSet, number: number): Promise<ControllerRevision> {
    const hash = computeHash(ds.spec.template ?? {}, ds.status?.collisionCount);
    const revision: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: controllerRevisionName(ds.metadata.name!, hash),
        namespace: ds.metadata.namespace,
        labels: { ...(ds.spec.template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
        ...(ds.metadata.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
        ownerReferences: [controllerRef(ds)],
      },
      data: templatePatch(ds),
      revision: number,
    };
    try {
      return (await this.client.create(RESOURCES.controllerrevisions, ds.metadata.namespace, revision)) as ControllerRevision;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = (await this.client.get(RESOURCES.controllerrevisions, ds.metadata.namespace, revision.metadata.name!)) as ControllerRevision;
    if (holdsTemplateOf(existing, ds)) return existing;
    const fresh = (await this.client.get(RESOURCES.daemonsets, ds.metadata.namespace, ds.metadata.name!)) as DaemonSet;
    const seen = ds.status?.collisionCount ?? 0;
    if ((fresh.status?.collisionCount ?? 0) === seen) {
      await this.client.patch(RESOURCES.daemonsets, ds.metadata.namespace, ds.metadata.name!, 'application/merge-patch+json', { status: { collisionCount: seen + 1 } }, 'status');
    }
    throw new HashCollisionError(`hash collision for DaemonSet ${ds.metadata.name}: revision ${revision.metadata.name} holds another template`);
  }

  /** cleanupHistory: deletes the oldest old revisions no pod uses, keeping revisionHistoryLimit. */
  async cleanup(ds: DaemonSet, old: ControllerRevision[], pods: KubeObject[]): Promise<void> {
    const limit = ds.spec.revisionHistoryLimit ?? 10;
    let excess = old.length - limit;
    if (excess <= 0) return;
    const liveHashes = new Set<string | undefined>(pods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL]));
    for (const revision of sortRevisions(old)) {
      if (excess <= 0) break;
      const hash = revision.metadata.labels?.[REVISION_HASH_LABEL];
      if (hash !== undefined && liveHashes.has(hash)) continue;
      await this.history.delete(revision);
      excess--;
    }
  }
}
