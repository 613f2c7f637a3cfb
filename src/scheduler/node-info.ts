// Per-node aggregates kept incrementally from informer events: what the pods
// bound to the node request, which host ports they hold, and the node's own
// labels, taints and allocatable. Filters read these in O(1) per node.
import type { KubeObject } from '../api/types.js';
import type { NodeSpec, NodeStatus, Taint } from './api-types.js';
import type { HostPort, PodInfo } from './pod-info.js';
import { addInto, cloneResources, emptyResources, resourcesFromList, wholeValue, type Resources } from './resources.js';

const ANY_IP = '0.0.0.0';

export class NodeInfo {
  node: KubeObject | undefined;
  labels: Record<string, string> = {};
  /** NoSchedule and NoExecute taints: the ones the filter enforces. */
  hardTaints: Taint[] = [];
  preferNoScheduleTaints: Taint[] = [];
  unschedulable = false;
  allocatable: Resources = emptyResources();
  allowedPodCount = 0;
  /** Image name -> size in bytes, from node.status.images. */
  images = new Map<string, number>();

  readonly pods = new Map<string, PodInfo>();
  requested: Resources = emptyResources();
  nonZeroRequested: Resources = emptyResources();
  /** `${ip}|${protocol}|${port}` -> pods using it. */
  private ports = new Map<string, number>();
  /** `${protocol}|${port}` -> pods using it on any ip. */
  private portsAnyIp = new Map<string, number>();

  constructor(readonly name: string) {}

  setNode(node: KubeObject): void {
    this.node = node;
    const spec = (node.spec ?? {}) as NodeSpec;
    const status = (node.status ?? {}) as NodeStatus;
    this.labels = node.metadata.labels ?? {};
    const taints = spec.taints ?? [];
    this.hardTaints = taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    this.preferNoScheduleTaints = taints.filter((t) => t.effect === 'PreferNoSchedule');
    this.unschedulable = spec.unschedulable === true;
    this.allocatable = resourcesFromList(status.allocatable);
    this.allowedPodCount = wholeValue(status.allocatable?.pods);
    this.images = new Map();
    for (const image of status.images ?? []) {
      for (const name of image.names ?? []) this.images.set(name, image.sizeBytes ?? 0);
    }
  }

  get podCount(): number {
    return this.pods.size;
  }

  addPod(pod: PodInfo): void {
    this.pods.set(pod.key, pod);
    this.account(pod, 1);
  }

  removePod(key: string): PodInfo | undefined {
    const pod = this.pods.get(key);
    if (!pod) return undefined;
    this.pods.delete(key);
    this.account(pod, -1);
    return pod;
  }

  private account(pod: PodInfo, sign: 1 | -1): void {
    addInto(this.requested, pod.requests, sign);
    addInto(this.nonZeroRequested, pod.nonZeroRequests, sign);
    for (const port of pod.hostPorts) {
      bump(this.ports, `${port.ip}|${port.protocol}|${port.port}`, sign);
      bump(this.portsAnyIp, `${port.protocol}|${port.port}`, sign);
    }
  }

  /** Whether a wanted host port collides: 0.0.0.0 on either side conflicts with every ip. */
  portInUse(port: HostPort): boolean {
    if (port.ip === ANY_IP) return (this.portsAnyIp.get(`${port.protocol}|${port.port}`) ?? 0) > 0;
    return (this.ports.get(`${port.ip}|${port.protocol}|${port.port}`) ?? 0) > 0
      || (this.ports.get(`${ANY_IP}|${port.protocol}|${port.port}`) ?? 0) > 0;
  }

  /** A copy whose pods can be removed without touching this one (preemption's what-if). */
  clone(): NodeInfo {
    const copy = new NodeInfo(this.name);
    copy.node = this.node;
    copy.labels = this.labels;
    copy.hardTaints = this.hardTaints;
    copy.preferNoScheduleTaints = this.preferNoScheduleTaints;
    copy.unschedulable = this.unschedulable;
    copy.allocatable = this.allocatable;
    copy.allowedPodCount = this.allowedPodCount;
    copy.images = this.images;
    for (const [k, p] of this.pods) copy.pods.set(k, p);
    copy.requested = cloneResources(this.requested);
    copy.nonZeroRequested = cloneResources(this.nonZeroRequested);
    copy.ports = new Map(this.ports);
    copy.portsAnyIp = new Map(this.portsAnyIp);
    return copy;
  }
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
