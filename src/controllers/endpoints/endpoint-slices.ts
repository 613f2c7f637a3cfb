// EndpointSlices for a Service, as Kubernetes' endpointslice reconciler:
// one endpoint per selected pod (terminating ones included, with
// conditions ready/serving/terminating), grouped into slices by the ports
// they serve, at most MAX_ENDPOINTS_PER_SLICE per slice. The plan keeps
// endpoints in the slices they are already in, fills free room before
// creating slices, and writes only slices whose content changes; a Service
// with no endpoints keeps one empty placeholder slice.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/types.js';
import { isPodReady } from '../common/pods.js';
import { hostnameFor, podIPv4, podSpec, resolvePorts, serviceSpec, shouldPodBeInEndpoints, type ResolvedPort } from './service-pods.js';

export const MAX_ENDPOINTS_PER_SLICE = 100;
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const ADDRESS_TYPE = 'IPv4';

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
  nodeName?: string;
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** Desired endpoints sharing one port list. */
export interface PortGroup {
  ports: SlicePort[];
  /** By pod uid. */
  endpoints: Map<string, SliceEndpoint>;
}

function slicePort(port: ResolvedPort): SlicePort {
  const out: SlicePort = { name: port.name, port: port.port, protocol: port.protocol };
  if (port.appProtocol) out.appProtocol = port.appProtocol;
  return out;
}

function sliceEndpoint(pod: KubeObject, svc: KubeObject, ip: string): SliceEndpoint {
  const publishNotReady = serviceSpec(svc).publishNotReadyAddresses === true;
  const serving = isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  // A terminating endpoint is never "ready", unless the Service publishes not-ready addresses.
  const ready = publishNotReady || (serving && !terminating);
  const endpoint: SliceEndpoint = {
    addresses: [ip],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
  };
  const hostname = hostnameFor(pod, svc);
  if (hostname) endpoint.hostname = hostname;
  const nodeName = podSpec(pod).nodeName;
  if (nodeName) endpoint.nodeName = nodeName;
  return endpoint;
}

export function portsKey(ports: SlicePort[] | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => [p.name ?? '', p.port, p.protocol ?? 'TCP', p.appProtocol ?? '']).sort());
}

export function desiredPortGroups(svc: KubeObject, pods: KubeObject[]): Map<string, PortGroup> {
  const groups = new Map<string, PortGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    // A pod serving none of the Service's ports is still listed (as Kubernetes does), in a slice without ports.
    const ports = resolvePorts(svc, pod).map(slicePort);
    const key = portsKey(ports);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ports, endpoints: new Map() }));
    group.endpoints.set(pod.metadata.uid!, sliceEndpoint(pod, svc, ip));
  }
  return groups;
}

export interface SlicePlan {
  /** New slices: ports and endpoints (an empty pair is the placeholder). */
  toCreate: { ports: SlicePort[]; endpoints: SliceEndpoint[] }[];
  /** Existing slices with new endpoints. */
  toUpdate: { slice: KubeObject; endpoints: SliceEndpoint[] }[];
  toDelete: KubeObject[];
}

function endpointsOf(slice: KubeObject): SliceEndpoint[] {
  return (slice.endpoints as SliceEndpoint[] | null | undefined) ?? [];
}

function portsOf(slice: KubeObject): SlicePort[] {
  return (slice.ports as SlicePort[] | null | undefined) ?? [];
}

/**
 * What to create, update and delete so that `existing` (this Service's slices,
 * already filtered to those it owns with our address type) carries `desired`.
 */
export function planSlices(existing: KubeObject[], desired: Map<string, PortGroup>): SlicePlan {
  const plan: SlicePlan = { toCreate: [], toUpdate: [], toDelete: [] };
  const byPorts = new Map<string, KubeObject[]>();
  for (const slice of [...existing].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!))) {
    const key = portsKey(portsOf(slice));
    if (!desired.has(key)) plan.toDelete.push(slice);
    else byPorts.set(key, [...(byPorts.get(key) ?? []), slice]);
  }
  for (const [key, group] of desired) {
    const unplaced = new Map(group.endpoints);
    const kept: { slice: KubeObject; endpoints: SliceEndpoint[] }[] = [];
    // Endpoints stay in the slice they are in, updated to their desired state.
    for (const slice of byPorts.get(key) ?? []) {
      const endpoints: SliceEndpoint[] = [];
      for (const current of endpointsOf(slice)) {
        const uid = current.targetRef?.uid;
        const wanted = uid !== undefined ? unplaced.get(uid) : undefined;
        if (!wanted || endpoints.length >= MAX_ENDPOINTS_PER_SLICE) continue;
        endpoints.push(wanted);
        unplaced.delete(uid!);
      }
      kept.push({ slice, endpoints });
    }
    // New endpoints fill free room first, then new slices.
    const rest = [...unplaced.values()];
    for (const entry of kept) {
      while (rest.length > 0 && entry.endpoints.length < MAX_ENDPOINTS_PER_SLICE) entry.endpoints.push(rest.shift()!);
    }
    for (const entry of kept) {
      if (entry.endpoints.length === 0) plan.toDelete.push(entry.slice);
      else if (!isDeepStrictEqual(entry.endpoints, endpointsOf(entry.slice))) plan.toUpdate.push(entry);
    }
    for (let i = 0; i < rest.length; i += MAX_ENDPOINTS_PER_SLICE) plan.toCreate.push({ ports: group.ports, endpoints: rest.slice(i, i + MAX_ENDPOINTS_PER_SLICE) });
  }
  // No endpoints at all: one empty slice stands for the Service (reusing an existing empty one).
  const remaining = existing.length - plan.toDelete.length + plan.toCreate.length;
  if (remaining === 0) {
    const placeholder = plan.toDelete.findIndex((s) => endpointsOf(s).length === 0 && portsOf(s).length === 0);
    if (placeholder >= 0) plan.toDelete.splice(placeholder, 1);
    else plan.toCreate.push({ ports: [], endpoints: [] });
  }
  return plan;
}

export function isManagedSliceFor(slice: KubeObject, svc: KubeObject): boolean {
  return (
    slice.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME &&
    (slice.metadata.ownerReferences ?? []).some((r) => r.uid === svc.metadata.uid && r.controller === true) &&
    slice.addressType === ADDRESS_TYPE
  );
}

export const SLICE_ADDRESS_TYPE = ADDRESS_TYPE;
