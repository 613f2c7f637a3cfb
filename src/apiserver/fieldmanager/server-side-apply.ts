// Server-side apply of one configuration (application/apply-patch+yaml):
// merge it into the live object by the schema, settle ownership (409 on
// conflicts unless forced), and drop what the applier stopped setting when
// nobody else owns it. Create-on-apply starts from an empty object.
import type { KubeObject } from '../../api/types.js';
import { ApiError } from '../errors.js';
import type { PatchMeta } from '../patch/patch-meta.js';
import { formatPath } from './field-set.js';
import { baseOwnership, encodeManagedFields, ownershipAfterApply, trackedView, type Conflict, type TrackedScope } from './managed-fields.js';
import { fieldSetOf, mergeApplied, removeFields, valueAt } from './typed-fields.js';

export interface ApplyOptions {
  manager: string;
  force: boolean;
  scope: TrackedScope;
  meta: PatchMeta | undefined;
  /** apiVersion the configuration speaks, recorded in the entry. */
  apiVersion: string;
  now: string;
}

export function applyConfiguration(live: KubeObject | undefined, applied: KubeObject, opts: ApplyOptions): KubeObject {
  const appliedView = trackedView(applied, opts.scope);
  const appliedSet = fieldSetOf(appliedView, opts.meta);
  const merged = (live ? mergeApplied(live, appliedView, undefined, opts.meta) : { ...structuredClone(applied) }) as KubeObject;
  merged.metadata ??= {};
  const owners = baseOwnership(undefined, live?.metadata.managedFields);
  let result = ownershipAfterApply(owners, live, merged, appliedSet, { ...opts, force: opts.force });
  if ('conflicts' in result && live && conflictsAllowedByLastApplied(live, result.conflicts, opts)) {
    result = ownershipAfterApply(owners, live, merged, appliedSet, { ...opts, force: true });
  }
  if ('conflicts' in result) throw applyConflict(result.conflicts);
  removeFields(merged, result.toRemove);
  const encoded = encodeManagedFields(result.owners);
  if (encoded) merged.metadata.managedFields = encoded;
  else delete merged.metadata.managedFields;
  return merged;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * kube-apiserver's lastAppliedManager: `kubectl apply --server-side` over an
 * object kubectl applied client-side may take the fields its
 * last-applied-configuration still describes (unchanged since), so moving
 * to server-side apply doesn't conflict with kubectl's own earlier applies.
 */
function conflictsAllowedByLastApplied(live: KubeObject, conflicts: Conflict[], opts: ApplyOptions): boolean {
  if (opts.manager !== 'kubectl') return false;
  const annotation = live.metadata.annotations?.[LAST_APPLIED];
  if (!annotation) return false;
  let lastApplied: KubeObject;
  try {
    lastApplied = JSON.parse(annotation) as KubeObject;
  } catch {
    return false;
  }
  if (lastApplied === null || typeof lastApplied !== 'object') return false;
  lastApplied.metadata ??= {};
  const lastView = trackedView(lastApplied, opts.scope);
  const liveView = trackedView(live, opts.scope);
  const lastSet = fieldSetOf(lastView, opts.meta);
  return conflicts.every((c) => lastSet.has(c.path) && JSON.stringify(valueAt(lastView, c.path)) === JSON.stringify(valueAt(liveView, c.path)));
}

function describeManager(conflict: Conflict): string {
  const owner = conflict.manager;
  let text = JSON.stringify(owner.manager);
  if (owner.subresource) text += ` with subresource ${JSON.stringify(owner.subresource)}`;
  if (owner.operation === 'Update') text += owner.time ? ` using ${owner.apiVersion} at ${owner.time}` : ` using ${owner.apiVersion}`;
  return text;
}

/** Kubernetes' apply conflict: 409 Conflict, one FieldManagerConflict cause per field. */
export function applyConflict(conflicts: Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(c)}`, field: formatPath(c.path) }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0]!)}: ${formatPath(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(describeManager(c), [...(byManager.get(describeManager(c)) ?? []), formatPath(c.path)]);
    const lines: string[] = [];
    for (const manager of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${manager}:`);
      for (const path of byManager.get(manager)!) lines.push(`- ${path}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}
