// The node agent (k8ts' kubelet): registers the Node and keeps its Lease,
// watches the pods bound to it, and runs them through runc and CNI. One per
// node: in-process in `k8ts server --agent`, or `k8ts agent` on another host.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import type { KubeObject } from '../api/types.js';
import { RESOURCES, type ApiClient } from '../client/api-client.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer, objectKey } from '../client/informer.js';
import { WorkQueue } from '../client/work-queue.js';
import type { TimingWheel, TimerHandle } from '../time/timing-wheel.js';
import { ensurePki } from '../apiserver/security/pki.js';
import { runTool } from './exec-file.js';
import { ImageStore } from './images/image-store.js';
import { ImagePuller, type RegistryConfig } from './images/image-puller.js';
import { ImageManager } from './images/image-manager.js';
import { Runc } from './runtime/runc.js';
import { ContainerRuntime } from './runtime/container-runtime.js';
import { PodNamespaces, mountsUnder } from './runtime/pod-namespaces.js';
import { removeCgroup } from './runtime/cgroup-paths.js';
import { CniNetwork, DEFAULT_CNI_PLUGIN_DIRS } from './network/cni.js';
import { bridgeConfList } from './network/cni-config.js';
import { PodVolumes } from './volumes/pod-volumes.js';
import { PodSync } from './pods/pod-sync.js';
import { NodeStatusReporter, defaultNodeName } from './node/node-status.js';
import { NodeLease } from './node/node-lease.js';
import { AgentStreamServer } from './streaming/agent-server.js';
import type { BackOffOptions } from './runtime/backoff.js';
import type { Reservations } from './node/host-resources.js';
import { PodMetrics } from './metrics/pod-metrics.js';

export interface AgentOptions {
  client: ApiClient;
  wheel: TimingWheel;
  dataDir: string;
  /** The token the API server presents when it calls the agent (logs, exec). */
  token: string;
  nodeName?: string;
  hostIp?: string;
  clusterCidr?: string;
  maxPods?: number;
  /** pids limit of each container's cgroup (--pod-max-pids; unset or 0: none). */
  podPidsLimit?: number;
  /** Taken off capacity to make allocatable (--system-reserved). */
  reservations?: Reservations;
  registries?: RegistryConfig;
  /** Port of the agent's streaming endpoint (0 picks one). */
  port?: number;
  /** Linux bridge for pods; distinct names let several agents share a host (tests). */
  bridgeName?: string;
  /** Top-level cgroup for pods. */
  cgroupRoot?: string;
  cniPluginDirs?: string[];
  crashLoopBackOff?: BackOffOptions;
  imagePullBackOff?: BackOffOptions;
  /** Period of the full resync (adopted containers' exits, configMap/secret volumes). */
  resyncMs?: number;
  workers?: number;
  /** Period of the cgroup CPU/memory sampling behind `metrics` (default 10 s). */
  metricsPeriodMs?: number;
  log?: (fields: Record<string, unknown>) => void;
}

export class AgentUnavailableError extends Error {}

