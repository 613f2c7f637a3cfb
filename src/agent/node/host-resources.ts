// What this host offers pods: capacity read from the machine (CPUs, memory,
// the data dir's disk, pids) and allocatable after the reservations for the
// system and the agent, as the kubelet's --system-reserved/--kube-reserved.
import { cpus, totalmem, freemem } from 'node:os';
import { readFileSync, statfsSync } from 'node:fs';

export interface Reservations {
  cpuMillis: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
}

export const DEFAULT_RESERVATIONS: Reservations = { cpuMillis: 100, memoryBytes: 256 * 1024 * 1024, ephemeralStorageBytes: 1024 * 1024 * 1024 };

export interface HostResources {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
}

export function hostResources(dataDir: string, maxPods: number, reserved: Reservations = DEFAULT_RESERVATIONS): HostResources {
  const cpuCount = cpus().length;
  const mem = totalmem();
  const fs = statfsSync(dataDir);
  const disk = fs.blocks * fs.bsize;
  const ki = (bytes: number) => `${Math.max(0, Math.floor(bytes / 1024))}Ki`;
  return {
    capacity: { cpu: String(cpuCount), memory: ki(mem), pods: String(maxPods), 'ephemeral-storage': ki(disk), 'hugepages-2Mi': '0' },
    allocatable: {
      cpu: `${Math.max(0, cpuCount * 1000 - reserved.cpuMillis)}m`,
      memory: ki(mem - reserved.memoryBytes),
      pods: String(maxPods),
      'ephemeral-storage': String(Math.max(0, disk - reserved.ephemeralStorageBytes)),
      'hugepages-2Mi': '0',
    },
  };
}

export interface PressureReadings {
  memoryAvailableBytes: number;
  diskAvailableFraction: number;
  pidsAvailableFraction: number;
}

/** Eviction-signal readings: memory.available, nodefs.available, pid.available. */
export function pressureReadings(dataDir: string): PressureReadings {
  let memAvailable = freemem();
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) memAvailable = Number(m[1]) * 1024;
  } catch {
    // Not Linux /proc: os.freemem is close enough.
  }
  const fs = statfsSync(dataDir);
  let pidsFraction = 1;
  try {
    const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const used = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[3]?.split('/')[1] ?? 0);
    pidsFraction = 1 - used / max;
  } catch {
    // Unknown: no PID pressure.
  }
  return { memoryAvailableBytes: memAvailable, diskAvailableFraction: fs.bavail / fs.blocks, pidsAvailableFraction: pidsFraction };
}

/** Kubernetes' default hard eviction thresholds. */
export const PRESSURE_THRESHOLDS = { memoryAvailableBytes: 100 * 1024 * 1024, diskAvailableFraction: 0.1, pidsAvailableFraction: 0.05 };
