// The API side of ControllerRevisions (history.Interface): the revisions a
// parent controls (adopting orphans its selector matches), and creating,
// renumbering and deleting them.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/types.js';
import type { LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';
import { RESOURCES, isAlreadyExists, isNotFound, type ApiClient, type ResourceRef } from '../../client/api-client.js';
import { byControllerUid, type Informer } from '../../client/informer.js';
import { claimObjects } from '../common/adoption.js';
import { controllerOf, selectorMatches } from '../common/owners.js';
import { CONTROLLER_REVISION_HASH_LABEL, controllerRevisionName, hashRevisionData, sortRevisions, type ControllerRevision } from './controller-revision.js';

export const REVISIONS_BY_CONTROLLER = 'byControllerUid';

export class RevisionHistory {
  constructor(
    private readonly client: ApiClient,
    /** The shared controllerrevisions informer, indexed by REVISIONS_BY_CONTROLLER. */
    private readonly informer: Informer,
  ) {}

  /** Registers the index this class reads; call before the informers start. */
  static indexInformer(informer: Informer): void {
    informer.addIndex(REVISIONS_BY_CONTROLLER, byControllerUid);
  }

  /** ListControllerRevisions + claim: the parent's revisions, sorted oldest first. */
  async listOwned(parent: KubeObject, parentRef: ResourceRef, selector: LabelSelectorSpec | undefined): Promise<ControllerRevision[]> {
    const namespace = parent.metadata.namespace;
    const candidates = new Map<string, KubeObject>();
    for (const r of this.informer.byIndex(REVISIONS_BY_CONTROLLER, parent.metadata.uid!)) candidates.set(r.metadata.uid!, r);
    for (const r of this.informer.list(namespace)) {
      if (!controllerOf(r) && selectorMatches(selector, r.metadata.labels)) candidates.set(r.metadata.uid!, r);
    }
    const claimed = await claimObjects(this.client, { ref: RESOURCES.controllerrevisions, ownerRef: parentRef, owner: parent, selector, candidates: [...candidates.values()] });
    return sortRevisions(claimed as ControllerRevision[]);
  }

  /**
   * CreateControllerRevision: creates `revision` under a name hashed from its
   * data and the collision count. A name taken by a revision with other data
   * is a hash collision: bump the count and try the next name. Returns the
   * revision (an existing equal one counts) and the count used.
   */
  async create(parent: KubeObject, revision: ControllerRevision, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    const namespace = parent.metadata.namespace;
    for (;;) {
      const hash = hashRevisionData(revision.data, collisionCount);
      const candidate = structuredClone(revision);
      candidate.metadata.name = controllerRevisionName(parent.metadata.name!, hash);
      candidate.metadata.labels = { ...(candidate.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash };
      try {
        return { revision: (await this.client.create(RESOURCES.controllerrevisions, namespace, candidate)) as ControllerRevision, collisionCount };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const existing = (await this.client.get(RESOURCES.controllerrevisions, namespace, candidate.metadata.name)) as ControllerRevision;
      if (isDeepStrictEqual(existing.data, candidate.data)) return { revision: existing, collisionCount };
      collisionCount++;
    }
  }

  /** UpdateControllerRevision: gives an existing revision a new number (a rollback to it). */
  async renumber(revision: ControllerRevision, number: number): Promise<ControllerRevision> {
    if (revision.revision === number) return revision;
    return (await this.client.patch(RESOURCES.controllerrevisions, revision.metadata.namespace, revision.metadata.name!, 'application/merge-patch+json', { revision: number })) as ControllerRevision;
  }

  async delete(revision: ControllerRevision): Promise<void> {
    try {
      await this.client.delete(RESOURCES.controllerrevisions, revision.metadata.namespace, revision.metadata.name!, { preconditions: { uid: revision.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

