// The five conditions the namespace controller keeps on a Terminating
// namespace, with Kubernetes' types, reasons and messages
// (pkg/controller/namespace/deletion/status_condition_utils.go): each is
// either a failure (status True) or its "ok" variant (status False).

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  lastTransitionTime?: string;
  reason: string;
  message: string;
}

export const DISCOVERY_FAILURE = 'NamespaceDeletionDiscoveryFailure';
export const GROUP_VERSION_PARSING_FAILURE = 'NamespaceDeletionGroupVersionParsingFailure';
export const CONTENT_FAILURE = 'NamespaceDeletionContentFailure';
export const CONTENT_REMAINING = 'NamespaceContentRemaining';
export const FINALIZERS_REMAINING = 'NamespaceFinalizersRemaining';

const CONDITION_TYPES = [DISCOVERY_FAILURE, GROUP_VERSION_PARSING_FAILURE, CONTENT_FAILURE, CONTENT_REMAINING, FINALIZERS_REMAINING];

const OK: Record<string, { reason: string; message: string }> = {
  [DISCOVERY_FAILURE]: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  [GROUP_VERSION_PARSING_FAILURE]: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  [CONTENT_FAILURE]: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  [CONTENT_REMAINING]: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  [FINALIZERS_REMAINING]: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** What one deletion pass found: errors, and what is still there. */
export interface ContentTotals {
  /** Failures to list or delete, one message each. */
  errors: string[];
  /** Remaining objects per resource, keyed as Kubernetes prints a GroupVersionResource: "<resource>.<group>" ("pods." for core). */
  remainingByResource: Map<string, number>;
  /** Remaining objects per finalizer they carry. */
  remainingByFinalizer: Map<string, number>;
}

/** The failure conditions a pass calls for; the types not returned are ok. */
export function failureConditions(totals: ContentTotals): NamespaceCondition[] {
  const failures: NamespaceCondition[] = [];
  if (totals.errors.length > 0) {
    const messages = [...totals.errors].sort();
    failures.push({
      type: CONTENT_FAILURE, status: 'True', reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${messages.length} remaining: ${messages.join(', ')}`,
    });
  }
  const resources = describeCounts(totals.remainingByResource, (resource, n) => `${resource} has ${n} resource instances`);
  if (resources.length > 0) {
    failures.push({ type: CONTENT_REMAINING, status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${resources.join(', ')}` });
  }
  const finalizers = describeCounts(totals.remainingByFinalizer, (finalizer, n) => `${finalizer} in ${n} resource instances`);
  if (finalizers.length > 0) {
    failures.push({
      type: FINALIZERS_REMAINING, status: 'True', reason: 'SomeFinalizersRemain',
      message: `Some content in the namespace has finalizers remaining: ${finalizers.join(', ')}`,
    });
  }
  return failures;
}

function describeCounts(counts: Map<string, number>, describe: (key: string, n: number) => string): string[] {
  // Sorted, so that an unchanged state gives an unchanged message (and no write).
  return [...counts].filter(([, n]) => n > 0).map(([key, n]) => describe(key, n)).sort();
}

/**
 * The namespace's conditions after a pass: every controller-owned type set
 * to its failure or ok variant, other conditions kept. A condition's
 * lastTransitionTime moves only when it changes. `changed` says whether a
 * status write is needed.
 */
export function mergeConditions(current: NamespaceCondition[], failures: NamespaceCondition[], now: string): { conditions: NamespaceCondition[]; changed: boolean } {
  const conditions = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const desired = failures.find((c) => c.type === type) ?? { type, status: 'False' as const, ...OK[type]! };
    const existing = conditions.find((c) => c.type === type);
    if (!existing) {
      conditions.push({ ...desired, lastTransitionTime: now });
      changed = true;
    } else if (existing.status !== desired.status || existing.reason !== desired.reason || existing.message !== desired.message) {
      Object.assign(existing, desired, { lastTransitionTime: now });
      changed = true;
    }
  }
  return { conditions, changed };
}
