// Per-pod metrics from cgroups: both layouts read from fake trees, and the
// CPU rate over a window of the manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupStatsReader } from '../../src/agent/metrics/cgroup-stats.js';
import { PodMetrics } from '../../src/agent/metrics/pod-metrics.js';
import type { ContainerRecord, ContainerRuntime } from '../../src/agent/runtime/container-runtime.js';
import { ManualClock } from '../../src/time/manual-clock.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';

function write(root: string, rel: string, content: string): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), content);
}

test('cgroup stats: v1 hierarchies and the unified v2 tree; working set excludes inactive file pages', () => {
  const v1 = mkdtempSync(join(tmpdir(), 'k8ts-cg-v1-'));
  const v2 = mkdtempSync(join(tmpdir(), 'k8ts-cg-v2-'));
  try {
    write(v1, 'cpuacct/k8ts/podA/cpuacct.usage', '5000000000\n');
    write(v1, 'memory/k8ts/podA/memory.usage_in_bytes', '10485760\n');
    write(v1, 'memory/k8ts/podA/memory.stat', 'cache 100\ntotal_inactive_file 2097152\n');
    assert.deepEqual(new CgroupStatsReader(v1).read('/k8ts/podA'), { cpuNanoseconds: 5e9, memoryUsageBytes: 10485760, memoryWorkingSetBytes: 8388608 });
    assert.equal(new CgroupStatsReader(v1).read('/k8ts/gone'), undefined);

    write(v2, 'cgroup.controllers', 'cpu memory pids\n');
    write(v2, 'k8ts/podB/cpu.stat', 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n');
    write(v2, 'k8ts/podB/memory.current', '4096\n');
    write(v2, 'k8ts/podB/memory.stat', 'anon 1024\ninactive_file 1024\n');
    assert.deepEqual(new CgroupStatsReader(v2).read('/k8ts/podB'), { cpuNanoseconds: 2_500_000, memoryUsageBytes: 4096, memoryWorkingSetBytes: 3072 });
  } finally {
    rmSync(v1, { recursive: true, force: true });
    rmSync(v2, { recursive: true, force: true });
  }
});

test('pod metrics: CPU rate over the sampling window per pod and container; exited containers and gone pods drop out', () => {
  const root = mkdtempSync(join(tmpdir(), 'k8ts-cg-pm-'));
  const clock = new ManualClock();
  const wheel = new TimingWheel({ clock });
  try {
    const rec = (id: string, name: string): ContainerRecord => ({
      id, podUid: 'u1', podNamespace: 'ns', podName: 'web', name, init: false, attempt: 0, image: 'i', imageId: 'x', startedAtMs: 0,
      bundleDir: '', logPath: '', cgroupPath: `/k8ts/podu1/${id}`,
    });
    const records = [rec('app-0', 'app'), rec('side-0', 'side')];
    const exited = new Set<string>();
    const runtime = {
      knownPods: () => ['u1'],
      containersOf: () => records,
      exitOf: (r: ContainerRecord) => (exited.has(r.id) ? { exitCode: 0 } : undefined),
    } as unknown as ContainerRuntime;
    const set = (path: string, cpuNs: number, mem: number) => {
      write(root, `cpuacct${path}/cpuacct.usage`, String(cpuNs));
      write(root, `memory${path}/memory.usage_in_bytes`, String(mem));
    };
    set('/k8ts/podu1', 1e9, 3000);
    set('/k8ts/podu1/app-0', 0.8e9, 2000);
    set('/k8ts/podu1/side-0', 0.2e9, 1000);
    const metrics = new PodMetrics(runtime, wheel, 10_000, new CgroupStatsReader(root));
    metrics.start();
    let p = metrics.pod('ns', 'web')!;
    assert.equal(p.windowMs, 0);
    assert.equal(p.cpuUsageNanoCores, 0);
    assert.equal(p.memoryWorkingSetBytes, 3000);
    // Over the next 10 s the pod uses 5 s of CPU (0.5 cores): app 4 s, side 1 s.
    set('/k8ts/podu1', 6e9, 3500);
    set('/k8ts/podu1/app-0', 4.8e9, 2500);
    set('/k8ts/podu1/side-0', 1.2e9, 1000);
    clock.advanceBy(10_000);
    p = metrics.pod('ns', 'web')!;
    assert.equal(p.windowMs, 10_000);
    assert.equal(p.cpuUsageNanoCores, 500_000_000);
    assert.equal(p.cpuUsageCoreNanoSeconds, 6e9);
    assert.deepEqual(p.containers.map((c) => [c.name, c.cpuUsageNanoCores, c.memoryWorkingSetBytes]), [['app', 400_000_000, 2500], ['side', 100_000_000, 1000]]);
    exited.add('side-0');
    metrics.sample();
    assert.deepEqual(metrics.pod('ns', 'web')!.containers.map((c) => c.name), ['app']);
    exited.add('app-0');
    metrics.sample();
    assert.equal(metrics.pod('ns', 'web'), undefined);
    assert.deepEqual(metrics.list(), []);
    metrics.stop();
  } finally {
    wheel.close();
    rmSync(root, { recursive: true, force: true });
  }
});
