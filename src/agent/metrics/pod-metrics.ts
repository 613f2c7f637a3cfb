// Per-pod and per-container CPU and memory, sampled from cgroups on the
// timing wheel and kept in memory for a metrics API (the kubelet's summary
// and resource metrics). CPU is a rate over the last sampling window.
import { dirname } from 'node:path';
import type { TimingWheel, TimerHandle } from '../../time/timing-wheel.js';
import type { ContainerRecord, ContainerRuntime } from '../runtime/container-runtime.js';
import { CgroupStatsReader, type CgroupUsage } from './cgroup-stats.js';

export interface UsageSample {
  /** Wall-clock time of the sample, ms since the epoch. */
  timestampMs: number;
  /** The window the CPU rate covers (0 on the first sample: no rate yet). */
  windowMs: number;
  cpuUsageNanoCores: number;
  cpuUsageCoreNanoSeconds: number;
  memoryUsageBytes: number;
  memoryWorkingSetBytes: number;
}

export interface PodUsage extends UsageSample {
  namespace: string;
  name: string;
  uid: string;
  containers: Array<UsageSample & { name: string }>;
}

interface Previous {
  atMs: number;
  cpuNanoseconds: number;
}

export class PodMetrics {
  private readonly pods = new Map<string, PodUsage>();
  private previous = new Map<string, Previous>();
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly wheel: TimingWheel,
    private readonly periodMs = 10_000,
    private readonly reader = new CgroupStatsReader(),
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const tick = () => {
      if (!this.running) return;
      this.sample();
      this.timer = this.wheel.schedule(this.periodMs, tick);
    };
    tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.wheel.cancel(this.timer);
  }

  /** The latest usage of a pod, or undefined when it has no running containers. */
  pod(namespace: string, name: string): PodUsage | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  list(): PodUsage[] {
    return [...this.pods.values()];
  }

  /** Takes one sample of every running container and its pod (the timer calls this; tests may too). */
  sample(): void {
    const nowMs = this.wheel.clock.nowMs();
    const wallMs = this.wheel.clock.wallMs();
    const next = new Map<string, Previous>();
    const rate = (key: string, u: CgroupUsage): UsageSample => {
      const prev = this.previous.get(key);
      next.set(key, { atMs: nowMs, cpuNanoseconds: u.cpuNanoseconds });
      const windowMs = prev && nowMs > prev.atMs ? nowMs - prev.atMs : 0;
      const cpuUsageNanoCores = windowMs > 0 ? Math.max(0, Math.round(((u.cpuNanoseconds - prev!.cpuNanoseconds) / (windowMs * 1e6)) * 1e9)) : 0;
      return {
        timestampMs: wallMs, windowMs, cpuUsageNanoCores, cpuUsageCoreNanoSeconds: u.cpuNanoseconds,
        memoryUsageBytes: u.memoryUsageBytes, memoryWorkingSetBytes: u.memoryWorkingSetBytes,
      };
    };
    const byPod = new Map<string, ContainerRecord[]>();
    for (const uid of this.runtime.knownPods()) {
      const running = this.runtime.containersOf(uid).filter((r) => !this.runtime.exitOf(r));
      if (running.length > 0) byPod.set(uid, running);
    }
    this.pods.clear();
    for (const [uid, records] of byPod) {
      const first = records[0]!;
      const podUsage = this.reader.read(dirname(first.cgroupPath));
      if (!podUsage) continue;
      const containers: PodUsage['containers'] = [];
      for (const r of records) {
        const u = this.reader.read(r.cgroupPath);
        // Keyed by container id: a restarted container starts a new rate.
        if (u) containers.push({ name: r.name, ...rate(r.id, u) });
      }
      this.pods.set(`${first.podNamespace}/${first.podName}`, { namespace: first.podNamespace, name: first.podName, uid, containers, ...rate(`pod/${uid}`, podUsage) });
    }
    this.previous = next;
  }
}