/** The first non-loopback IPv4 address, or loopback. */
export function defaultHostIp(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export class NodeAgent {
  readonly nodeName: string;
  readonly hostIp: string;
  readonly runtime: ContainerRuntime;
  readonly imageStore: ImageStore;
  readonly namespaces: PodNamespaces;
  /** Per-pod and per-container CPU and memory, from cgroups. */
  readonly metrics: PodMetrics;
  private readonly queue: WorkQueue;
  private informer: Informer | undefined;
  private podSync: PodSync | undefined;
  private lease: NodeLease | undefined;
  private streams: AgentStreamServer | undefined;
  private statusTimer: TimerHandle | undefined;
  private resyncTimer: TimerHandle | undefined;
  private stopped = false;
  private readonly log: (fields: Record<string, unknown>) => void;

  constructor(private readonly opts: AgentOptions) {
    this.nodeName = opts.nodeName ?? defaultNodeName();
    this.hostIp = opts.hostIp ?? defaultHostIp();
    this.log = opts.log ?? (() => undefined);
    mkdirSync(opts.dataDir, { recursive: true });
    this.imageStore = new ImageStore(join(opts.dataDir, 'images'));
    this.runtime = new ContainerRuntime(join(opts.dataDir, 'pods'), join(opts.dataDir, 'logs'), new Runc(join(opts.dataDir, 'run', 'runc')));
    this.namespaces = new PodNamespaces(join(opts.dataDir, 'run', 'ns'));
    this.metrics = new PodMetrics(this.runtime, opts.wheel, opts.metricsPeriodMs);
    this.queue = new WorkQueue(opts.wheel, { baseDelayMs: 200, maxDelayMs: 30_000 });
  }

  get streamPort(): number | undefined {
    return this.streams?.port;
  }

  async start(): Promise<void> {
    const o = this.opts;
    try {
      await runTool('runc', ['--version']);
    } catch {
      throw new AgentUnavailableError('runc is not installed (apt-get install runc); the node agent cannot run pods');
    }
    this.imageStore.sweep();
    const pki = await ensurePki(join(o.dataDir, 'pki'), [this.hostIp]);
    const recorder = new EventRecorder(o.client, 'kubelet', () => o.wheel.clock.wallMs());
    this.streams = new AgentStreamServer({ token: o.token, certPem: pki.certPem, keyPem: pki.keyPem, runtime: this.runtime, findPod: (ns, name) => this.informer?.get(ns, name) });
    const port = await this.streams.listen(o.port ?? 0, this.hostIp);
    const runcVersion = (await runTool('runc', ['--version'])).stdout.split('\n')[0]?.split(' ')[2] ?? 'unknown';
    const status = new NodeStatusReporter(o.client, {
      nodeName: this.nodeName, hostIp: this.hostIp, dataDir: o.dataDir, clusterCidr: o.clusterCidr ?? '10.244.0.0/16', maxPods: o.maxPods ?? 110,
      reservations: o.reservations, agentPort: port, agentCaPem: pki.caPem, runtimeVersion: `runc://${runcVersion}`,
    }, () => o.wheel.clock.wallMs());
    const podCidr = await status.register();
    this.lease = new NodeLease(o.client, o.wheel, this.nodeName, (change) => this.log({ level: 'info', msg: 'node lease health', health: change.health }));
    await this.lease.start();
    const reportStatus = () => {
      if (this.stopped) return;
      void status.report().catch(() => undefined).finally(() => {
        if (!this.stopped) this.statusTimer = o.wheel.schedule(10_000, reportStatus);
      });
    };
    this.statusTimer = o.wheel.schedule(10_000, reportStatus);

    const network = new CniNetwork(
      bridgeConfList({ name: 'k8ts', bridge: o.bridgeName ?? 'k8ts0', podCidr, ipamDataDir: join(o.dataDir, 'network', 'ipam'), ipMasq: false }),
      o.cniPluginDirs ?? DEFAULT_CNI_PLUGIN_DIRS,
      join(o.dataDir, 'network', 'results'),
    );
    const puller = new ImagePuller(this.imageStore, o.registries);
    const images = new ImageManager(this.imageStore, puller, o.client, recorder, () => o.wheel.clock.nowMs(), o.imagePullBackOff);
    this.podSync = new PodSync({
      client: o.client, wheel: o.wheel, runtime: this.runtime, namespaces: this.namespaces, network, volumes: new PodVolumes(o.client),
      images, imageStore: this.imageStore, recorder, nodeName: this.nodeName, hostIp: this.hostIp, cgroupRoot: o.cgroupRoot ?? 'k8ts',
      requeue: (key, ms) => this.queue.addAfter(key, ms), log: this.log, crashLoopBackOff: o.crashLoopBackOff,
      podPidsLimit: o.podPidsLimit,
    });

    const adopted = this.runtime.adopt();
    this.runtime.onExit((r) => this.queue.add(`${r.podNamespace}/${r.podName}`));
    this.informer = new Informer(o.client, RESOURCES.pods, o.wheel, { fieldSelector: `spec.nodeName=${this.nodeName}` });
    this.informer.addHandlers({
      add: (p) => this.queue.add(objectKey(p)),
      update: (_old, p) => this.queue.add(objectKey(p)),
      delete: (p) => this.queue.add(objectKey(p)),
    });
    await this.informer.start();
    await this.informer.waitForSync();
    await this.cleanupOrphans();
    this.log({ level: 'info', msg: 'node agent ready', node: this.nodeName, podCidr, adoptedContainers: adopted.length });
    void this.queue.run(o.workers ?? 16, async (key) => {
      const [ns, name] = key.split('/') as [string, string];
      await this.podSync!.sync(key, this.informer!.get(ns, name));
    }, (key, err) => this.log({ level: 'error', msg: 'pod sync failed', pod: key, error: String((err as Error)?.message ?? err) }));
    const resync = () => {
      if (this.stopped) return;
      for (const p of this.informer!.list()) this.queue.add(objectKey(p));
      this.resyncTimer = o.wheel.schedule(o.resyncMs ?? 2000, resync);
    };
    this.resyncTimer = o.wheel.schedule(o.resyncMs ?? 2000, resync);
    this.metrics.start();
  }

  /** Removes what belongs to pods no longer bound here (deleted while the agent was down). */
  private async cleanupOrphans(): Promise<void> {
    const live = new Set(this.informer!.list().map((p: KubeObject) => p.metadata.uid!));
    const known = new Set([...this.runtime.knownPods(), ...this.namespaces.list()]);
    for (const uid of known) {
      if (live.has(uid)) continue;
      const logsDir = this.runtime.logsDir;
      const logDir = existsSync(logsDir) ? readdirSync(logsDir).find((d) => d.endsWith(`_${uid}`)) : undefined;
      this.log({ level: 'info', msg: 'removing orphaned pod', uid });
      await this.podSync!.cleanupNode(uid, logDir ? join(logsDir, logDir) : undefined);
    }
  }

  /**
   * Decommissions the node (tests, uninstall): stops the agent, kills and
   * removes every pod it has on this host, then the node-level state: the pod
   * bridge, the namespace directory's own mount and the cgroup tiers. Call it
   * before the wheel closes (i.e. before the server's close()).
   */
  async teardownNode(): Promise<void> {
    await this.stop();
    if (this.podSync) {
      for (const uid of new Set([...this.runtime.knownPods(), ...this.namespaces.list()])) await this.podSync.cleanupNode(uid, undefined);
    }
    await runTool('ip', ['link', 'del', this.opts.bridgeName ?? 'k8ts0'], { allowFailure: true });
    for (const mp of mountsUnder(this.namespaces.nsDir)) await runTool('umount', ['-l', mp], { allowFailure: true });
    removeCgroup(`/${this.opts.cgroupRoot ?? 'k8ts'}`);
  }

  /** Stops watching and reporting; containers keep running (a restarted agent adopts them). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.informer?.stop();
    this.queue.shutdown();
    this.lease?.stop();
    this.metrics.stop();
    if (this.statusTimer !== undefined) this.opts.wheel.cancel(this.statusTimer);
    if (this.resyncTimer !== undefined) this.opts.wheel.cancel(this.resyncTimer);
    await this.streams?.close();
  }
}
