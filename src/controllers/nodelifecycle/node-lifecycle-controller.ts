// Kubernetes' node lifecycle controller (the parts a cluster without cloud
// nodes needs). It watches node Leases in kube-node-lease: a node whose Lease
// is not renewed within the grace period (--node-monitor-grace-period, 40 s)
// gets every condition Unknown (reason NodeStatusUnknown, "Kubelet stopped
// posting node status.") and its pods are marked not Ready. From the Ready
// condition it keeps the taints node.kubernetes.io/unreachable (Unknown) and
// node.kubernetes.io/not-ready (False), each NoSchedule and NoExecute with
// timeAdded; a node Ready again loses them. The taint-eviction controller
// acts on the NoExecute ones.
//
// One timer per node on the shared timing wheel, rescheduled at each
// renewal the controller observes: grace is measured from when this
// controller saw the renewal (as kube's probeTimestamp), not from the
// renewTime the node wrote, so clock skew between them does not matter.
// Nodes without a Lease are not monitored (Kubernetes would fall back to the
// Ready condition's heartbeat; nodes written by hand in tests carry none).
import type { KubeObject } from '../../api/types.js';
import { RESOURCES, isConflict, isNotFound } from '../../client/api-client.js';
import type { Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { rfc3339 } from '../../apiserver/registry/names.js';
import type { TimerHandle } from '../../time/timing-wheel.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE } from '../../api/admission/default-toleration-seconds.js';
import type { Controller, ControllerContext } from '../controller.js';
import { nodeTaints, type Taint } from './taints.js';

const COMPONENT = 'node-lifecycle-controller';
const WORKERS = 4;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS = 40_000;
const BY_NODE = 'node-lifecycle.spec.nodeName';
const MANAGED_TAINTS = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE]);

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

function conditionsOf(node: KubeObject): NodeCondition[] {
  return ((node.status as { conditions?: NodeCondition[] } | undefined)?.conditions ?? []);
}

export function readyStatus(node: KubeObject): string | undefined {
  return conditionsOf(node).find((c) => c.type === 'Ready')?.status;
}

/** The lifecycle taints a node should carry for its Ready condition. */
function wantedTaintKey(node: KubeObject): string | undefined {
  const ready = readyStatus(node);
  if (ready === 'Unknown') return TAINT_NODE_UNREACHABLE;
  if (ready === 'False') return TAINT_NODE_NOT_READY;
  return undefined;
}

export class NodeLifecycleController implements Controller {
  readonly name = COMPONENT;
  private readonly graceMs: number;
  /** Node names whose Lease has gone unrenewed for the grace period, to mark Unknown. */
  private readonly monitorQueue: WorkQueue;
  /** Node names whose lifecycle taints may be out of date. */
  private readonly taintQueue: WorkQueue;
  private readonly nodes: Informer;
  private readonly leases: Informer;
  private readonly pods: Informer;
  private readonly probes = new Map<string, { handle: TimerHandle; renewTime: string | undefined }>();

  constructor(private readonly ctx: ControllerContext) {
    this.graceMs = ctx.nodeMonitorGracePeriodMs ?? DEFAULT_NODE_MONITOR_GRACE_PERIOD_MS;
    this.monitorQueue = new WorkQueue(ctx.wheel);
    this.taintQueue = new WorkQueue(ctx.wheel);
    this.nodes = ctx.informers.informer(RESOURCES.nodes);
    this.leases = ctx.informers.informer(RESOURCES.leases);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.pods.addIndex(BY_NODE, (pod) => {
      const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
      return node ? [node] : [];
    });
    this.nodes.addHandlers({
      add: (node) => this.taintQueue.add(node.metadata.name!),
      update: (old, node) => {
        if (readyStatus(old) !== readyStatus(node) || JSON.stringify(nodeTaints(old)) !== JSON.stringify(nodeTaints(node))) this.taintQueue.add(node.metadata.name!);
      },
      delete: (node) => this.forget(node.metadata.name!),
    });
    const observed = (lease: KubeObject) => {
      if (lease.metadata.namespace !== NODE_LEASE_NAMESPACE) return;
      const renewTime = (lease.spec as { renewTime?: string } | undefined)?.renewTime;
      const name = lease.metadata.name!;
      const probe = this.probes.get(name);
      if (probe && probe.renewTime === renewTime) return;
      if (probe && this.ctx.wheel.reschedule(probe.handle, this.graceMs)) {
        probe.renewTime = renewTime;
        return;
      }
      // First sight of this Lease, or its timer already fired (the node lapsed and is back).
      const handle = this.ctx.wheel.schedule(this.graceMs, () => this.monitorQueue.add(name));
      this.probes.set(name, { handle, renewTime });
    };
    this.leases.addHandlers({
      add: observed,
      update: (_old, lease) => observed(lease),
      delete: (lease) => {
        if (lease.metadata.namespace === NODE_LEASE_NAMESPACE) this.forget(lease.metadata.name!);
      },
    });
  }

