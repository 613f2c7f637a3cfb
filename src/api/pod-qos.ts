// A pod's QoS class, computed at creation as Kubernetes' qos.GetPodQOS does
// (simplified to cpu and memory, the two resources QoS considers).
import type { KubeObject } from './types.js';

interface Resources {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}

interface ContainerLike {
  resources?: Resources;
}

const QOS_RESOURCES = ['cpu', 'memory'];

export function podQosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = (pod.spec ?? {}) as { containers?: ContainerLike[]; initContainers?: ContainerLike[] };
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    for (const name of QOS_RESOURCES) {
      const req = requests[name];
      const lim = limits[name];
      if (req !== undefined || lim !== undefined) anySet = true;
      if (lim === undefined) guaranteed = false;
      // A request defaults to its limit; a differing explicit request breaks Guaranteed.
      else if (req !== undefined && String(req) !== String(lim)) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
