// Keeps PodDisruptionBudget status, as kube-controller-manager's disruption
// controller: expectedPods, currentHealthy, desiredHealthy,
// disruptionsAllowed, observedGeneration and the DisruptionAllowed
// condition. pods/eviction spends disruptionsAllowed and notes the pod in
// status.disruptedPods; such a pod is not counted healthy until it is gone
// or two minutes have passed (DeletionTimeout), after which the entry is dropped.
import type { KubeObject } from '../../api/types.js';
import { RESOURCES } from '../../client/api-client.js';
import type { Informer } from '../../client/informer.js';
import { objectKey, splitKey } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { budgetsSelecting } from '../../apiserver/handlers/eviction.js';
import { matchesAll, requirementsFromLabelSelector, type LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';
import { rfc3339 } from '../../apiserver/registry/names.js';
import { isPodReady } from '../common/pods.js';
import { controllerOf } from '../common/owners.js';
import type { Controller, ControllerContext } from '../controller.js';

const COMPONENT = 'disruption-controller';
const WORKERS = 2;
/** Kubernetes' DeletionTimeout: how long an evicted pod may take to go before it counts again. */
const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

type IntOrString = number | string;

interface PdbSpec {
  minAvailable?: IntOrString;
  maxUnavailable?: IntOrString;
  selector?: LabelSelectorSpec | null;
}

interface PdbStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  conditions?: { type: string; status: string; reason: string; message: string; observedGeneration?: number; lastTransitionTime: string }[];
}

/** An int or a percentage of `total`, rounded up (intstr.GetScaledValueFromIntOrPercent). */
function scaled(value: IntOrString, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (m) return Math.ceil((Number(m[1]) * total) / 100);
  const n = Number(value);
  if (Number.isInteger(n)) return n;
  throw new Error(`invalid value for IntOrString: ${value}`);
}

