// Simulated nodes: Nodes that run nothing, for scale tests and demos.
//
// The pool registers N Nodes (capacity and labels from a template), keeps
// each one's Lease in kube-node-lease renewed by a LeaseKeeper, all on one
// shared timing wheel (a node costs a few timers and one PATCH per renewal),
// and plays the kubelet for pods bound to them:
//  - a new pod turns Running and Ready, with a pod IP, after startDelayMs;
//  - a pod annotated `k8ts.io/simulated-exit-after: <duration>` (e.g. 5s,
//    300ms, 1m) whose restartPolicy is Never or OnFailure finishes that long
//    after it started: Succeeded, or Failed if `k8ts.io/simulated-exit-code`
//    is not 0;
//  - a terminating pod is deleted once its grace period has passed
//    (capped by maxTerminationGraceMs).
// A node annotated `k8ts.io/simulated-heartbeat: stopped` stops renewing its
// Lease and stops acting on its pods, as a node that lost power; removing the
// annotation brings it back (Ready again, its pods reported again).
//
// How many nodes: the `count` in the ConfigMap kube-system/k8ts-simulated-nodes,
// which the pool watches (`k8ts server --simulated-nodes N` writes it at
// start; `kubectl -n kube-system patch configmap k8ts-simulated-nodes
// -p '{"data":{"count":"50"}}'` grows or shrinks the pool at run time).
import type { KubeObject } from '../api/types.js';
import { RESOURCES, isAlreadyExists, isNotFound, type ApiClient } from '../client/api-client.js';
import { Informer } from '../client/informer.js';
import { LeaseKeeper, type RenewFailureKind } from '../time/lease-keeper.js';
import type { TimerHandle, TimingWheel } from '../time/timing-wheel.js';
import { DEFAULT_TEMPLATE, SIMULATED_ANNOTATION, nodeObject, podAddress, readyCondition, simulatedNodeName, nodeAddress, type SimulatedNodeTemplate } from './node-template.js';

export const POOL_CONFIGMAP = 'k8ts-simulated-nodes';
export const POOL_NAMESPACE = 'kube-system';
export const HEARTBEAT_ANNOTATION = 'k8ts.io/simulated-heartbeat';
export const EXIT_AFTER_ANNOTATION = 'k8ts.io/simulated-exit-after';
export const EXIT_CODE_ANNOTATION = 'k8ts.io/simulated-exit-code';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface SimulatedNodePoolOptions {
  client: ApiClient;
  wheel: TimingWheel;
  template?: Partial<SimulatedNodeTemplate>;
  /** Node names are prefix + a 4-digit index. Default "simulated-node-". */
  namePrefix?: string;
  /** From binding to Running/Ready. Default 500 ms. */
  startDelayMs?: number;
  /** Lease renewal period. Default 10 s (the kubelet's). */
  heartbeatIntervalMs?: number;
  /** spec.leaseDurationSeconds of the node Leases. Default 40. */
  leaseDurationSeconds?: number;
  /** Upper bound on how long a terminating pod lingers. Default: its grace period in full. */
  maxTerminationGraceMs?: number;
  /** Nodes created or deleted at a time while the pool grows or shrinks. Default 64. */
  concurrency?: number;
  log?: (fields: Record<string, unknown>) => void;
}

/** "5s", "300ms", "1.5m", "2h" → ms; a bare number is seconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

function isoNow(wheel: TimingWheel): string {
  return new Date(Math.floor(wheel.clock.wallMs() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

interface PodState {
  /** The timer of whatever happens next to this pod (start, exit or removal). */
  timer?: TimerHandle;
  stage: 'starting' | 'running' | 'exiting' | 'terminating' | 'done';
}

class SimulatedNode {
  keeper: LeaseKeeper | undefined;
  firstBeat: TimerHandle | undefined;
  podSerial = 0;
  stopped = false;
  constructor(readonly name: string, readonly index: number) {}
}

