// Store key layout: /registry/<group or "core">/<plural>/[<namespace>/]<name>.
// Every prefix a caller ranges over ends in "/" so that `default/` never
// matches `default2/`.
import type { ResourceInfo } from '../../api/resources.js';

export function resourcePrefix(info: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return `/registry/${info.group || 'core'}/${info.plural}/`;
}

export function namespacePrefix(info: ResourceInfo, namespace: string | undefined): string {
  return info.namespaced && namespace ? `${resourcePrefix(info)}${namespace}/` : resourcePrefix(info);
}

export function objectKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return info.namespaced ? `${resourcePrefix(info)}${namespace}/${name}` : `${resourcePrefix(info)}${name}`;
}
