// Cluster IP and node port assignment for Services at creation, as the
// Service REST storage does: a free address from the service CIDR unless
// the client asked for one (or for "None", a headless Service).
import type { KubeObject } from '../../api/types.js';
import { ApiError } from '../errors.js';

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: { nodePort?: number }[];
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

export class ClusterIpAllocator {
  private readonly base: number;
  private readonly size: number;
  private cursor = 0;

  constructor(cidr: string) {
    const [ip, bits] = cidr.split('/');
    this.base = ipToInt(ip!);
    this.size = 2 ** (32 - Number(bits));
  }

  /** The first usable address, which Kubernetes gives to the `kubernetes` Service. */
  firstAddress(): string {
    return intToIp(this.base + 1);
  }

  assign(service: KubeObject, existing: KubeObject[]): void {
    const spec = (service.spec ??= {}) as ServiceSpec;
    if (spec.type !== 'ExternalName') {
      const used = new Set(existing.map((s) => (s.spec as ServiceSpec | undefined)?.clusterIP).filter(Boolean));
      if (!spec.clusterIP) {
        spec.clusterIP = this.nextFree(used);
      } else if (spec.clusterIP !== 'None' && used.has(spec.clusterIP)) {
        throw new ApiError(422, 'Invalid', `Service "${service.metadata.name}" is invalid: spec.clusterIPs: Invalid value: []string{"${spec.clusterIP}"}: failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`);
      }
      spec.clusterIPs = [spec.clusterIP];
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') {
      const usedPorts = new Set<number>();
      for (const s of existing) for (const p of (s.spec as ServiceSpec | undefined)?.ports ?? []) if (p.nodePort) usedPorts.add(p.nodePort);
      for (const port of spec.ports ?? []) {
        if (port.nodePort) continue;
        let candidate = NODE_PORT_MIN;
        while (usedPorts.has(candidate) && candidate <= NODE_PORT_MAX) candidate++;
        if (candidate > NODE_PORT_MAX) throw new ApiError(500, 'InternalError', 'Internal error occurred: failed to allocate a nodePort: range is full');
        port.nodePort = candidate;
        usedPorts.add(candidate);
      }
    }
  }

  private nextFree(used: Set<string | undefined>): string {
    // Skip the network address and the first address (reserved for the `kubernetes` Service).
    for (let i = 0; i < this.size - 3; i++) {
      const offset = 2 + ((this.cursor + i) % (this.size - 3));
      const ip = intToIp(this.base + offset);
      if (!used.has(ip)) {
        this.cursor = offset - 1;
        return ip;
      }
    }
    throw new ApiError(500, 'InternalError', 'Internal error occurred: failed to allocate a serviceIP: range is full');
  }
}
