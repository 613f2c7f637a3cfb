// Where a pod's and a container's cgroups live in the v1 hierarchies, and
// what limits a container's resources become there. Pods sit under
// /k8ts/pod<uid> (with burstable/besteffort parents as the kubelet's QoS
// tiers), containers under their pod, so a pod's usage is one directory.
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseQuantity } from '../resource-quantity.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export const CGROUP_ROOT = '/sys/fs/cgroup';

/** The cgroup path (relative to every hierarchy) of a pod. */
export function podCgroupPath(root: string, qos: QosClass, podUid: string): string {
  const tier = qos === 'Guaranteed' ? '' : `/${qos.toLowerCase()}`;
  return `/${root}${tier}/pod${podUid}`;
}

/** The cgroup path of one container of a pod (runc's cgroupsPath). */
export function containerCgroupPath(podPath: string, containerId: string): string {
  return `${podPath}/${containerId}`;
}

export interface ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

/** The OCI linux.resources block for a container's requests and limits. */
export interface OciResources {
  memory?: { limit?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
}

const CPU_PERIOD_US = 100_000;
const MIN_SHARES = 2;

export function ociResources(res: ResourceRequirements | undefined, podPidsLimit?: number): OciResources {
  const out: OciResources = {};
  const memLimit = res?.limits?.memory;
  if (memLimit) {
    const bytes = Math.floor(parseQuantity(memLimit));
    // Memory and swap equal: no swap, so OOM kills happen where Kubernetes expects.
    out.memory = { limit: bytes, swap: bytes };
  }
  const cpuLimit = res?.limits?.cpu;
  const cpuRequest = res?.requests?.cpu ?? cpuLimit;
  out.cpu = { shares: cpuRequest ? Math.max(MIN_SHARES, Math.floor(parseQuantity(cpuRequest) * 1024)) : MIN_SHARES };
  if (cpuLimit) {
    out.cpu.period = CPU_PERIOD_US;
    // A quota below 1 ms is refused by the kernel.
    out.cpu.quota = Math.max(1000, Math.floor(parseQuantity(cpuLimit) * CPU_PERIOD_US));
  }
  if (podPidsLimit && podPidsLimit > 0) out.pids = { limit: podPidsLimit };
  return out;
}

/** The pod's QoS class, as Kubernetes computes it from its containers' resources. */
export function qosClass(containers: { resources?: ResourceRequirements }[]): QosClass {
  let anyRequest = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const request = req[r] ?? lim[r];
      if (request !== undefined) anyRequest = true;
      if (lim[r] === undefined || request === undefined || parseQuantity(request) !== parseQuantity(lim[r]!)) guaranteed = false;
    }
  }
  if (!anyRequest) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/**
 * Removes a cgroup directory (and any leftover children, deepest first) in
 * every hierarchy. runc removes a container's own cgroup; the pod level is ours.
 */
export function removeCgroup(path: string): void {
  // Every mounted hierarchy, including the hybrid layout's cgroup2 "unified", where runc also creates directories.
  for (const controller of existsSync(CGROUP_ROOT) ? readdirSync(CGROUP_ROOT) : []) {
    const dir = join(CGROUP_ROOT, controller, path);
    if (existsSync(dir)) removeTree(dir);
  }
}

function removeTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeTree(join(dir, entry.name));
  }
  try {
    rmdirSync(dir);
  } catch {
    // Still has tasks (a process outlived its container): the next sweep retries.
  }
}
