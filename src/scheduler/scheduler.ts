// The scheduler: a client of the API like any controller. Shared informers
// keep the cache (nodes, bound pods) and the queue (pending pods) current;
// the loop takes the most important pending pod, runs one scheduling attempt
// synchronously against the cache, assumes the pod onto the chosen node and
// binds it through pods/binding in the background. Pods that fit nowhere get
// PodScheduled=False and a FailedScheduling event, may preempt lower-priority
// pods, and wait in the queue for the cluster to change.
import type { KubeObject } from '../api/types.js';
import { RESOURCES, isConflict, isNotFound, type ApiClient } from '../client/api-client.js';
import type { EventRecorder } from '../client/event-recorder.js';
import type { Informer } from '../client/informer.js';
import { rfc3339 } from '../apiserver/registry/names.js';
import type { Controller, ControllerContext } from '../controllers/controller.js';
import { SchedulingAlgorithm, type AttemptResult } from './algorithm.js';
import { DEFAULT_SCHEDULER_NAME, type PodCondition, type PodStatus } from './api-types.js';
import { SchedulerCache } from './cache.js';
import { fitErrorMessage, NO_NODES_AVAILABLE } from './fit-error.js';
import type { FilterPlugin, ScorePlugin } from './framework.js';
import { makePodInfo, podKey, type PodInfo } from './pod-info.js';
import { defaultFilters, DEFAULT_SCORES } from './plugins/index.js';
import { disruptionBudgetFrom, preempt, type DisruptionBudget } from './preemption.js';
import { SchedulingQueue, type QueueOptions, type QueuedPod } from './queue.js';

export interface SchedulerOptions {
  /** Source of tie-breaking randomness; tests pass a seeded one. */
  random?: () => number;
  filters?: readonly FilterPlugin[];
  scores?: readonly ScorePlugin[];
  queue?: QueueOptions;
  /** Bindings in flight at once before the loop waits for one to finish. */
  maxBindsInFlight?: number;
}

export interface SchedulerStats {
  attempts: number;
  bound: number;
  unschedulable: number;
  bindFailures: number;
  preemptions: number;
}

/** How long the loop runs attempts before letting informer events and bindings through. */
const TIME_SLICE_MS = 10;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function withTypeMeta(obj: KubeObject): KubeObject {
  return { ...obj, apiVersion: 'v1', kind: 'Pod' };
}

/** Spec, labels and annotations: what makes a pending pod worth retrying when it changes. */
function schedulingRelevant(obj: KubeObject): string {
  return JSON.stringify([obj.metadata.labels, obj.metadata.annotations, obj.spec]);
}

function nodeRelevant(obj: KubeObject): string {
  const status = (obj.status ?? {}) as { allocatable?: unknown; images?: unknown[] };
  return JSON.stringify([obj.metadata.labels, obj.spec, status.allocatable, status.images?.length]);
}

function hasSchedulingGates(obj: KubeObject): boolean {
  return ((obj.spec as { schedulingGates?: unknown[] } | undefined)?.schedulingGates?.length ?? 0) > 0;
}

