// Reads a cgroup's CPU and memory usage, in either layout: cgroup v1
// (cpuacct.usage, memory.usage_in_bytes and memory.stat in their own
// hierarchies) or the unified v2 tree (cpu.stat, memory.current). The
// working set is usage minus inactive file pages, as the kubelet reports it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupUsage {
  /** Cumulative CPU time, in nanoseconds. */
  cpuNanoseconds: number;
  memoryUsageBytes: number;
  memoryWorkingSetBytes: number;
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function readKeyed(file: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [key, value] = line.split(' ');
      if (key && value !== undefined) out.set(key, Number(value));
    }
  } catch {
    // absent: an empty map
  }
  return out;
}

export class CgroupStatsReader {
  private readonly unified: boolean;

  /** `root` is where the hierarchies are mounted (tests point it at a fake tree). */
  constructor(private readonly root = '/sys/fs/cgroup') {
    this.unified = existsSync(join(root, 'cgroup.controllers'));
  }

  /** Usage of the cgroup at `path` (relative to every hierarchy), or undefined when it is gone. */
  read(path: string): CgroupUsage | undefined {
    if (this.unified) {
      const dir = join(this.root, path);
      const usec = readKeyed(join(dir, 'cpu.stat')).get('usage_usec');
      const usage = readNumber(join(dir, 'memory.current'));
      if (usec === undefined || usage === undefined) return undefined;
      const inactive = readKeyed(join(dir, 'memory.stat')).get('inactive_file') ?? 0;
      return { cpuNanoseconds: usec * 1000, memoryUsageBytes: usage, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
    }
    const cpu = readNumber(join(this.root, 'cpuacct', path, 'cpuacct.usage'));
    const usage = readNumber(join(this.root, 'memory', path, 'memory.usage_in_bytes'));
    if (cpu === undefined || usage === undefined) return undefined;
    const inactive = readKeyed(join(this.root, 'memory', path, 'memory.stat')).get('total_inactive_file') ?? 0;
    return { cpuNanoseconds: cpu, memoryUsageBytes: usage, memoryWorkingSetBytes: Math.max(0, usage - inactive) };
  }
}
