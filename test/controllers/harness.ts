// Controller tests run a real k8ts server in this process (memory store,
// HTTPS on a free port, so the real kubectl can drive it) and act as the
// kubelet themselves by writing pod status through the status subresource,
// the way Kubernetes' own controller integration tests do.
import { startServer, type RunningServer } from '../../src/server/k8ts-server.js';
import { RESOURCES } from '../../src/client/api-client.js';
import type { LoopbackClient } from '../../src/client/loopback-client.js';
import type { KubeObject } from '../../src/api/types.js';
import type { Clock } from '../../src/time/clock.js';
import type { ApiClient } from '../../src/client/api-client.js';
import { ControllerManager } from '../../src/controllers/controller-manager.js';
import type { Controller, ControllerContext } from '../../src/controllers/controller.js';
import { rfc3339 } from '../../src/apiserver/registry/names.js';
import { Kubectl, removeDir, tempDir } from '../e2e/harness.js';

export interface ControlPlane {
  server: RunningServer;
  client: LoopbackClient;
  kubectl: Kubectl;
  kubelet: SimulatedKubelet;
  close(): Promise<void>;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;

export interface ControlPlaneOptions {
  clock?: Clock;
  /**
   * Run only these controllers (instead of all of k8ts server's), so a test of
   * one controller isn't disturbed by the others managing what it builds by hand.
   */
  controllers?: ControllerFactory[];
  /** Wraps the client the selected controllers use (e.g. to count or delay calls). */
  wrapClient?: (client: ApiClient) => ApiClient;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const dataDir = tempDir('k8ts-ctrl-');
  const server = await startServer({ dataDir, port: 0, bindAddress: '127.0.0.1', storeBackend: 'memory', clock: opts.clock, controllers: opts.controllers === undefined });
  let manager: ControllerManager | undefined;
  if (opts.controllers) {
    const controllerClient = opts.wrapClient ? opts.wrapClient(server.client) : server.client;
    manager = new ControllerManager(controllerClient, server.wheel, () => {}, opts.controllers);
    await manager.start();
  }
  const kubectl = new Kubectl(server.kubeconfigPath);
  const kubelet = new SimulatedKubelet(server.client, () => server.wheel.clock.wallMs());
  return {
    server,
    client: server.client,
    kubectl,
    kubelet,
    async close() {
      kubelet.stop();
      manager?.stop();
      await server.close();
      kubectl.cleanup();
      removeDir(dataDir);
    },
  };
}

export interface NodeOptions {
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
}

let podIpCounter = 1;

/**
 * Plays the kubelet for tests: registers Nodes and reports pod status.
 * With autoReady on, every pod is bound (if unscheduled) and reported
 * Running and Ready as soon as it appears.
 */
export class SimulatedKubelet {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly client: LoopbackClient,
    private readonly wallMs: () => number,
  ) {}

  async createNode(name: string, opts: NodeOptions = {}): Promise<KubeObject> {
    return this.client.create(RESOURCES.nodes, undefined, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...opts.labels } },
      spec: { taints: opts.taints, unschedulable: opts.unschedulable },
      status: {
        capacity: { cpu: '8', memory: '32Gi', pods: '110' },
        allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: this.now(), lastTransitionTime: this.now() }],
      },
    });
  }

  private now(): string {
    return rfc3339(this.wallMs());
  }

  /** Binds an unscheduled pod to `nodeName` through pods/binding. */
  async bind(pod: KubeObject, nodeName: string): Promise<void> {
    await this.client.bindPod(pod.metadata.namespace!, pod.metadata.name!, nodeName);
  }

  /** Reports a pod Running with every container ready (or not). */
  async setRunning(pod: KubeObject, ready = true): Promise<KubeObject> {
    const containers = ((pod.spec as { containers?: { name: string; image: string }[] }).containers ?? []);
    const now = this.now();
    const status = {
      phase: 'Running',
      podIP: (pod.status as { podIP?: string } | undefined)?.podIP ?? `10.244.0.${podIpCounter++ % 250 + 2}`,
      hostIP: '10.0.0.1',
      startTime: now,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
      ],
      containerStatuses: containers.map((c) => ({
        name: c.name, image: c.image, imageID: '', ready, restartCount: 0, started: true,
        state: { running: { startedAt: now } },
      })),
    };
    return this.client.patch(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, 'application/merge-patch+json', { status }, 'status');
  }

  /** Reports a pod finished: Succeeded (exit 0) or Failed. */
  async setFinished(pod: KubeObject, exitCode: number): Promise<KubeObject> {
    const containers = ((pod.spec as { containers?: { name: string; image: string }[] }).containers ?? []);
    const now = this.now();
    const status = {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now }],
      containerStatuses: containers.map((c) => ({
        name: c.name, image: c.image, imageID: '', ready: false, restartCount: 0, started: false,
        state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: now, finishedAt: now } },
      })),
    };
    return this.client.patch(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, 'application/merge-patch+json', { status }, 'status');
  }

  /** Deletes pods that are terminating (deletionTimestamp set), as a kubelet does once containers stop. */
  async finishTerminating(): Promise<void> {
    const { items } = await this.client.list(RESOURCES.pods, undefined);
    for (const pod of items) {
      if (!pod.metadata.deletionTimestamp) continue;
      await this.client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }

  /**
   * Polls pods (every few ms, real time) and makes every new one Running and
   * Ready, binding unscheduled ones to `nodeName`; terminating pods are removed.
   * `filter` limits which pods it touches.
   */
  startAutoReady(nodeName: string, filter: (pod: KubeObject) => boolean = () => true): void {
    const tick = async () => {
      if (this.busy) return;
      this.busy = true;
      try {
        const { items } = await this.client.list(RESOURCES.pods, undefined);
        for (const pod of items) {
          if (!filter(pod)) continue;
          if (pod.metadata.deletionTimestamp) {
            await this.client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
            continue;
          }
          const phase = (pod.status as { phase?: string } | undefined)?.phase;
          if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') continue;
          try {
            if (!(pod.spec as { nodeName?: string }).nodeName) await this.bind(pod, nodeName);
            await this.setRunning(await this.client.get(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!));
          } catch {
            // The pod went away or changed meanwhile; the next tick sees the new state.
          }
        }
      } finally {
        this.busy = false;
      }
    };
    this.timer = setInterval(() => void tick(), 20);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
