// Service discovery kinds: core Service and Endpoints, discovery.k8s.io EndpointSlice.

import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, column, wideColumn } from './columns.js';
import { timeSince } from './duration.js';
import { formatLabels, listOf, nameOf } from './fields.js';
import type { TablePrinter } from './printer.js';

interface ServiceFields {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    ports?: Array<{ port?: number; nodePort?: number; protocol?: string }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

/** Load-balancer ingress points, IP preferred over hostname, de-duplicated and sorted. */
function loadBalancerAddresses(service: ServiceFields): string[] {
  const addresses = new Set<string>();
  for (const ingress of listOf(service.status?.loadBalancer?.ingress)) {
    const address = ingress.ip || ingress.hostname;
    if (address) addresses.add(address);
  }
  // kube-apiserver renders the wide form, so the list is never clipped to 16 characters.
  return [...addresses].sort();
}

/** EXTERNAL-IP by service type: external IPs, the load balancer's, or the ExternalName target. */
function externalIPCell(service: ServiceFields, type: string): string {
  const externalIPs = listOf(service.spec?.externalIPs);
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerAddresses(service), ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return service.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** PORT(S): "80/TCP", or "80:30080/TCP" when a node port is allocated. */
function servicePortsCell(service: ServiceFields): string {
  const ports = listOf(service.spec?.ports).map((port) => {
    // TCP is what defaulting fills in for a port without a protocol.
    const protocol = port.protocol || 'TCP';
    return port.nodePort ? `${port.port ?? 0}:${port.nodePort}/${protocol}` : `${port.port ?? 0}/${protocol}`;
  });
  return ports.length > 0 ? ports.join(',') : '<none>';
}

export const servicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Type', 'string', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'string', 'clusterIP is the IP address of the service.'),
    column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    wideColumn('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells(obj, nowMs) {
    const service = obj as KubeObject & ServiceFields;
    // Defaulting makes every Service a ClusterIP one unless told otherwise.
    const type = service.spec?.type || 'ClusterIP';
    // The internal Service keeps clusterIPs only; conversion from v1 seeds it from clusterIP.
    const clusterIP = listOf(service.spec?.clusterIPs)[0] || service.spec?.clusterIP || '<none>';
    return [
      nameOf(obj),
      type,
      clusterIP,
      externalIPCell(service, type),
      servicePortsCell(service),
      timeSince(obj.metadata.creationTimestamp, nowMs),
      formatLabels(service.spec?.selector),
    ];
  },
};

// Both endpoint printers show the first three addresses and count the rest.
const SHOWN_ADDRESSES = 3;

/** "a,b,c + 2 more..." once `total` exceeds what is shown. */
function withMore(shown: string[], total: number): string {
  const joined = shown.join(',');
  return total > shown.length ? `${joined} + ${total - SHOWN_ADDRESSES} more...` : joined;
}

/** net.JoinHostPort: IPv6 addresses get brackets. */
function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

interface EndpointSubset {
  addresses?: Array<{ ip?: string }>;
  ports?: Array<{ port?: number }>;
}

/** formatEndpoints: every address per port ("10.0.0.1:80"), bare IPs for headless subsets without ports. */
function endpointsCell(subsets: EndpointSubset[]): string {
  if (subsets.length === 0) return '<none>';
  const shown: string[] = [];
  let total = 0;
  for (const subset of subsets) {
    const addresses = listOf(subset.addresses);
    const ports = listOf(subset.ports);
    const entriesPerAddress: Array<(ip: string) => string> =
      ports.length === 0 ? [(ip) => ip] : ports.map((port) => (ip: string) => hostPort(ip, port.port ?? 0));
    for (const entry of entriesPerAddress) {
      total += addresses.length;
      for (const address of addresses) {
        if (shown.length === SHOWN_ADDRESSES) break;
        shown.push(entry(address.ip ?? ''));
      }
    }
  }
  return withMore(shown, total);
}

export const endpointsPrinter: TablePrinter = {
  columns: [NAME_COLUMN, column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE_COLUMN],
  cells(obj, nowMs) {
    const subsets = listOf(obj.subsets as EndpointSubset[] | undefined);
    return [nameOf(obj), endpointsCell(subsets), timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};

interface EndpointSliceFields {
  addressType?: string;
  ports?: Array<{ name?: string; port?: number }>;
  endpoints?: Array<{ addresses?: string[] }>;
}

/** listWithMoreString: like withMore, but "<unset>" for an empty list. */
function sliceListCell(values: string[]): string {
  return values.length === 0 ? '<unset>' : withMore(values.slice(0, SHOWN_ADDRESSES), values.length);
}

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    AGE_COLUMN,
  ],
  cells(obj, nowMs) {
    const slice = obj as KubeObject & EndpointSliceFields;
    // A port without number or name matches all ports: "*".
    const ports = listOf(slice.ports).map((port) => (port.port !== undefined && port.port !== null ? String(port.port) : port.name ?? '*'));
    const addresses = listOf(slice.endpoints).flatMap((endpoint) => listOf(endpoint.addresses));
    return [nameOf(obj), slice.addressType ?? '', sliceListCell(ports), sliceListCell(addresses), timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};