  run(): void {
    const onError = (key: string, err: unknown) => this.ctx.log({ controller: COMPONENT, node: key, error: String(err) });
    void this.monitorQueue.run(WORKERS, (name) => this.markUnknown(name), onError);
    void this.taintQueue.run(WORKERS, (name) => this.reconcileTaints(name), onError);
  }

  stop(): void {
    this.monitorQueue.shutdown();
    this.taintQueue.shutdown();
    for (const name of [...this.probes.keys()]) this.forget(name);
  }

  private forget(name: string): void {
    const probe = this.probes.get(name);
    if (probe) this.ctx.wheel.cancel(probe.handle);
    this.probes.delete(name);
  }

  /** The Lease went unrenewed for the grace period: every condition Unknown, pods not Ready. */
  private async markUnknown(name: string): Promise<void> {
    const probe = this.probes.get(name);
    // Renewed since the timer fired (the queue may lag): nothing to do.
    if (!probe || this.ctx.wheel.isPending(probe.handle)) return;
    const node = this.nodes.get(undefined, name);
    if (!node) return;
    const now = rfc3339(this.ctx.clock.wallMs());
    const conditions = conditionsOf(node);
    const types = conditions.length > 0 ? conditions.map((c) => c.type) : [];
    if (!types.includes('Ready')) types.unshift('Ready');
    const alreadyUnknown = conditions.length > 0 && conditions.every((c) => c.status === 'Unknown');
    if (!alreadyUnknown) {
      const next = types.map((type) => {
        const old = conditions.find((c) => c.type === type);
        return {
          type,
          status: 'Unknown',
          reason: old ? 'NodeStatusUnknown' : 'NodeStatusNeverUpdated',
          message: old ? 'Kubelet stopped posting node status.' : 'Kubelet never posted node status.',
          lastHeartbeatTime: old?.lastHeartbeatTime ?? now,
          lastTransitionTime: now,
        };
      });
      try {
        await this.ctx.client.update(RESOURCES.nodes, undefined, { ...node, status: { ...(node.status as object), conditions: next } }, 'status');
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      this.ctx.recorder(COMPONENT).event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    }
    await this.markPodsNotReady(name);
  }

  /** Kube's MarkPodsNotReady: pods on an unreachable node stop being Ready (and leave Service endpoints). */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const now = rfc3339(this.ctx.clock.wallMs());
    for (const pod of this.pods.byIndex(BY_NODE, nodeName)) {
      const conditions = ((pod.status as { conditions?: NodeCondition[] } | undefined)?.conditions ?? []);
      const ready = conditions.find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const next = conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: now } : c));
      try {
        await this.ctx.client.update(RESOURCES.pods, pod.metadata.namespace, { ...pod, status: { ...(pod.status as object), conditions: next } }, 'status');
      } catch (err) {
        // Changed or gone meanwhile; a pod still Ready on a node that stays unknown is marked at the next lapse.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  /** Makes the not-ready/unreachable taints match the Ready condition. */
  private async reconcileTaints(name: string): Promise<void> {
    const node = this.nodes.get(undefined, name);
    if (!node || node.metadata.deletionTimestamp) return;
    const wanted = wantedTaintKey(node);
    const taints = nodeTaints(node);
    const kept = taints.filter((t) => !MANAGED_TAINTS.has(t.key) || t.key === wanted);
    const now = rfc3339(this.ctx.clock.wallMs());
    const next: Taint[] = [...kept];
    if (wanted) {
      for (const effect of ['NoSchedule', 'NoExecute']) {
        if (!kept.some((t) => t.key === wanted && t.effect === effect)) {
          next.push(effect === 'NoExecute' ? { key: wanted, effect, timeAdded: now } : { key: wanted, effect });
        }
      }
    }
    if (next.length === taints.length && next.every((t, i) => t === taints[i])) return;
    const spec = { ...(node.spec as object) } as { taints?: Taint[] };
    if (next.length > 0) spec.taints = next;
    else delete spec.taints;
    try {
      await this.ctx.client.update(RESOURCES.nodes, undefined, { ...node, spec });
    } catch (err) {
      if (isNotFound(err)) return;
      // A conflict: the informer brings the newer node and the key runs again.
      throw err;
    }
  }
}
