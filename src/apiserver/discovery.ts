// Discovery documents: the legacy per-group lists (/api, /apis,
// /api/v1, /apis/<g>/<v>) and aggregated discovery (apidiscovery.k8s.io/v2),
// which kubectl asks for first. All are derived from the resource catalogue.
import { groupsOf, type ResourceInfo } from '../api/resources.js';

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  finalize: ['update'],
};

interface SubresourceEntry {
  name: string;
  responseKind: { group: string; version: string; kind: string };
  verbs: string[];
}

function subresourcesOf(r: ResourceInfo): SubresourceEntry[] {
  const own = { group: r.group, version: r.version, kind: r.kind };
  const subs: SubresourceEntry[] = [];
  if (r.kind === 'Namespace' && r.group === '') subs.push({ name: 'finalize', responseKind: own, verbs: SUBRESOURCE_VERBS.finalize! });
  if (r.kind === 'Pod' && r.group === '') subs.push({ name: 'binding', responseKind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] });
  if (r.kind === 'Pod' && r.group === '') subs.push({ name: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] });
  if (r.scale) subs.push({ name: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: SUBRESOURCE_VERBS.scale! });
  if (r.hasStatus) subs.push({ name: 'status', responseKind: own, verbs: SUBRESOURCE_VERBS.status! });
  return subs;
}

export class Discovery {
  constructor(private readonly resources: () => ResourceInfo[]) {}

  /** GET /api (unaggregated). */
  apiVersions(serverAddress: string): object {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  /** GET /apis (unaggregated). */
  apiGroupList(): object {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groupsOf(this.resources())
        .filter((g) => g.group !== '')
        .map((g) => this.apiGroup(g.group, g.versions)),
    };
  }

  private apiGroup(group: string, versions: string[]): object {
    const gvs = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
    return { name: group, versions: gvs, preferredVersion: gvs[0] };
  }

  /** GET /apis/<group>. */
  apiGroupDocument(group: string): object | undefined {
    const entry = groupsOf(this.resources()).find((g) => g.group === group && group !== '');
    if (!entry) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.apiGroup(entry.group, entry.versions) };
  }

  /** GET /api/v1 or /apis/<group>/<version>. */
  apiResourceList(group: string, version: string): object | undefined {
    const matching = this.resources().filter((r) => r.group === group && r.version === version);
    if (matching.length === 0) return undefined;
    const resources: object[] = [];
    for (const r of matching) {
      resources.push({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length ? { categories: r.categories } : {}),
        storageVersionHash: storageVersionHash(r),
      });
      for (const sub of subresourcesOf(r)) {
        resources.push({
          name: `${r.plural}/${sub.name}`,
          singularName: '',
          namespaced: r.namespaced,
          ...(sub.responseKind.group !== r.group ? { group: sub.responseKind.group, version: sub.responseKind.version } : {}),
          kind: sub.responseKind.kind,
          verbs: sub.verbs,
        });
      }
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    };
  }

  /** Aggregated discovery: /api holds the core group, /apis every other group. */
  aggregated(root: 'api' | 'apis'): object {
    const all = this.resources();
    const groups = groupsOf(all).filter((g) => (root === 'api' ? g.group === '' : g.group !== ''));
    return {
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: groups.map((g) => ({
        metadata: { name: g.group, creationTimestamp: null },
        versions: g.versions.map((version) => ({
          version,
          resources: all
            .filter((r) => r.group === g.group && r.version === version)
            .map((r) => ({
              resource: r.plural,
              responseKind: { group: r.group, version: r.version, kind: r.kind },
              scope: r.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: r.singular,
              verbs: r.verbs,
              ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
              ...(r.categories.length ? { categories: r.categories } : {}),
              ...(subresourcesOf(r).length
                ? {
                    subresources: subresourcesOf(r).map((s) => ({
                      subresource: s.name,
                      responseKind: s.responseKind,
                      verbs: s.verbs,
                    })),
                  }
                : {}),
            })),
          freshness: 'Current',
        })),
      })),
    };
  }
}

/** A stable short hash per resource, as clients use to notice storage changes. */
function storageVersionHash(r: ResourceInfo): string {
  let h = 2166136261;
  for (const ch of `${r.group}/${r.version}/${r.kind}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Buffer.from(h.toString(16).padStart(8, '0')).toString('base64').slice(0, 11);
}