export class DisruptionController implements Controller {
  readonly name = COMPONENT;
  private readonly queue: WorkQueue;
  private readonly budgets: Informer;
  private readonly pods: Informer;
  private readonly replicaSets: Informer;
  private readonly deployments: Informer;
  private readonly statefulSets: Informer;

  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(ctx.wheel);
    this.budgets = ctx.informers.informer(RESOURCES.poddisruptionbudgets);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.replicaSets = ctx.informers.informer(RESOURCES.replicasets);
    this.deployments = ctx.informers.informer(RESOURCES.deployments);
    this.statefulSets = ctx.informers.informer(RESOURCES.statefulsets);
    const enqueue = (pdb: KubeObject) => this.queue.add(objectKey(pdb));
    this.budgets.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n) });
    const podChanged = (pod: KubeObject) => {
      for (const pdb of budgetsSelecting(this.budgets.list(pod.metadata.namespace), pod)) enqueue(pdb);
    };
    this.pods.addHandlers({
      add: podChanged,
      update: (old, pod) => {
        podChanged(pod);
        if (JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels)) podChanged(old);
      },
      delete: podChanged,
    });
    // A scale change alters expectedPods for percentage and maxUnavailable budgets.
    const scaleChanged = (obj: KubeObject) => {
      for (const pdb of this.budgets.list(obj.metadata.namespace)) enqueue(pdb);
    };
    for (const inf of [this.replicaSets, this.deployments, this.statefulSets]) inf.addHandlers({ update: (_o, n) => scaleChanged(n) });
  }

  run(): void {
    void this.queue.run(WORKERS, (key) => this.reconcile(key), (key, err) => this.ctx.log({ controller: COMPONENT, key, error: String(err) }));
  }

  stop(): void {
    this.queue.shutdown();
  }

  /** The scale of the controller that owns the pod (Deployment through its ReplicaSet, StatefulSet, ReplicaSet). */
  private controllerScale(pod: KubeObject, seen: Map<string, number>): void {
    const ref = controllerOf(pod);
    if (!ref) throw new Error(`found no controller ref for pod "${pod.metadata.name}"`);
    const ns = pod.metadata.namespace;
    let owner: KubeObject | undefined;
    if (ref.kind === 'ReplicaSet') {
      const rs = this.replicaSets.get(ns, ref.name);
      const rsOwner = rs && controllerOf(rs);
      owner = rsOwner?.kind === 'Deployment' ? this.deployments.get(ns, rsOwner.name) : rs;
    } else if (ref.kind === 'StatefulSet') {
      owner = this.statefulSets.get(ns, ref.name);
    }
    if (!owner) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    seen.set(owner.metadata.uid!, (owner.spec as { replicas?: number }).replicas ?? 1);
  }

  private async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pdb = this.budgets.get(namespace, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const spec = (pdb.spec ?? {}) as PdbSpec;
    const status = (pdb.status ?? {}) as PdbStatus;
    const nowMs = this.ctx.clock.wallMs();
    const pods = spec.selector ? this.pods.list(namespace).filter((p) => matchesAll(requirementsFromLabelSelector(spec.selector!), p.metadata.labels ?? {})) : [];

    let expected: number;
    let desired: number;
    let failure: string | undefined;
    try {
      if (spec.maxUnavailable !== undefined) {
        const scales = new Map<string, number>();
        for (const pod of pods) this.controllerScale(pod, scales);
        expected = [...scales.values()].reduce((a, b) => a + b, 0);
        desired = Math.max(0, expected - scaled(spec.maxUnavailable, expected));
      } else if (typeof spec.minAvailable === 'string' && spec.minAvailable.endsWith('%')) {
        const scales = new Map<string, number>();
        for (const pod of pods) this.controllerScale(pod, scales);
        expected = [...scales.values()].reduce((a, b) => a + b, 0);
        desired = scaled(spec.minAvailable, expected);
      } else {
        expected = pods.length;
        desired = spec.minAvailable === undefined ? 0 : scaled(spec.minAvailable, expected);
      }
    } catch (err) {
      failure = (err as Error).message;
      expected = 0;
      desired = 0;
    }

    // Pods an eviction took recently are not healthy; entries for pods gone or past the timeout are dropped.
    const disrupted: Record<string, string | null> = {};
    const stillDisrupted = new Set<string>();
    let nextExpiry = Infinity;
    for (const [podName, at] of Object.entries(status.disruptedPods ?? {})) {
      const pod = pods.find((p) => p.metadata.name === podName);
      const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
      if (!pod || pod.metadata.deletionTimestamp || !(expires > nowMs)) {
        disrupted[podName] = null;
        continue;
      }
      stillDisrupted.add(podName);
      nextExpiry = Math.min(nextExpiry, expires);
    }
    const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && !stillDisrupted.has(p.metadata.name!) && isPodReady(p)).length;
    const allowed = failure ? 0 : Math.max(0, healthy - desired);
    const generation = pdb.metadata.generation ?? 0;
    const reason = failure ? 'SyncFailed' : allowed > 0 ? 'SufficientPods' : 'InsufficientPods';
    const conditionStatus = allowed > 0 ? 'True' : 'False';
    const old = status.conditions?.find((c) => c.type === 'DisruptionAllowed');
    const condition = {
      type: 'DisruptionAllowed',
      status: conditionStatus,
      reason,
      message: failure ?? '',
      observedGeneration: generation,
      lastTransitionTime: old && old.status === conditionStatus ? old.lastTransitionTime : rfc3339(nowMs),
    };
    const unchanged = status.observedGeneration === generation && status.expectedPods === expected && status.currentHealthy === healthy
      && status.desiredHealthy === desired && status.disruptionsAllowed === allowed && Object.keys(disrupted).length === 0
      && old !== undefined && old.status === condition.status && old.reason === condition.reason && old.message === condition.message;
    if (Number.isFinite(nextExpiry)) this.queue.addAfter(key, Math.max(0, nextExpiry - nowMs) + 1);
    if (unchanged) return;
    const patch: Record<string, unknown> = {
      observedGeneration: generation,
      expectedPods: expected,
      currentHealthy: healthy,
      desiredHealthy: desired,
      disruptionsAllowed: allowed,
      conditions: [...(status.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed'), condition],
    };
    if (Object.keys(disrupted).length > 0) patch.disruptedPods = disrupted;
    // A full read-modify-write on the resourceVersion we computed from: an eviction
    // that spent a disruption meanwhile makes this conflict and the key is retried.
    await this.ctx.client.update(RESOURCES.poddisruptionbudgets, namespace, {
      ...pdb,
      status: { ...status, ...patch, disruptedPods: Object.fromEntries(Object.entries({ ...(status.disruptedPods ?? {}), ...disrupted }).filter(([, v]) => v !== null)) },
    }, 'status');
    if (failure) throw new Error(failure);
  }
}
