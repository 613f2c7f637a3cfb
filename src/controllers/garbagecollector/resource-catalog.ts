// Which resources the garbage collector watches, and how an ownerReference
// (apiVersion + kind) maps to a resource to look the owner up in. Built from
// BUILTIN_RESOURCES so a new kind joins the graph without touching the GC.
import type { OwnerReference } from '../../api/types.js';
import { BUILTIN_RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { ResourceRef } from '../../client/api-client.js';

/** Events are never owners nor owned in practice; Kubernetes' GC ignores them too (DefaultIgnoredResources). */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);

export function resourceRef(info: ResourceInfo): ResourceRef {
  return { group: info.group, version: info.version, resource: info.plural };
}

export function resourceKey(ref: ResourceRef): string {
  return `${ref.group}/${ref.version}/${ref.resource}`;
}

/** Every built-in resource the GC can list, watch and delete. */
export function collectableResources(resources: ResourceInfo[] = BUILTIN_RESOURCES): ResourceInfo[] {
  return resources.filter(
    (r) => !IGNORED.has(`${r.group}/${r.plural}`) && r.verbs.includes('list') && r.verbs.includes('watch') && r.verbs.includes('delete'),
  );
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The resource an owner reference points at. The version in apiVersion is
 * ignored: every version of a group/kind is the same object.
 */
export function resourceOfOwner(ref: Pick<OwnerReference, 'apiVersion' | 'kind'>, resources: ResourceInfo[] = BUILTIN_RESOURCES): ResourceInfo | undefined {
  const group = groupOf(ref.apiVersion);
  return resources.find((r) => r.group === group && r.kind === ref.kind);
}