export class Scheduler implements Controller {
  readonly name = 'scheduler';
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly stats: SchedulerStats = { attempts: 0, bound: 0, unschedulable: 0, bindFailures: 0, preemptions: 0 };
  private readonly algorithm: SchedulingAlgorithm;
  private readonly client: ApiClient;
  private readonly recorder: EventRecorder;
  private readonly budgets: Informer;
  private readonly pods: Informer;
  private readonly maxBindsInFlight: number;
  private bindsInFlight = 0;
  private bindSlotWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly ctx: ControllerContext, opts: SchedulerOptions = {}) {
    this.client = ctx.client;
    this.recorder = ctx.recorder(DEFAULT_SCHEDULER_NAME);
    this.queue = new SchedulingQueue(ctx.wheel, opts.queue);
    const claims = ctx.informers.informer(RESOURCES.persistentvolumeclaims);
    const volumes = ctx.informers.informer(RESOURCES.persistentvolumes);
    const volumeLookup = { claim: (ns: string, name: string) => claims.get(ns, name), volume: (name: string) => volumes.get(undefined, name) };
    this.algorithm = new SchedulingAlgorithm(opts.filters ?? defaultFilters(volumeLookup), opts.scores ?? DEFAULT_SCORES, opts.random ?? Math.random);
    // A claim bound, or a volume added or changed, may let waiting pods in.
    const retry = { add: () => this.queue.moveAllToActiveOrBackoff(), update: () => this.queue.moveAllToActiveOrBackoff() };
    claims.addHandlers(retry);
    volumes.addHandlers(retry);
    this.maxBindsInFlight = opts.maxBindsInFlight ?? 128;
    this.budgets = ctx.informers.informer(RESOURCES.poddisruptionbudgets);
    ctx.informers.informer(RESOURCES.namespaces).addHandlers({
      add: (ns) => this.cache.setNamespace(ns),
      update: (_old, ns) => this.cache.setNamespace(ns),
      delete: (ns) => this.cache.removeNamespace(ns.metadata.name!),
    });
    ctx.informers.informer(RESOURCES.nodes).addHandlers({
      add: (node) => {
        this.cache.setNode(node);
        this.queue.moveAllToActiveOrBackoff();
      },
      update: (oldNode, node) => {
        this.cache.setNode(node);
        if (nodeRelevant(oldNode) !== nodeRelevant(node)) this.queue.moveAllToActiveOrBackoff();
      },
      delete: (node) => this.cache.removeNode(node.metadata.name!),
    });
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.pods.addHandlers({
      add: (pod) => this.onPod(undefined, pod),
      update: (oldPod, pod) => this.onPod(oldPod, pod),
      delete: (pod) => this.onPodDeleted(pod),
    });
  }

  run(): void {
    void this.loop().catch((err) => this.ctx.log({ level: 'error', msg: 'scheduler loop stopped', error: String(err) }));
  }

  stop(): void {
    this.stopped = true;
    this.queue.close();
    for (const wake of this.bindSlotWaiters) wake();
    this.bindSlotWaiters = [];
  }

  // ---- informer events ----

  private onPod(oldObj: KubeObject | undefined, obj: KubeObject): void {
    const pod = makePodInfo(obj);
    if (pod.nodeName) {
      this.queue.delete(pod.key);
      this.cache.clearNomination(pod.key);
      const wasPlaced = this.cache.isPlaced(pod.key) && !this.cache.isAssumed(pod.key);
      this.cache.addPod(pod);
      // A bound pod that finished or relabelled may make room or change affinity for pending ones.
      const old = oldObj ? boundPodFacts(oldObj) : undefined;
      if (wasPlaced && old && (pod.terminal !== old.terminal || JSON.stringify(pod.labels) !== JSON.stringify(old.labels))) {
        this.queue.moveAllToActiveOrBackoff();
      }
      return;
    }
    if (pod.schedulerName !== DEFAULT_SCHEDULER_NAME || pod.terminal) return;
    if (pod.terminating || hasSchedulingGates(obj)) {
      this.queue.delete(pod.key);
      return;
    }
    // Our own binding is in flight: this is an older copy still without nodeName.
    if (this.cache.isAssumed(pod.key)) return;
    if (pod.nominatedNodeName && !this.cache.nominatedNode(pod.key)) this.cache.nominate(pod, pod.nominatedNodeName);
    const changed = oldObj === undefined || schedulingRelevant(oldObj) !== schedulingRelevant(obj);
    this.queue.addOrUpdate(pod, changed);
  }

  private onPodDeleted(obj: KubeObject): void {
    const key = podKey(obj);
    this.queue.delete(key);
    this.cache.clearNomination(key);
    if (this.cache.removePod(key)) this.queue.moveAllToActiveOrBackoff();
  }

  // ---- the loop ----

  private async loop(): Promise<void> {
    while (!this.stopped) {
      await this.queue.whenActive();
      let sliceEnd = performance.now() + TIME_SLICE_MS;
      while (!this.stopped) {
        if (this.bindsInFlight >= this.maxBindsInFlight) await new Promise<void>((resolve) => this.bindSlotWaiters.push(resolve));
        const qp = this.queue.pop();
        if (!qp) break;
        this.scheduleOne(qp);
        if (performance.now() > sliceEnd) {
          await yieldToEventLoop();
          sliceEnd = performance.now() + TIME_SLICE_MS;
        }
      }
      await yieldToEventLoop();
    }
  }

  /** One attempt. State changes happen here, synchronously; API calls start only after them. */
  scheduleOne(qp: QueuedPod): void {
    const pod = qp.pod;
    if (pod.terminating || this.cache.isPlaced(pod.key)) {
      this.queue.done(qp);
      return;
    }
    this.stats.attempts++;
    const result = this.algorithm.schedule(pod, this.cache);
    if (result.kind === 'fit') {
      this.cache.assumePod(pod, result.node.name);
      this.cache.clearNomination(pod.key);
      this.queue.done(qp);
      this.bind(pod, result.node.name, qp.attempts);
      return;
    }
    this.handleUnschedulable(qp, result);
  }

  private handleUnschedulable(qp: QueuedPod, result: Exclude<AttemptResult, { kind: 'fit' }>): void {
    const pod = qp.pod;
    this.stats.unschedulable++;
    const outcome = explainFailure(pod, this.cache, result, this.budgets.list().map(disruptionBudgetFrom));
    if (outcome.preemption) {
      this.stats.preemptions++;
      this.cache.nominate(pod, outcome.preemption.nodeName);
    } else if (outcome.nominate === '') {
      this.cache.clearNomination(pod.key);
    }
    this.queue.requeueUnschedulable(qp);
    if (outcome.preemption) this.evict(pod, outcome.preemption.nodeName, outcome.preemption.victims);
    this.recorder.event(withTypeMeta(pod.object), 'Warning', 'FailedScheduling', outcome.message);
    void this.markUnschedulable(pod, outcome.message, outcome.nominate);
  }

  // ---- API side effects ----

  private bind(pod: PodInfo, nodeName: string, attempts: number): void {
    this.bindsInFlight++;
    this.client.bindPod(pod.namespace, pod.name, nodeName).then(
      () => {
        this.stats.bound++;
        this.recorder.event(withTypeMeta(pod.object), 'Normal', 'Scheduled', `Successfully assigned ${pod.namespace}/${pod.name} to ${nodeName}`);
      },
      (err: unknown) => {
        this.stats.bindFailures++;
        this.cache.forgetPod(pod.key);
        this.queue.moveAllToActiveOrBackoff();
        // Gone, already bound elsewhere, or being deleted: the informer tells the rest.
        if (isNotFound(err) || isConflict(err)) return;
        this.ctx.log({ level: 'error', msg: 'binding failed', pod: pod.key, node: nodeName, error: String(err) });
        this.queue.retryAfterBindFailure(pod, attempts);
      },
    ).finally(() => {
      this.bindsInFlight--;
      this.bindSlotWaiters.shift()?.();
    });
  }

  /** PodScheduled=False/Unschedulable with the message, written only when something changed (as kube's updatePod). */
  private async markUnschedulable(pod: PodInfo, message: string, nominate: string | undefined, retried = false): Promise<void> {
    const status = (pod.object.status ?? {}) as PodStatus;
    const current = status.conditions?.find((c) => c.type === 'PodScheduled');
    const conditionSame = current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message;
    const nominationSame = nominate === undefined || (status.nominatedNodeName ?? '') === nominate;
    if (conditionSame && nominationSame) return;
    const condition: PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message,
      lastProbeTime: null,
      lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : rfc3339(this.ctx.clock.wallMs()),
    };
    // Pinned to the version this attempt saw: if the pod was bound (or changed) meanwhile, the write
    // conflicts instead of marking a bound pod unschedulable; the next attempt, if any, tries again.
    const patch: { metadata: { resourceVersion?: string }; status: Record<string, unknown> } = {
      metadata: { resourceVersion: pod.object.metadata.resourceVersion },
      status: { conditions: [condition] },
    };
    if (nominate !== undefined) patch.status.nominatedNodeName = nominate === '' ? null : nominate;
    try {
      await this.client.patch(RESOURCES.pods, pod.namespace, pod.name, 'application/strategic-merge-patch+json', patch, 'status');
    } catch (err) {
      if (isConflict(err) && !retried) {
        // Usually our own previous status write, not yet seen: retry once on the newest copy if still unbound.
        const fresh = this.pods.get(pod.namespace, pod.name);
        if (fresh && !(fresh.spec as { nodeName?: string } | undefined)?.nodeName && fresh.metadata.resourceVersion !== pod.object.metadata.resourceVersion) {
          await this.markUnschedulable(makePodInfo(fresh), message, nominate, true);
        }
        return;
      }
      if (!isNotFound(err) && !isConflict(err)) this.ctx.log({ level: 'error', msg: 'updating pod status failed', pod: pod.key, error: String(err) });
    }
  }

  /** Evicts the victims (graceful delete, as kube does) and drops weaker nominations to the node. */
  private evict(preemptor: PodInfo, nodeName: string, victims: readonly PodInfo[]): void {
    for (const other of [...this.cache.nominatedPods(nodeName)]) {
      if (other.key === preemptor.key || other.priority >= preemptor.priority) continue;
      this.cache.clearNomination(other.key);
      void this.client.patch(RESOURCES.pods, other.namespace, other.name, 'application/merge-patch+json', { status: { nominatedNodeName: null } }, 'status').catch(() => undefined);
    }
    for (const victim of victims) void this.evictOne(preemptor, nodeName, victim);
  }

  private async evictOne(preemptor: PodInfo, nodeName: string, victim: PodInfo): Promise<void> {
    const condition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: `${DEFAULT_SCHEDULER_NAME}: preempting to accommodate a higher priority pod`,
      lastTransitionTime: rfc3339(this.ctx.clock.wallMs()),
    };
    try {
      await this.client.patch(RESOURCES.pods, victim.namespace, victim.name, 'application/strategic-merge-patch+json', { status: { conditions: [condition] } }, 'status');
      await this.client.delete(RESOURCES.pods, victim.namespace, victim.name, { preconditions: { uid: victim.uid } });
      this.recorder.event(withTypeMeta(victim.object), 'Normal', 'Preempted', `Preempted by pod ${preemptor.uid} on node ${nodeName}`);
    } catch (err) {
      if (!isNotFound(err)) this.ctx.log({ level: 'error', msg: 'preempting pod failed', pod: victim.key, error: String(err) });
    }
  }
}

