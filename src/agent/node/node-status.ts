// The Node object this agent keeps: registration (with a podCIDR carved
// from the cluster CIDR), labels, addresses, nodeInfo, capacity and
// allocatable, and the Ready/MemoryPressure/DiskPressure/PIDPressure
// conditions, written only when something changed (the Lease is the heartbeat).
import { readFileSync } from 'node:fs';
import { hostname as osHostname, release, arch } from 'node:os';
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isNotFound, type ApiClient } from '../../client/api-client.js';
import { SERVER_VERSION } from '../../version.js';
import { nthSubnet } from '../network/cni-config.js';
import { hostResources, pressureReadings, PRESSURE_THRESHOLDS, type Reservations } from './host-resources.js';
import { condition, iso } from '../pods/pod-status.js';

export interface NodeIdentity {
  nodeName: string;
  hostIp: string;
  dataDir: string;
  clusterCidr: string;
  maxPods: number;
  reservations?: Reservations;
  /** Where the API server reaches this agent's streaming endpoint. */
  agentPort: number;
  /** The agent's CA, published so the API server can verify the agent. */
  agentCaPem: string;
  runtimeVersion: string;
}

export const AGENT_ENDPOINT_ANNOTATION = 'k8ts.io/agent-endpoint';
export const AGENT_CA_ANNOTATION = 'k8ts.io/agent-ca';

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function osImage(): string {
  const m = /PRETTY_NAME="?([^"\n]+)"?/.exec(readOr('/etc/os-release', ''));
  return m?.[1] ?? 'Linux';
}

export class NodeStatusReporter {
  private lastStatus = '';
  private ready = true;
  private readyMessage = 'k8ts agent is posting ready status';

  constructor(
    private readonly client: ApiClient,
    private readonly id: NodeIdentity,
    private readonly wallMs: () => number,
  ) {}

  /** Marks the node NotReady (e.g. the runtime is unusable) with a reason. */
  setReady(ready: boolean, message: string): void {
    this.ready = ready;
    this.readyMessage = message;
  }

  /** Creates the Node if missing (choosing its podCIDR), then reports status. Returns the podCIDR. */
  async register(): Promise<string> {
    let node: KubeObject;
    try {
      node = await this.client.get(RESOURCES.nodes, undefined, this.id.nodeName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      node = await this.client.create(RESOURCES.nodes, undefined, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: this.id.nodeName, labels: this.labels() },
        spec: { podCIDR: await this.freePodCidr(), podCIDRs: undefined },
      });
    }
    let podCidr = (node.spec as { podCIDR?: string } | undefined)?.podCIDR;
    if (!podCidr) {
      podCidr = await this.freePodCidr();
      node = await this.client.patch(RESOURCES.nodes, undefined, this.id.nodeName, 'application/merge-patch+json', { spec: { podCIDR: podCidr, podCIDRs: [podCidr] } });
    }
    await this.client.patch(RESOURCES.nodes, undefined, this.id.nodeName, 'application/merge-patch+json', {
      metadata: {
        labels: this.labels(),
        annotations: { [AGENT_ENDPOINT_ANNOTATION]: `https://${this.id.hostIp}:${this.id.agentPort}`, [AGENT_CA_ANNOTATION]: this.id.agentCaPem },
      },
    });
    this.lastStatus = '';
    await this.report();
    return podCidr;
  }

  private labels(): Record<string, string> {
    return {
      'kubernetes.io/hostname': this.id.nodeName,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': arch() === 'x64' ? 'amd64' : arch(),
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': arch() === 'x64' ? 'amd64' : arch(),
    };
  }

  /** The first /24 of the cluster CIDR no other Node has. */
  private async freePodCidr(): Promise<string> {
    const { items } = await this.client.list(RESOURCES.nodes, undefined);
    const used = new Set(items.map((n) => (n.spec as { podCIDR?: string } | undefined)?.podCIDR).filter(Boolean));
    for (let i = 0; ; i++) {
      const cidr = nthSubnet(this.id.clusterCidr, 24, i);
      if (!used.has(cidr)) return cidr;
    }
  }

  /** Writes status when it differs from the last write (or the last write failed). */
  async report(): Promise<void> {
    const res = hostResources(this.id.dataDir, this.id.maxPods, this.id.reservations);
    const p = pressureReadings(this.id.dataDir);
    const memoryPressure = p.memoryAvailableBytes < PRESSURE_THRESHOLDS.memoryAvailableBytes;
    const diskPressure = p.diskAvailableFraction < PRESSURE_THRESHOLDS.diskAvailableFraction;
    const pidPressure = p.pidsAvailableFraction < PRESSURE_THRESHOLDS.pidsAvailableFraction;
    const state = JSON.stringify({ res, memoryPressure, diskPressure, pidPressure, ready: this.ready, msg: this.readyMessage });
    if (state === this.lastStatus) return;
    const node = await this.client.get(RESOURCES.nodes, undefined, this.id.nodeName);
    const prev = (node.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } | undefined)?.conditions;
    const now = iso(this.wallMs());
    const cond = (type: string, status: boolean, reason: string, message: string) => ({
      ...condition(type, status, prev, now), lastHeartbeatTime: now, reason, message,
    });
    const status = {
      capacity: res.capacity,
      allocatable: res.allocatable,
      conditions: [
        cond('MemoryPressure', memoryPressure, memoryPressure ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory', memoryPressure ? 'node has insufficient memory available' : 'kubelet has sufficient memory available'),
        cond('DiskPressure', diskPressure, diskPressure ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure', diskPressure ? 'node has disk pressure' : 'kubelet has no disk pressure'),
        cond('PIDPressure', pidPressure, pidPressure ? 'KubeletHasInsufficientPID' : 'KubeletHasSufficientPID', pidPressure ? 'node has insufficient PID available' : 'kubelet has sufficient PID available'),
        cond('Ready', this.ready, this.ready ? 'KubeletReady' : 'KubeletNotReady', this.readyMessage),
      ],
      addresses: [{ type: 'InternalIP', address: this.id.hostIp }, { type: 'Hostname', address: this.id.nodeName }],
      daemonEndpoints: { kubeletEndpoint: { Port: this.id.agentPort } },
      nodeInfo: {
        machineID: readOr('/etc/machine-id', ''),
        systemUUID: readOr('/sys/class/dmi/id/product_uuid', ''),
        bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
        kernelVersion: release(),
        osImage: osImage(),
        containerRuntimeVersion: this.id.runtimeVersion,
        kubeletVersion: SERVER_VERSION.gitVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: arch() === 'x64' ? 'amd64' : arch(),
      },
    };
    await this.client.patch(RESOURCES.nodes, undefined, this.id.nodeName, 'application/merge-patch+json', { status }, 'status');
    this.lastStatus = state;
  }
}

export function defaultNodeName(): string {
  return osHostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}
