// `kubectl get pods`: printPod from pkg/printers/internalversion. The STATUS
// cell is not a stored field but a summary Kubernetes derives from phase,
// status.reason, conditions and every container state, in a fixed order of
// precedence; the code below keeps that order step by step.

import type { KubeObject } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, column, wideColumn } from './columns.js';
import { humanDuration, parseTimestamp, timeSince } from './duration.js';
import { listOf, nameOf, type ContainerSpec } from './fields.js';
import type { TablePrinter } from './printer.js';

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}

interface PodCondition {
  type?: string;
  status?: string;
  reason?: string;
}

interface PodFields {
  spec?: {
    nodeName?: string;
    containers?: ContainerSpec[];
    initContainers?: ContainerSpec[];
    readinessGates?: Array<{ conditionType?: string }>;
  };
  status?: {
    phase?: string;
    reason?: string;
    nominatedNodeName?: string;
    podIP?: string;
    podIPs?: Array<{ ip?: string }>;
    conditions?: PodCondition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

// pkg/util/node.NodeUnreachablePodReason: the node controller's mark on pods of a lost node.
const NODE_UNREACHABLE_REASON = 'NodeLost';

/** A sidecar: an init container with restartPolicy Always keeps running beside the app containers. */
function isRestartableInitContainer(container: ContainerSpec | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

function conditionIsTrue(conditions: PodCondition[], type: string): boolean {
  return conditions.some((condition) => condition.type === type && condition.status === 'True');
}

/** isPodInitializedConditionTrue looks only at the first Initialized condition. */
function initializedConditionIsTrue(conditions: PodCondition[]): boolean {
  const initialized = conditions.find((condition) => condition.type === 'Initialized');
  return initialized?.status === 'True';
}

/** "Signal:9" / "ExitCode:1" for a container that terminated without a reason. */
function terminationWithoutReason(terminated: NonNullable<ContainerState['terminated']>): string {
  return terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
}

/** Tracks the latest lastState.terminated.finishedAt seen, for the "(5m ago)" suffix. */
class LastRestart {
  latestMs: number | undefined;
  note(status: ContainerStatus): void {
    const finishedMs = parseTimestamp(status.lastState?.terminated?.finishedAt);
    if (finishedMs !== undefined && (this.latestMs === undefined || finishedMs > this.latestMs)) {
      this.latestMs = finishedMs;
    }
  }
}

interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

function summarisePod(pod: PodFields, deletionTimestamp: string | undefined, nowMs: number): PodSummary {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const conditions = listOf(status.conditions);
  const initContainers = listOf(spec.initContainers);
  const initContainerByName = new Map(initContainers.map((container) => [container.name, container]));

  let restarts = 0;
  let sidecarRestarts = 0;
  let readyContainers = 0;
  const totalContainers = listOf(spec.containers).length + initContainers.filter(isRestartableInitContainer).length;
  let lastRestart = new LastRestart();
  const lastSidecarRestart = new LastRestart();

  const phase = status.phase ?? '';
  let reason = status.reason ? status.reason : phase;
  if (conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  // Init containers run in order; the first one that has not finished decides the status.
  let initializing = false;
  const initStatuses = listOf(status.initContainerStatuses);
  for (let index = 0; index < initStatuses.length; index++) {
    const container = initStatuses[index];
    const sidecar = isRestartableInitContainer(initContainerByName.get(container.name));
    restarts += container.restartCount ?? 0;
    lastRestart.note(container);
    if (sidecar) {
      sidecarRestarts += container.restartCount ?? 0;
      lastSidecarRestart.note(container);
    }
    const terminated = container.state?.terminated;
    const waitingReason = container.state?.waiting?.reason;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && container.started === true) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      reason = terminated.reason ? `Init:${terminated.reason}` : `Init:${terminationWithoutReason(terminated)}`;
    } else if (waitingReason && waitingReason !== 'PodInitializing') {
      reason = `Init:${waitingReason}`;
    } else {
      reason = `Init:${index}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || initializedConditionIsTrue(conditions)) {
    // Past initialisation only sidecar restarts still count alongside the app containers'.
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = listOf(status.containerStatuses);
    // Walk backwards so the first container's state wins, as Kubernetes does.
    for (let index = statuses.length - 1; index >= 0; index--) {
      const container = statuses[index];
      restarts += container.restartCount ?? 0;
      lastRestart.note(container);
      const state = container.state ?? {};
      if (state.waiting?.reason) {
        reason = state.waiting.reason;
      } else if (state.terminated?.reason) {
        reason = state.terminated.reason;
      } else if (state.terminated) {
        reason = terminationWithoutReason(state.terminated);
      } else if (container.ready && state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // One container completed while another still runs: the pod is not done.
    if (reason === 'Completed' && hasRunning) {
      reason = conditionIsTrue(conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  if (deletionTimestamp && status.reason === NODE_UNREACHABLE_REASON) {
    reason = 'Unknown';
  } else if (deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  const restartsCell =
    restarts !== 0 && lastRestart.latestMs !== undefined
      ? `${restarts} (${humanDuration(nowMs - lastRestart.latestMs)} ago)`
      : String(restarts);

  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsCell };
}

/** READINESS GATES: "<none>", or how many of the gates' conditions are True. */
function readinessGatesCell(pod: PodFields): string {
  const gates = listOf(pod.spec?.readinessGates);
  if (gates.length === 0) return '<none>';
  const conditions = listOf(pod.status?.conditions);
  const satisfied = gates.filter((gate) => {
    const condition = conditions.find((c) => c.type === gate.conditionType);
    return condition?.status === 'True';
  }).length;
  return `${satisfied}/${gates.length}`;
}

export const podPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE_COLUMN,
    wideColumn('IP', 'string', 'IP address allocated to the pod.'),
    wideColumn('Node', 'string', 'NodeName is the node the pod is scheduled onto.'),
    wideColumn('Nominated Node', 'string', 'The node preemption nominated for this pod.'),
    wideColumn('Readiness Gates', 'string', 'Pod readiness gates and how many are satisfied.'),
  ],
  cells(obj, nowMs) {
    const pod = obj as KubeObject & PodFields;
    const summary = summarisePod(pod, obj.metadata.deletionTimestamp, nowMs);
    // The internal Pod keeps only podIPs; converting from v1 fills it from podIP when absent.
    const podIP = listOf(pod.status?.podIPs)[0]?.ip || pod.status?.podIP || '<none>';
    return [
      nameOf(obj),
      summary.ready,
      summary.status,
      summary.restarts,
      timeSince(obj.metadata.creationTimestamp, nowMs),
      podIP,
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGatesCell(pod),
    ];
  },
};
