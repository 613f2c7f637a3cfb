// What a simulated Node looks like: capacity and labels from a template,
// zones spread round-robin over topology.kubernetes.io/zone values.
import type { KubeObject } from '../api/types.js';

export interface SimulatedNodeTemplate {
  cpu: string;
  memory: string;
  pods: string;
  /** Values of topology.kubernetes.io/zone, assigned round-robin by node index. */
  zones: string[];
  /** Extra labels for every node (besides hostname, os, arch, zone and type: simulated). */
  labels: Record<string, string>;
}

export const DEFAULT_TEMPLATE: SimulatedNodeTemplate = {
  cpu: '32',
  memory: '256Gi',
  pods: '110',
  zones: ['zone-a', 'zone-b', 'zone-c'],
  labels: {},
};

/** Marks a Node as one of ours, so a pool that shrinks (or restarts) knows which to remove. */
export const SIMULATED_ANNOTATION = 'k8ts.io/simulated-node';

export function simulatedNodeName(prefix: string, index: number): string {
  return `${prefix}${String(index).padStart(4, '0')}`;
}

/** The node's InternalIP: 10.200.0.0/16 and up, by index. */
export function nodeAddress(index: number): string {
  return `10.${200 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
}

/** Pod IPs come from a /24 per node in 100.64.0.0/10 (enough for 16,384 nodes, 250 pods each). */
export function podAddress(index: number, serial: number): string {
  return `100.${64 + (index >> 8)}.${index & 255}.${(serial % 250) + 2}`;
}

export function nodeObject(name: string, index: number, template: SimulatedNodeTemplate, nowIso: string): KubeObject {
  const zone = template.zones.length > 0 ? template.zones[index % template.zones.length]! : undefined;
  const resources = { cpu: template.cpu, memory: template.memory, pods: template.pods, 'ephemeral-storage': '100Gi' };
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: nowIso, lastTransitionTime: nowIso });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        ...template.labels,
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(zone ? { 'topology.kubernetes.io/zone': zone } : {}),
        type: 'simulated',
      },
      annotations: { [SIMULATED_ANNOTATION]: 'true' },
    },
    spec: { podCIDR: `100.${64 + (index >> 8)}.${index & 255}.0/24` },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        readyCondition(nowIso, nowIso),
      ],
      addresses: [{ type: 'InternalIP', address: nodeAddress(index) }, { type: 'Hostname', address: name }],
      nodeInfo: {
        machineID: name, systemUUID: name, bootID: name, kernelVersion: 'simulated', osImage: 'k8ts simulated node',
        containerRuntimeVersion: 'simulated://0', kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64',
      },
    },
  };
}

export function readyCondition(heartbeatIso: string, transitionIso: string): object {
  return { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: heartbeatIso, lastTransitionTime: transitionIso };
}
