// What the Endpoints and EndpointSlice controllers share: which pods a
// Service selects, which of them belong in its endpoints, the address and
// ports each contributes (targetPort resolved per pod), and which Services
// a pod change concerns.
import type { KubeObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { isPodReady, podPhase } from '../common/pods.js';

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface ServiceSpec {
  type?: string;
  selector?: Record<string, string>;
  ports?: ServicePort[];
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
}

interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

interface PodSpec {
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
  containers?: { ports?: ContainerPort[] }[];
  initContainers?: { ports?: ContainerPort[]; restartPolicy?: string }[];
}

interface PodStatus {
  podIP?: string;
  podIPs?: { ip: string }[];
}

/** A port an endpoint serves, resolved for one pod. */
export interface ResolvedPort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export function serviceSpec(svc: KubeObject): ServiceSpec {
  return (svc.spec ?? {}) as ServiceSpec;
}

export function podSpec(pod: KubeObject): PodSpec {
  return (pod.spec ?? {}) as PodSpec;
}

/**
 * The selector these controllers act on, or undefined for a Service they must
 * leave alone: no selector (its endpoints are managed by hand, like
 * default/kubernetes), or ExternalName.
 */
export function managedSelector(svc: KubeObject): Record<string, string> | undefined {
  const spec = serviceSpec(svc);
  if (spec.type === 'ExternalName' || !spec.selector || Object.keys(spec.selector).length === 0) return undefined;
  return spec.selector;
}

export function isHeadless(svc: KubeObject): boolean {
  return serviceSpec(svc).clusterIP === 'None';
}

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function selectedPods(pods: Informer, svc: KubeObject, selector: Record<string, string>): KubeObject[] {
  return pods.list(svc.metadata.namespace).filter((pod) => selects(selector, pod.metadata.labels));
}

/** Services in the pod's namespace whose selector matches any of these label sets (a pod's old and new labels). */
export function servicesSelecting(services: Informer, namespace: string, labelSets: (Record<string, string> | undefined)[]): KubeObject[] {
  return services.list(namespace).filter((svc) => {
    const selector = managedSelector(svc);
    return selector !== undefined && labelSets.some((labels) => selects(selector, labels));
  });
}

/** The pod's IPv4 address (the address family these controllers serve). */
export function podIPv4(pod: KubeObject): string | undefined {
  const status = (pod.status ?? {}) as PodStatus;
  const candidates = [...(status.podIPs ?? []).map((p) => p.ip), ...(status.podIP ? [status.podIP] : [])];
  return candidates.find((ip) => ip && !ip.includes(':'));
}

/**
 * Whether a pod belongs in endpoints at all (endpointsliceutil.ShouldPodBeInEndpoints):
 * not finished, has an IP, and (unless terminating ones are wanted) not being deleted.
 */
export function shouldPodBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  const phase = podPhase(pod);
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const status = (pod.status ?? {}) as PodStatus;
  if (!status.podIP && !(status.podIPs ?? []).length) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** A pod answers by hostname when it names this Service as its subdomain. */
export function hostnameFor(pod: KubeObject, svc: KubeObject): string | undefined {
  const spec = podSpec(pod);
  if (!spec.hostname || spec.subdomain !== svc.metadata.name || pod.metadata.namespace !== svc.metadata.namespace) return undefined;
  return spec.hostname;
}

/** targetPort for this pod: a number as is, a name looked up among its containers' ports (and sidecars'), as podutil.FindPort. */
export function findPort(pod: KubeObject, servicePort: ServicePort): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  const spec = podSpec(pod);
  const sidecars = (spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  for (const container of [...(spec.containers ?? []), ...sidecars]) {
    for (const port of container.ports ?? []) {
      if (port.name === target && (port.protocol ?? 'TCP') === protocol) return port.containerPort;
    }
  }
  return undefined;
}

/** The Service's ports as this pod serves them; ports the pod can't resolve are left out. */
export function resolvePorts(svc: KubeObject, pod: KubeObject): ResolvedPort[] {
  const out: ResolvedPort[] = [];
  for (const servicePort of serviceSpec(svc).ports ?? []) {
    const port = findPort(pod, servicePort);
    if (port === undefined) continue;
    const resolved: ResolvedPort = { name: servicePort.name ?? '', port, protocol: servicePort.protocol ?? 'TCP' };
    if (servicePort.appProtocol) resolved.appProtocol = servicePort.appProtocol;
    out.push(resolved);
  }
  return out;
}

/** The part of a pod the endpoints depend on: a pod update that leaves it equal changes nothing. */
export function endpointRelevantState(pod: KubeObject): string {
  const spec = podSpec(pod);
  return JSON.stringify([
    pod.metadata.labels, pod.metadata.deletionTimestamp, podPhase(pod), isPodReady(pod), (pod.status as PodStatus | undefined)?.podIP,
    (pod.status as PodStatus | undefined)?.podIPs, spec.nodeName, spec.hostname, spec.subdomain, spec.containers?.map((c) => c.ports),
    spec.initContainers?.map((c) => [c.ports, c.restartPolicy]),
  ]);
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** The labels derived objects carry: the Service's own, plus the headless marker when it has no cluster IP. */
export function labelsFromService(svc: KubeObject): Record<string, string> {
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}
