// Downward API field paths (env fieldRef and downwardAPI volumes).
import type { KubeObject } from '../../api/types.js';

export function fieldPathValue(pod: KubeObject, fieldPath: string, podIp: string | undefined): string {
  const m = pod.metadata;
  const spec = pod.spec as { nodeName?: string; serviceAccountName?: string };
  const status = (pod.status ?? {}) as { podIP?: string; hostIP?: string };
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label) return m.labels?.[label[1]!] ?? '';
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(fieldPath);
  if (annotation) return m.annotations?.[annotation[1]!] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return m.name ?? '';
    case 'metadata.namespace': return m.namespace ?? '';
    case 'metadata.uid': return m.uid ?? '';
    case 'metadata.labels': return Object.entries(m.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations': return Object.entries(m.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName': return spec.nodeName ?? '';
    case 'spec.serviceAccountName': return spec.serviceAccountName ?? '';
    case 'status.podIP': case 'status.podIPs': return podIp ?? status.podIP ?? '';
    case 'status.hostIP': case 'status.hostIPs': return status.hostIP ?? '';
    default: return '';
  }
}
