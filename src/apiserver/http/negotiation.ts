// Content negotiation on Accept, as kube-apiserver understands it: plain
// JSON or YAML, server-side Tables, partial object metadata, and the
// aggregated discovery document.

export type ResponseShape =
  | { as: 'object'; format: 'json' | 'yaml' }
  | { as: 'Table' }
  | { as: 'PartialObjectMetadata' }
  | { as: 'APIGroupDiscoveryList' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [];
  return accept.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const parsed: Record<string, string> = {};
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq > 0) parsed[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
    return { type: (type ?? '').toLowerCase(), params: parsed };
  });
}

/** Picks the first Accept range the server can produce, in the client's order. */
export function negotiate(accept: string | undefined): ResponseShape {
  for (const range of parseAccept(accept)) {
    const { type, params } = range;
    if (type !== 'application/json' && type !== 'application/yaml' && type !== '*/*' && type !== 'application/*') continue;
    if (params.as === 'Table' && params.g === 'meta.k8s.io' && (params.v === 'v1' || params.v === 'v1beta1')) return { as: 'Table' };
    if ((params.as === 'PartialObjectMetadata' || params.as === 'PartialObjectMetadataList') && params.g === 'meta.k8s.io') {
      return { as: 'PartialObjectMetadata' };
    }
    if (params.as === 'APIGroupDiscoveryList' && params.g === 'apidiscovery.k8s.io' && params.v === 'v2') return { as: 'APIGroupDiscoveryList' };
    if (params.as) continue;
    return { as: 'object', format: type === 'application/yaml' ? 'yaml' : 'json' };
  }
  return { as: 'object', format: 'json' };
}
