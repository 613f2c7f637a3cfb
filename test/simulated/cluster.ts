// A k8ts server in this process with simulated nodes (memory store, HTTPS on
// a free port for the real kubectl), short heartbeats and a short node
// monitor grace period so node failure shows within seconds.
import { startServer, type RunningServer } from '../../src/server/k8ts-server.js';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES } from '../../src/client/api-client.js';
import { Kubectl, removeDir, tempDir } from '../e2e/harness.js';

export interface SimulatedCluster {
  server: RunningServer;
  kubectl: Kubectl;
  close(): Promise<void>;
}

export async function startSimulatedCluster(opts: { nodes: number; graceMs?: number; heartbeatMs?: number; startDelayMs?: number }): Promise<SimulatedCluster> {
  const dataDir = tempDir('k8ts-sim-');
  const server = await startServer({
    dataDir, port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory',
    nodeMonitorGracePeriodMs: opts.graceMs ?? 40_000,
    simulatedNodes: { count: opts.nodes, heartbeatIntervalMs: opts.heartbeatMs ?? 10_000, startDelayMs: opts.startDelayMs ?? 50 },
  });
  const kubectl = new Kubectl(server.kubeconfigPath);
  return {
    server,
    kubectl,
    async close() {
      await server.close();
      kubectl.cleanup();
      removeDir(dataDir);
    },
  };
}

export function deploymentJson(name: string, replicas: number, podSpec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'c', image: 'nginx:1.26' }], ...podSpec } },
    },
  });
}

export async function podsOf(server: RunningServer, app: string): Promise<KubeObject[]> {
  return (await server.client.list(RESOURCES.pods, 'default', { labelSelector: `app=${app}` })).items;
}

export function phase(pod: KubeObject): string | undefined {
  return (pod.status as { phase?: string } | undefined)?.phase;
}

export function isReady(pod: KubeObject): boolean {
  return ((pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function nodeOf(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string }).nodeName;
}

/** Pods of the app that are Running, Ready and not terminating. */
export async function readyPods(server: RunningServer, app: string): Promise<KubeObject[]> {
  return (await podsOf(server, app)).filter((p) => !p.metadata.deletionTimestamp && phase(p) === 'Running' && isReady(p));
}
