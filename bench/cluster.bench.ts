// bench:cluster — the whole control plane on simulated nodes, in process
// (memory store, every controller, scheduler, simulated node pool):
//  1. rollout: a Deployment of 10,000 replicas on 1,000 simulated nodes,
//     timed from its creation until all 10,000 pods are Running and Ready
//     (status.readyReplicas); meanwhile the latency of every mutating API call
//     the controllers, scheduler and nodes make (create/update/patch/delete/
//     bind, through the loopback client and the full handler chain) and of
//     mutating calls from outside over HTTPS (a ConfigMap patch every 100 ms),
//     p99 against Kubernetes' API call latency SLO (1 s for mutating calls),
//     and the event-loop delay meanwhile.
//  2. memory: server RSS (after GC) with 5,000 simulated nodes, then with
//     pods added 10,000 at a time (a Deployment scaled up) towards 50,000,
//     for as long as fits in BENCH_RSS_SECONDS (120 s); if 50,000 is not
//     reached, the RSS at 50,000 is extrapolated linearly from the last two
//     completed steps (all pods Running, after GC) and labelled so.
// Each phase runs in a child process of its own so RSS is not polluted.
// Env: BENCH_REPLICAS, BENCH_NODES, BENCH_RSS_NODES, BENCH_RSS_PODS, BENCH_RSS_SECONDS.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/api/types.js';
import { RESOURCES, type ApiClient } from '../src/client/api-client.js';
import { startServer, type RunningServer } from '../src/server/k8ts-server.js';
import { rawRequest, removeDir, tempDir } from '../test/e2e/harness.js';

const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 1_000);
const RSS_NODES = Number(process.env.BENCH_RSS_NODES ?? 5_000);
const RSS_PODS = Number(process.env.BENCH_RSS_PODS ?? 50_000);
const RSS_SECONDS = Number(process.env.BENCH_RSS_SECONDS ?? 120);
const RSS_STEP = 10_000;
const SLO_MS = 1_000;
/** This project's goal for the rollout (not a Kubernetes SLO): 10,000 pods Running within 5 minutes. */
const ROLLOUT_TARGET_S = 300;
/** This project's goal for the server's memory at 5,000 nodes / 50,000 pods (not a Kubernetes figure): fits a 2 GiB VM. */
const RSS_TARGET_MB = 2048;

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: name } },
        spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
      },
    },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Times every mutating call made through the client (controllers, scheduler, simulated nodes share it). */
function timeMutations(client: ApiClient, sink: number[]): void {
  const c = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const method of ['create', 'update', 'patch', 'delete', 'bindPod']) {
    const original = c[method]!.bind(client);
    c[method] = async (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return await original(...args);
      } finally {
        sink.push(performance.now() - t0);
      }
    };
  }
}