export class SimulatedNodePool {
  private readonly client: ApiClient;
  private readonly wheel: TimingWheel;
  private readonly template: SimulatedNodeTemplate;
  private readonly prefix: string;
  private readonly startDelayMs: number;
  private readonly heartbeatMs: number;
  private readonly leaseSeconds: number;
  private readonly log: (fields: Record<string, unknown>) => void;
  private readonly nodes = new Map<string, SimulatedNode>();
  private readonly pods = new Map<string, PodState>();
  private readonly nodeInformer: Informer;
  private readonly podInformer: Informer;
  private readonly configInformer: Informer;
  private desired = 0;
  private scaling: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: SimulatedNodePoolOptions) {
    this.client = opts.client;
    this.wheel = opts.wheel;
    this.template = { ...DEFAULT_TEMPLATE, ...opts.template };
    this.prefix = opts.namePrefix ?? 'simulated-node-';
    this.startDelayMs = opts.startDelayMs ?? 500;
    this.heartbeatMs = opts.heartbeatIntervalMs ?? 10_000;
    this.leaseSeconds = opts.leaseDurationSeconds ?? 40;
    this.log = opts.log ?? (() => {});
    this.nodeInformer = new Informer(this.client, RESOURCES.nodes, this.wheel);
    this.podInformer = new Informer(this.client, RESOURCES.pods, this.wheel);
    this.podInformer.addIndex('nodeName', (pod) => {
      const n = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      return n ? [n] : [];
    });
    this.configInformer = new Informer(this.client, RESOURCES.configmaps, this.wheel, { namespace: POOL_NAMESPACE, fieldSelector: `metadata.name=${POOL_CONFIGMAP}` });
  }

  /** Nodes the pool runs now. */
  get size(): number {
    return this.nodes.size;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  async start(): Promise<void> {
    this.nodeInformer.addHandlers({
      update: (old, node) => {
        if (this.nodes.has(node.metadata.name!) && old.metadata.annotations?.[HEARTBEAT_ANNOTATION] !== node.metadata.annotations?.[HEARTBEAT_ANNOTATION]) this.heartbeatSettingChanged(node);
      },
      delete: (node) => {
        const sim = this.nodes.get(node.metadata.name!);
        if (sim && this.nodeIndexWanted(sim.index)) void this.register(sim).catch((err) => this.log({ msg: 'simulated node re-registration failed', node: sim.name, error: String(err) }));
      },
    });
    this.podInformer.addHandlers({
      add: (pod) => this.podChanged(pod),
      update: (_old, pod) => this.podChanged(pod),
      delete: (pod) => this.forgetPod(pod),
    });
    this.configInformer.addHandlers({
      add: (cm) => this.configChanged(cm),
      update: (_old, cm) => this.configChanged(cm),
    });
    await Promise.all([this.nodeInformer.start(), this.podInformer.start()]);
    await Promise.all([this.nodeInformer.waitForSync(), this.podInformer.waitForSync()]);
    await this.configInformer.start();
    await this.configInformer.waitForSync();
    await this.scaling;
  }

  /** Writes the pool's ConfigMap (creating it), which the pool follows, and resolves once the nodes are registered. */
  async setCount(count: number): Promise<void> {
    const data = { count: String(count) };
    let written: KubeObject;
    try {
      written = await this.client.patch(RESOURCES.configmaps, POOL_NAMESPACE, POOL_CONFIGMAP, 'application/merge-patch+json', { data });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      written = await this.client.create(RESOURCES.configmaps, POOL_NAMESPACE, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: POOL_CONFIGMAP, namespace: POOL_NAMESPACE }, data });
    }
    // Act on it now rather than when the watch delivers it, so the nodes exist when this resolves.
    this.configChanged(written);
    await this.settled();
  }

  /** Resolves once the pool has as many registered nodes as its ConfigMap asks for. */
  async settled(): Promise<void> {
    let last: Promise<void> | undefined;
    while (last !== this.scaling) {
      last = this.scaling;
      await last;
    }
  }

  async stop(): Promise<void> {
    this.closed = true;
    this.configInformer.stop();
    this.nodeInformer.stop();
    this.podInformer.stop();
    await this.scaling.catch(() => undefined);
    for (const sim of this.nodes.values()) this.stopHeartbeat(sim);
    for (const state of this.pods.values()) if (state.timer !== undefined) this.wheel.cancel(state.timer);
    this.pods.clear();
  }

  // ---- pool size ----

  private nodeIndexWanted(index: number): boolean {
    return index < this.desired && !this.closed;
  }

  private configChanged(cm: KubeObject): void {
    const raw = (cm.data as Record<string, string> | undefined)?.count;
    const count = raw === undefined ? NaN : Number(raw);
    if (!Number.isInteger(count) || count < 0) {
      this.log({ level: 'warn', msg: `ignoring ${POOL_NAMESPACE}/${POOL_CONFIGMAP}: count must be a whole number`, count: raw });
      return;
    }
    this.desired = count;
    this.scaling = this.scaling.then(() => this.scaleTo(count)).catch((err) => this.log({ level: 'error', msg: 'scaling simulated nodes failed', error: String(err) }));
  }

  private async scaleTo(count: number): Promise<void> {
    if (this.closed || count !== this.desired) return;
    const concurrency = this.opts.concurrency ?? 64;
    const toAdd: SimulatedNode[] = [];
    for (let i = 0; i < count; i++) {
      const name = simulatedNodeName(this.prefix, i);
      if (!this.nodes.has(name)) toAdd.push(new SimulatedNode(name, i));
    }
    // Ours by annotation but beyond the count: left over from a bigger pool (or an earlier run).
    const toRemove = this.nodeInformer.list().filter((n) => n.metadata.annotations?.[SIMULATED_ANNOTATION] === 'true' && n.metadata.name!.startsWith(this.prefix)
      && !(Number(n.metadata.name!.slice(this.prefix.length)) < count)).map((n) => n.metadata.name!);
    for (const name of this.nodes.keys()) if (!toRemove.includes(name) && Number(name.slice(this.prefix.length)) >= count) toRemove.push(name);
    await runLimited(toAdd, concurrency, async (sim) => {
      if (this.closed) return;
      this.nodes.set(sim.name, sim);
      await this.register(sim);
    });
    await runLimited(toRemove, concurrency, (name) => this.remove(name));
    this.log({ level: 'info', msg: 'simulated nodes', count: this.nodes.size });
  }

  private async register(sim: SimulatedNode): Promise<void> {
    const now = isoNow(this.wheel);
    const node = nodeObject(sim.name, sim.index, this.template, now);
    try {
      await this.client.create(RESOURCES.nodes, undefined, node);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Left from an earlier run: take it over, reporting Ready again.
      await this.client.patch(RESOURCES.nodes, undefined, sim.name, 'application/merge-patch+json', { status: node.status }, 'status');
    }
    const existing = this.nodeInformer.get(undefined, sim.name);
    sim.stopped = existing?.metadata.annotations?.[HEARTBEAT_ANNOTATION] === 'stopped';
    if (!sim.stopped) this.startHeartbeat(sim, true);
    // Pods already bound to it (a restart): report them.
    for (const pod of this.podInformer.byIndex('nodeName', sim.name)) this.podChanged(pod);
  }

  private async remove(name: string): Promise<void> {
    const sim = this.nodes.get(name);
    if (sim) this.stopHeartbeat(sim);
    this.nodes.delete(name);
    await this.client.delete(RESOURCES.nodes, undefined, name).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
    await this.client.delete(RESOURCES.leases, NODE_LEASE_NAMESPACE, name).catch((err) => {
      if (!isNotFound(err)) throw err;
    });
  }

  // ---- heartbeats ----

  private heartbeatSettingChanged(node: KubeObject): void {
    const sim = this.nodes.get(node.metadata.name!)!;
    const stop = node.metadata.annotations?.[HEARTBEAT_ANNOTATION] === 'stopped';
    if (stop === sim.stopped) return;
    sim.stopped = stop;
    if (stop) {
      this.stopHeartbeat(sim);
      this.log({ level: 'info', msg: 'simulated node stopped heartbeating', node: sim.name });
      return;
    }
    this.log({ level: 'info', msg: 'simulated node heartbeating again', node: sim.name });
    this.startHeartbeat(sim, false);
    for (const pod of this.podInformer.byIndex('nodeName', sim.name)) this.podChanged(pod);
  }

  private startHeartbeat(sim: SimulatedNode, spread: boolean): void {
    this.stopHeartbeat(sim);
    // A new pool spreads its first renewals over one interval, so N nodes don't all renew in the same tick.
    const firstDelay = spread ? Math.floor(Math.random() * this.heartbeatMs) : 0;
    sim.firstBeat = this.wheel.schedule(firstDelay, () => {
      sim.firstBeat = undefined;
      void this.beat(sim).catch(() => undefined);
      this.keep(sim);
    });
  }

  private keep(sim: SimulatedNode): void {
    if (sim.stopped || this.closed || this.nodes.get(sim.name) !== sim) return;
    sim.keeper = new LeaseKeeper({
      wheel: this.wheel,
      renew: () => this.beat(sim),
      classify: (): RenewFailureKind => 'unreachable',
      validForMs: this.leaseSeconds * 1000,
      renewIntervalMs: this.heartbeatMs,
      onHealthChange: (change) => {
        // A node never gives up on its Lease: start over.
        if (change.health === 'failed') this.wheel.schedule(this.heartbeatMs, () => this.keep(sim));
      },
    });
    sim.keeper.start();
  }

  private stopHeartbeat(sim: SimulatedNode): void {
    if (sim.firstBeat !== undefined) this.wheel.cancel(sim.firstBeat);
    sim.firstBeat = undefined;
    sim.keeper?.stop();
    sim.keeper = undefined;
  }

  /** One heartbeat: renew the Lease (creating it if need be), and report Ready if the node is not. */
  private async beat(sim: SimulatedNode): Promise<void> {
    const renewTime = microTime(this.wheel.clock.wallMs());
    try {
      await this.client.patch(RESOURCES.leases, NODE_LEASE_NAMESPACE, sim.name, 'application/merge-patch+json', { spec: { renewTime, holderIdentity: sim.name, leaseDurationSeconds: this.leaseSeconds } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const node = await this.client.get(RESOURCES.nodes, undefined, sim.name);
      await this.client.create(RESOURCES.leases, NODE_LEASE_NAMESPACE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: sim.name, namespace: NODE_LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: sim.name, uid: node.metadata.uid! }] },
        spec: { holderIdentity: sim.name, leaseDurationSeconds: this.leaseSeconds, renewTime },
      });
    }
    const node = this.nodeInformer.get(undefined, sim.name);
    const ready = ((node?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready');
    if (node && ready?.status !== 'True') {
      const now = isoNow(this.wheel);
      const fresh = nodeObject(sim.name, sim.index, this.template, now);
      const conditions = ((fresh.status as { conditions: { type: string }[] }).conditions).map((c) => (c.type === 'Ready' ? readyCondition(now, now) : c));
      await this.client.patch(RESOURCES.nodes, undefined, sim.name, 'application/merge-patch+json', { status: { conditions } }, 'status');
    }
  }

  // ---- pods ----

  private podChanged(pod: KubeObject): void {
    if (this.closed) return;
    const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    const sim = nodeName ? this.nodes.get(nodeName) : undefined;
    if (!sim || sim.stopped) return;
    const uid = pod.metadata.uid!;
    let state = this.pods.get(uid);
    if (pod.metadata.deletionTimestamp) {
      if (state?.stage === 'terminating') return;
      if (state?.timer !== undefined) this.wheel.cancel(state.timer);
      const graceMs = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      const delay = Math.min(graceMs, this.opts.maxTerminationGraceMs ?? Infinity);
      state = { stage: 'terminating' };
      this.pods.set(uid, state);
      state.timer = this.wheel.schedule(delay, () => void this.removePod(pod).catch(() => undefined));
      return;
    }
    const status = (pod.status ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
    const phase = status.phase ?? 'Pending';
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (phase === 'Pending') {
      if (state) return;
      state = { stage: 'starting' };
      this.pods.set(uid, state);
      state.timer = this.wheel.schedule(this.startDelayMs, () => void this.startPod(sim, pod.metadata.namespace!, pod.metadata.name!, uid).catch((err) => this.retryLater(uid, err)));
      return;
    }
    // Running but marked not Ready (the node was unreachable) while we are alive: report it Ready again.
    const ready = status.conditions?.find((c) => c.type === 'Ready');
    if (phase === 'Running' && ready?.status === 'False' && (!state || state.stage === 'running')) {
      if (!state) this.pods.set(uid, (state = { stage: 'running' }));
      void this.startPod(sim, pod.metadata.namespace!, pod.metadata.name!, uid).catch(() => undefined);
    } else if (phase === 'Running' && !state) {
      // Running from before (a pool restart): keep track so an exit can still be scheduled.
      this.pods.set(uid, { stage: 'running' });
    }
  }

  private retryLater(uid: string, err: unknown): void {
    // The pod went away or changed meanwhile; the informer's next event retries.
    this.pods.delete(uid);
    if (!isNotFound(err)) this.log({ level: 'warn', msg: 'simulated pod start failed', error: String(err) });
  }

  private forgetPod(pod: KubeObject): void {
    const state = this.pods.get(pod.metadata.uid!);
    if (state?.timer !== undefined) this.wheel.cancel(state.timer);
    this.pods.delete(pod.metadata.uid!);
  }

  private async startPod(sim: SimulatedNode, namespace: string, name: string, uid: string): Promise<void> {
    const pod = this.podInformer.get(namespace, name);
    if (!pod || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp || sim.stopped) return;
    const state = this.pods.get(uid);
    if (!state || state.stage === 'terminating') return;
    const spec = pod.spec as { containers?: { name: string; image: string }[]; restartPolicy?: string };
    const current = (pod.status ?? {}) as { podIP?: string; startTime?: string };
    const now = isoNow(this.wheel);
    const podIP = current.podIP ?? podAddress(sim.index, sim.podSerial++);
    const status = {
      phase: 'Running',
      podIP,
      podIPs: [{ ip: podIP }],
      hostIP: nodeAddress(sim.index),
      hostIPs: [{ ip: nodeAddress(sim.index) }],
      startTime: current.startTime ?? now,
      conditions: ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now })),
      containerStatuses: (spec.containers ?? []).map((c) => ({
        name: c.name, image: c.image, imageID: `simulated://${c.image}`, containerID: `simulated://${uid.slice(0, 8)}-${c.name}`,
        ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } },
      })),
    };
    await this.client.patch(RESOURCES.pods, namespace, name, 'application/merge-patch+json', { status }, 'status');
    state.stage = 'running';
    state.timer = undefined;
    const exitAfter = pod.metadata.annotations?.[EXIT_AFTER_ANNOTATION];
    const exitMs = exitAfter === undefined ? undefined : parseDurationMs(exitAfter);
    if (exitMs !== undefined && (spec.restartPolicy ?? 'Always') !== 'Always') {
      state.stage = 'exiting';
      state.timer = this.wheel.schedule(exitMs, () => void this.finishPod(namespace, name, uid).catch(() => undefined));
    }
  }

  private async finishPod(namespace: string, name: string, uid: string): Promise<void> {
    const pod = this.podInformer.get(namespace, name);
    const state = this.pods.get(uid);
    if (!pod || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp || !state || state.stage !== 'exiting') return;
    const exitCode = Number(pod.metadata.annotations?.[EXIT_CODE_ANNOTATION] ?? '0') || 0;
    const now = isoNow(this.wheel);
    const containers = (pod.spec as { containers?: { name: string; image: string }[] }).containers ?? [];
    const startedAt = (pod.status as { startTime?: string } | undefined)?.startTime ?? now;
    await this.client.patch(RESOURCES.pods, namespace, name, 'application/merge-patch+json', {
      status: {
        phase: exitCode === 0 ? 'Succeeded' : 'Failed',
        conditions: ['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map((type) => ({
          type, status: type === 'PodScheduled' || type === 'Initialized' ? 'True' : 'False', ...(type === 'Ready' || type === 'ContainersReady' ? { reason: 'PodCompleted' } : {}), lastProbeTime: null, lastTransitionTime: now,
        })),
        containerStatuses: containers.map((c) => ({
          name: c.name, image: c.image, imageID: `simulated://${c.image}`, containerID: `simulated://${uid.slice(0, 8)}-${c.name}`, ready: false, restartCount: 0, started: false,
          state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: now } },
        })),
      },
    }, 'status');
    state.stage = 'done';
    state.timer = undefined;
  }

  private async removePod(pod: KubeObject): Promise<void> {
    const sim = this.nodes.get((pod.spec as { nodeName?: string }).nodeName ?? '');
    if (!sim || sim.stopped) {
      // The node went down meanwhile: the pod stays terminating, as on a real dead node.
      this.pods.delete(pod.metadata.uid!);
      return;
    }
    await this.client.delete(RESOURCES.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }).catch((err) => {
      if (!isNotFound(err) && (err as { code?: number }).code !== 409) throw err;
    });
  }
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
