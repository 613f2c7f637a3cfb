// An Endpoints object's subsets for a Service, in the canonical packing of
// Kubernetes' endpoints.RepackSubsets: addresses that serve the same set of
// ports share a subset, ready ones under `addresses`, others under
// `notReadyAddresses`. Everything is sorted, so the same pods always give
// the same subsets and an unchanged state never causes a write.
// (Kubernetes orders ports and subsets by a hash of their Go structs; this
// orders them by their content instead: as stable, not byte-identical.)
import type { KubeObject } from '../../api/types.js';
import { isPodReady } from '../common/pods.js';
import { hostnameFor, isHeadless, podIPv4, podSpec, resolvePorts, serviceSpec, shouldPodBeInEndpoints, type ResolvedPort } from './service-pods.js';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

function endpointAddress(pod: KubeObject, svc: KubeObject, ip: string): EndpointAddress {
  const address: EndpointAddress = { ip, targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! } };
  const hostname = hostnameFor(pod, svc);
  if (hostname) address.hostname = hostname;
  const nodeName = podSpec(pod).nodeName;
  if (nodeName) address.nodeName = nodeName;
  return address;
}

function endpointPort(port: ResolvedPort): EndpointPort {
  const out: EndpointPort = { port: port.port, protocol: port.protocol };
  if (port.name) out.name = port.name;
  if (port.appProtocol) out.appProtocol = port.appProtocol;
  return out;
}

const addressKey = (a: EndpointAddress) => `${a.ip}|${a.targetRef.uid}`;
const compareAddresses = (a: EndpointAddress, b: EndpointAddress) => (a.ip === b.ip ? a.targetRef.uid.localeCompare(b.targetRef.uid) : a.ip.localeCompare(b.ip));
const portKey = (p: EndpointPort | undefined) => (p ? JSON.stringify([p.name ?? '', p.port, p.protocol, p.appProtocol ?? '']) : '');

export function desiredSubsets(svc: KubeObject, pods: KubeObject[]): EndpointSubset[] {
  const spec = serviceSpec(svc);
  const tolerateUnready = spec.publishNotReadyAddresses === true;
  const hasPorts = (spec.ports ?? []).length > 0;
  // For each port (or "no port", for a headless Service without ports): its addresses and whether each is ready.
  const byPort = new Map<string, { port: EndpointPort | undefined; addresses: Map<string, { address: EndpointAddress; ready: boolean }> }>();
  const add = (port: EndpointPort | undefined, address: EndpointAddress, ready: boolean) => {
    const key = portKey(port);
    let entry = byPort.get(key);
    if (!entry) byPort.set(key, (entry = { port, addresses: new Map() }));
    const seen = entry.addresses.get(addressKey(address));
    // An address ready under any listing of the same port counts as ready.
    if (!seen || !seen.ready) entry.addresses.set(addressKey(address), { address, ready });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    const address = endpointAddress(pod, svc, ip);
    const ready = tolerateUnready || isPodReady(pod);
    if (!hasPorts) {
      // Only a headless Service may have endpoints without ports.
      if (isHeadless(svc)) add(undefined, address, ready);
      continue;
    }
    for (const port of resolvePorts(svc, pod)) add(endpointPort(port), address, ready);
  }
  // Ports with the same addresses (and readiness) share one subset.
  const subsets = new Map<string, EndpointSubset>();
  for (const { port, addresses } of byPort.values()) {
    const members = [...addresses.values()].sort((a, b) => compareAddresses(a.address, b.address));
    const signature = JSON.stringify(members.map((m) => [addressKey(m.address), m.ready]));
    let subset = subsets.get(signature);
    if (!subset) {
      subset = {};
      const ready = members.filter((m) => m.ready).map((m) => m.address);
      const notReady = members.filter((m) => !m.ready).map((m) => m.address);
      if (ready.length) subset.addresses = ready;
      if (notReady.length) subset.notReadyAddresses = notReady;
      subsets.set(signature, subset);
    }
    if (port) (subset.ports ??= []).push(port);
  }
  for (const subset of subsets.values()) subset.ports?.sort((a, b) => portKey(a).localeCompare(portKey(b)));
  return [...subsets.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
