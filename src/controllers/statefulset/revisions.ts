// A StatefulSet's current and update revisions (getStatefulSetRevisions),
// the set as each revision describes it (ApplyRevision), and pruning of
// history beyond revisionHistoryLimit (truncateHistory).
import type { KubeObject } from '../../api/types.js';
import {
  equalRevision, findEqualRevisions, newControllerRevision, templateOfRevision, templatePatch, type ControllerRevision,
} from '../history/controller-revision.js';
import type { RevisionHistory } from '../history/revision-history.js';
import { revisionOf } from './identity.js';
import type { StatefulSet } from './types.js';

export interface SetRevisions {
  current: ControllerRevision;
  update: ControllerRevision;
  collisionCount: number;
}

/** newRevision: a revision snapshotting the set's template, carrying its annotations (change-cause). */
function newRevision(set: StatefulSet, number: number, collisionCount: number): ControllerRevision {
  const revision = newControllerRevision(set, templatePatch(set), number, collisionCount);
  if (set.metadata.annotations) revision.metadata.annotations = { ...set.metadata.annotations };
  return revision;
}

/**
 * The update revision is the set's template: an identical latest revision is
 * reused, an identical older one is renumbered to the top (a rollback), and
 * otherwise a new one is created. The current revision is the one the
 * status names, or the update revision when there is none yet.
 */
export async function resolveRevisions(history: RevisionHistory, set: StatefulSet, revisions: ControllerRevision[]): Promise<SetRevisions> {
  let collisionCount = set.status?.collisionCount ?? 0;
  const next = (revisions.at(-1)?.revision ?? 0) + 1;
  const wanted = newRevision(set, next, collisionCount);
  const equal = findEqualRevisions(revisions, wanted);
  const latest = revisions.at(-1);
  let update: ControllerRevision;
  if (equal.length > 0 && latest && equalRevision(latest, equal.at(-1)!)) {
    update = latest;
  } else if (equal.length > 0) {
    update = await history.renumber(equal.at(-1)!, next);
  } else {
    ({ revision: update, collisionCount } = await history.create(set, wanted, collisionCount));
  }
  const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/** The set as `revision` describes it: the revision's template in place of the set's. */
export function setAtRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const copy = structuredClone(set);
  copy.spec.template = templateOfRevision(revision);
  return copy;
}

/** Deletes the oldest revisions no pod, nor the status, uses, keeping revisionHistoryLimit of them. */
export async function truncateHistory(history: RevisionHistory, set: StatefulSet, pods: KubeObject[], revisions: ControllerRevision[], live: ControllerRevision[]): Promise<void> {
  const inUse = new Set<string>(live.map((r) => r.metadata.name!));
  for (const pod of pods) {
    const revision = revisionOf(pod);
    if (revision) inUse.add(revision);
  }
  const unused = revisions.filter((r) => !inUse.has(r.metadata.name!));
  const limit = set.spec.revisionHistoryLimit ?? 10;
  for (const revision of unused.slice(0, Math.max(0, unused.length - limit))) await history.delete(revision);
}
