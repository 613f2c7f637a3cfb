// Parses a request path into what it addresses, as k8s.io/apiserver's
// RequestInfoFactory does: /api/v1/... and /apis/<group>/<version>/..., with
// namespaces, names and subresources.

export interface ResourceRequest {
  kind: 'resource';
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  /** Extra path after the subresource (e.g. pod proxy paths). */
  rest: string[];
}

export interface DiscoveryRequest {
  kind: 'discovery';
  /** '' for /api, otherwise the path after /apis (possibly empty for /apis itself). */
  root: 'api' | 'apis';
  group?: string;
  version?: string;
}

export type RequestTarget = ResourceRequest | DiscoveryRequest | { kind: 'other'; path: string };

export function parseRequestPath(pathname: string): RequestTarget {
  const parts = pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] === 'api') {
    if (parts.length === 1) return { kind: 'discovery', root: 'api' };
    if (parts.length === 2) return { kind: 'discovery', root: 'api', group: '', version: parts[1] };
    return parseResourceParts('', parts[1]!, parts.slice(2), pathname);
  }
  if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'discovery', root: 'apis' };
    if (parts.length === 2) return { kind: 'discovery', root: 'apis', group: parts[1] };
    if (parts.length === 3) return { kind: 'discovery', root: 'apis', group: parts[1], version: parts[2] };
    return parseResourceParts(parts[1]!, parts[2]!, parts.slice(3), pathname);
  }
  return { kind: 'other', path: pathname };
}

function parseResourceParts(group: string, version: string, rest: string[], pathname: string): RequestTarget {
  // The legacy /watch/ prefix is the same as ?watch=true.
  let parts = rest;
  let legacyWatch = false;
  if (parts[0] === 'watch') {
    legacyWatch = true;
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  // /namespaces/{ns}/{resource}... but /namespaces/{name} and /namespaces/{name}/status address the Namespace itself.
  // /namespaces/{name}/status and /namespaces/{name}/finalize are subresources of the Namespace itself.
  const namespaceSubresource = parts[0] === 'namespaces' && parts.length === 3 && (parts[2] === 'status' || parts[2] === 'finalize');
  if (parts[0] === 'namespaces' && parts.length >= 3 && !namespaceSubresource) {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  if (parts.length === 0) return { kind: 'other', path: pathname };
  const req: ResourceRequest = {
    kind: 'resource',
    group,
    version,
    namespace,
    resource: parts[0]!,
    name: parts[1],
    subresource: parts[2],
    rest: parts.slice(3),
  };
  if (legacyWatch) req.subresource = req.subresource ?? undefined;
  return Object.assign(req, legacyWatch ? { legacyWatch: true } : {});
}
