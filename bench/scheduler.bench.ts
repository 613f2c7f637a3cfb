// bench:scheduler — pods bound per second by the scheduler, in process: a
// k8ts server on the memory store, the scheduler as its only controller on
// the loopback client, Node objects created directly, then 10,000 pending
// pods. Two workloads on 1,000 and 5,000 nodes:
//  - resources: cpu/memory requests only (the target: >= 1,000 pods/s);
//  - spread: 100 groups of 100 pods, each with required anti-affinity by
//    hostname within its group and a DoNotSchedule zone spread (10 zones).
// Timing starts once the scheduler's informers have synced (all pods listed)
// and stops when the last binding succeeds; events and binds all go through
// the API as in a real server.
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../src/api/types.js';
import { RESOURCES } from '../src/client/api-client.js';
import { ControllerManager } from '../src/controllers/controller-manager.js';
import { startServer } from '../src/server/k8ts-server.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { removeDir, tempDir } from '../test/e2e/harness.js';
import { seededRandom } from '../test/time/support/seeded-random.js';

const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const NODE_COUNTS = (process.env.BENCH_NODES ?? '1000,5000').split(',').map(Number);
const TARGET_PODS_PER_SEC = 1000;
const ZONES = 10;
const GROUPS = 100;
const CREATE_CONCURRENCY = 64;

type Workload = 'resources' | 'spread';

function nodeObject(i: number): KubeObject {
  const name = `node-${String(i).padStart(5, '0')}`;
  const allocatable = { cpu: '32', memory: '128Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % ZONES}` } },
    status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function podObject(i: number, workload: Workload): KubeObject {
  const group = `g${i % GROUPS}`;
  const spec: Record<string, unknown> = {
    containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
  };
  if (workload === 'spread') {
    const selector = { matchLabels: { group } };
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: selector, topologyKey: 'kubernetes.io/hostname' }] } };
    spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector }];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'default', labels: { group } }, spec };
}

async function createAll(count: number, make: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, async () => {
    for (let i = next++; i < count; i = next++) await make(i);
  }));
}

interface Result {
  workload: Workload;
  nodes: number;
  seconds: number;
  podsPerSec: number;
  attempts: number;
}

async function measure(workload: Workload, nodeCount: number): Promise<Result> {
  const dataDir = tempDir('k8ts-bench-sched-');
  const server = await startServer({ dataDir, port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory', controllers: false });
  try {
    const client = server.client;
    await createAll(nodeCount, (i) => client.create(RESOURCES.nodes, undefined, nodeObject(i)));
    await createAll(PODS, (i) => client.create(RESOURCES.pods, 'default', podObject(i, workload)));
    let scheduler: Scheduler | undefined;
    const manager = new ControllerManager(client, server.wheel, () => {}, [(ctx) => (scheduler = new Scheduler(ctx, { random: seededRandom(42) }))]);
    await manager.start();
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        const s = scheduler!.stats;
        if (s.bound >= PODS) return resolve();
        if (s.unschedulable > 0) return reject(new Error(`${s.unschedulable} scheduling attempts failed (${workload}, ${nodeCount} nodes)`));
        setTimeout(check, 5);
      };
      check();
    });
    const seconds = (performance.now() - started) / 1000;
    const attempts = scheduler!.stats.attempts;
    manager.stop();
    return { workload, nodes: nodeCount, seconds, podsPerSec: PODS / seconds, attempts };
  } finally {
    await server.close();
    removeDir(dataDir);
  }
}

function printTable(results: Result[]): void {
  const header = ['workload', 'nodes', 'pods', 'seconds', 'pods bound/s', 'target', 'ratio'];
  const rows = results.map((r) => [
    r.workload === 'resources' ? 'resource filters only' : 'anti-affinity + topology spread',
    String(r.nodes),
    String(PODS),
    r.seconds.toFixed(2),
    r.podsPerSec.toFixed(0),
    r.workload === 'resources' ? `>= ${TARGET_PODS_PER_SEC}` : `(${TARGET_PODS_PER_SEC})`,
    `${(r.podsPerSec / TARGET_PODS_PER_SEC).toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(render(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const row of rows) console.log(render(row));
  console.log('\nThe target applies to resource filters only; the spread workload is shown against it for scale.');
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const workload of ['resources', 'spread'] as const) {
    for (const nodes of NODE_COUNTS) {
      const r = await measure(workload, nodes);
      console.error(`${workload} on ${nodes} nodes: ${r.podsPerSec.toFixed(0)} pods/s (${r.attempts} attempts)`);
      results.push(r);
    }
  }
  printTable(results);
}

await main();