export interface FailureOutcome {
  /** The FailedScheduling message (and PodScheduled condition message). */
  message: string;
  /** Victims to evict so the pod fits on nodeName later. */
  preemption?: { nodeName: string; victims: PodInfo[] };
  /** New status.nominatedNodeName: undefined leaves it, '' clears it. */
  nominate?: string;
}

/** What to say and do about a pod no node fits: the FitError message, and preemption (kube's PostFilter). */
export function explainFailure(
  pod: PodInfo,
  cache: SchedulerCache,
  result: Exclude<AttemptResult, { kind: 'fit' }>,
  budgets: readonly DisruptionBudget[],
): FailureOutcome {
  if (result.kind === 'noNodes') return { message: NO_NODES_AVAILABLE };
  const outcome = preempt(pod, cache, result.checks, result.rejections, budgets);
  const numAllNodes = cache.nodeCount;
  if (outcome.kind === 'preempt') {
    return {
      message: fitErrorMessage({ numAllNodes, rejections: result.rejections }),
      preemption: { nodeName: outcome.nodeName, victims: outcome.victims },
      nominate: outcome.nodeName,
    };
  }
  const staleNomination = outcome.clearNomination && (pod.nominatedNodeName !== undefined || cache.nominatedNode(pod.key) !== undefined);
  return {
    message: fitErrorMessage({ numAllNodes, rejections: result.rejections, podRejection: result.podRejection?.reasons.join(', '), postFilterMessage: outcome.message }),
    nominate: staleNomination ? '' : undefined,
  };
}

/** The two facts compared on bound-pod updates, without parsing the whole pod again. */
function boundPodFacts(obj: KubeObject): { terminal: boolean; labels: Record<string, string> | undefined } {
  const phase = (obj.status as PodStatus | undefined)?.phase;
  return { terminal: phase === 'Succeeded' || phase === 'Failed', labels: obj.metadata.labels };
}