async function readyReplicas(server: RunningServer, name: string): Promise<number> {
  const d = await server.client.get(RESOURCES.deployments, 'default', name);
  return (d.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function rollout(): Promise<Record<string, number>> {
  const dataDir = tempDir('k8ts-bench-cluster-');
  const server = await startServer({ dataDir, port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory', simulatedNodes: { count: 0, startDelayMs: 100 } });
  try {
    const t0 = performance.now();
    await server.simulatedNodes!.setCount(NODES);
    const registerS = (performance.now() - t0) / 1000;
    const internal: number[] = [];
    timeMutations(server.client, internal);
    const external: number[] = [];
    await server.client.create(RESOURCES.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' }, data: { n: '0' } });
    // One call first, so the probe's keep-alive TLS connection exists before the load starts
    // (a handshake made under load takes several loop turns; a client normally has a connection).
    await rawRequest(server, server.token, 'PATCH', '/api/v1/namespaces/default/configmaps/probe', JSON.stringify({ data: { n: '0' } }), { 'Content-Type': 'application/merge-patch+json' });
    let probing = true;
    const probe = (async () => {
      for (let n = 1; probing; n++) {
        const s = performance.now();
        const res = await rawRequest(server, server.token, 'PATCH', '/api/v1/namespaces/default/configmaps/probe', JSON.stringify({ data: { n: String(n) } }), { 'Content-Type': 'application/merge-patch+json' });
        if (res.status !== 200) throw new Error(`probe PATCH answered ${res.status}`);
        external.push(performance.now() - s);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const started = performance.now();
    await server.client.create(RESOURCES.deployments, 'default', deployment('big', REPLICAS));
    await until(async () => (await readyReplicas(server, 'big')) >= REPLICAS, 30 * 60_000, `${REPLICAS} ready replicas`);
    const rolloutS = (performance.now() - started) / 1000;
    probing = false;
    loop.disable();
    await probe;
    internal.sort((a, b) => a - b);
    external.sort((a, b) => a - b);
    return {
      registerS, rolloutS,
      internalCalls: internal.length, internalP50: percentile(internal, 50), internalP99: percentile(internal, 99), internalMax: internal.at(-1) ?? NaN,
      loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6,
      externalCalls: external.length, externalP50: percentile(external, 50), externalP90: percentile(external, 90), externalP99: percentile(external, 99), externalMax: external.at(-1) ?? NaN,
    };
  } finally {
    await server.close();
    removeDir(dataDir);
  }
}

function rssMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

async function memory(): Promise<Record<string, number>> {
  const dataDir = tempDir('k8ts-bench-cluster-');
  const server = await startServer({ dataDir, port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory', simulatedNodes: { count: 0, startDelayMs: 100 } });
  try {
    const baseMb = rssMb();
    const t0 = performance.now();
    await server.simulatedNodes!.setCount(RSS_NODES);
    const registerS = (performance.now() - t0) / 1000;
    // Let the first round of heartbeats (spread over 10 s) land before measuring.
    await new Promise((r) => setTimeout(r, 11_000));
    const nodesMb = rssMb();
    const steps: [number, number][] = [[0, nodesMb]];
    const deadline = performance.now() + RSS_SECONDS * 1000;
    await server.client.create(RESOURCES.deployments, 'default', deployment('mass', 0));
    let pods = 0;
    /** A step the time box cut short: pods Running when it ran out, and the RSS then. */
    let partial: [number, number] | undefined;
    while (pods < RSS_PODS && performance.now() < deadline) {
      const target = Math.min(RSS_PODS, pods + RSS_STEP);
      await server.client.patch(RESOURCES.deployments, 'default', 'mass', 'application/merge-patch+json', { spec: { replicas: target } });
      try {
        await until(async () => (await readyReplicas(server, 'mass')) >= target, Math.max(1000, deadline - performance.now()), `${target} ready replicas`);
      } catch {
        partial = [await readyReplicas(server, 'mass'), rssMb()];
        break;
      }
      pods = target;
      steps.push([pods, rssMb()]);
      console.error(`  ${pods} pods running: RSS ${steps.at(-1)![1].toFixed(0)} MiB (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    // The slope comes from the last two completed steps (all pods Running, after GC), not from a cut-short one mid-churn.
    const [lastPods, lastMb] = steps.at(-1)!;
    const [prevPods, prevMb] = steps.length >= 2 ? steps.at(-2)! : steps[0]!;
    const perPodKb = lastPods > prevPods ? ((lastMb - prevMb) * 1024) / (lastPods - prevPods) : NaN;
    const at50k = lastPods >= RSS_PODS ? lastMb : lastMb + (perPodKb * (RSS_PODS - lastPods)) / 1024;
    const [partialPods, partialMb] = partial ?? [NaN, NaN];
    return { baseMb, registerS, nodesMb, measuredPods: lastPods, measuredMb: lastMb, partialPods, partialMb, perPodKb, at50kMb: at50k, extrapolated: lastPods >= RSS_PODS ? 0 : 1 };
  } finally {
    await server.close();
    removeDir(dataDir);
  }
}

function printTable(r: Record<string, number>, m: Record<string, number>): void {
  const rows: string[][] = [
    ['simulated nodes registered', `${NODES}`, `${r.registerS!.toFixed(1)} s`, '-', '-'],
    [`Deployment of ${REPLICAS} replicas all Running/Ready on ${NODES} nodes`, '', `${r.rolloutS!.toFixed(1)} s`, `<= ${ROLLOUT_TARGET_S} s`, `${(ROLLOUT_TARGET_S / r.rolloutS!).toFixed(1)}x headroom`],
    [`mutating API calls during rollout, in-process (n=${r.internalCalls})`, 'p99', `${r.internalP99!.toFixed(1)} ms`, `<= ${SLO_MS} ms (SLO)`, `${(SLO_MS / r.internalP99!).toFixed(1)}x headroom`],
    ['', 'p50 / max', `${r.internalP50!.toFixed(1)} / ${r.internalMax!.toFixed(0)} ms`, '', ''],
    [`mutating API calls during rollout, HTTPS probe (n=${r.externalCalls})`, 'p99', `${r.externalP99!.toFixed(1)} ms`, `<= ${SLO_MS} ms (SLO)`, `${(SLO_MS / r.externalP99!).toFixed(1)}x headroom`],
    ['', 'p50 / p90 / max', `${r.externalP50!.toFixed(1)} / ${r.externalP90!.toFixed(1)} / ${r.externalMax!.toFixed(0)} ms`, '', ''],
    ['event-loop delay during rollout (what an HTTPS request may wait)', 'p99 / max', `${r.loopP99!.toFixed(0)} / ${r.loopMax!.toFixed(0)} ms`, '', ''],
    ['server RSS, idle', '', `${m.baseMb!.toFixed(0)} MiB`, '', ''],
    [`server RSS, ${RSS_NODES} simulated nodes heartbeating (registered in ${m.registerS!.toFixed(1)} s)`, '', `${m.nodesMb!.toFixed(0)} MiB`, '', ''],
    [`server RSS, ${RSS_NODES} nodes + ${m.measuredPods} pods Running (measured)`, '', `${m.measuredMb!.toFixed(0)} MiB`, '', ''],
    ...(Number.isFinite(m.partialPods) ? [[`  (time box ran out mid-step at ${m.partialPods} Running pods: RSS ${m.partialMb!.toFixed(0)} MiB, not used)`, '', '', '', '']] : []),
    [`server RSS, ${RSS_NODES} nodes + ${RSS_PODS} pods${m.extrapolated ? ' (EXTRAPOLATED linearly from the last two completed steps)' : ''}`, `${m.perPodKb!.toFixed(1)} KiB/pod`, `${m.at50kMb!.toFixed(0)} MiB`, `<= ${RSS_TARGET_MB} MiB`, `${(RSS_TARGET_MB / m.at50kMb!).toFixed(2)}x`],
  ];
  const header = ['measure', '', 'k8ts', 'target', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const render = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(render(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(render(row));
  console.log(`\nTargets: Kubernetes' API call latency SLO (mutating calls p99 <= 1 s); the rollout and RSS targets are this project's goals (5 minutes; 2 GiB), not Kubernetes SLOs.`);
}

const phase = process.argv[2];
if (phase === 'rollout' || phase === 'memory') {
  const out = phase === 'rollout' ? await rollout() : await memory();
  console.log(`RESULT ${JSON.stringify(out)}`);
  process.exit(0);
} else {
  const self = fileURLToPath(import.meta.url);
  const runPhase = (name: string): Record<string, number> => {
    console.error(`bench:cluster ${name}…`);
    const res = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', self, name], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const line = res.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`phase ${name} failed (exit ${res.status}):\n${res.stdout}`);
    return JSON.parse(line.slice(7)) as Record<string, number>;
  };
  printTable(runPhase('rollout'), runPhase('memory'));
}
