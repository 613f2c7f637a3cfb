// Computes a pod's status from what the node observes: container states,
// restart counts and last states, phase, and the PodScheduled, Initialized,
// ContainersReady and Ready conditions, as the kubelet's status manager does.
import type { ContainerExit, ContainerRecord } from '../runtime/container-runtime.js';
import type { ContainerSpec, PodSpec } from './pod-spec.js';

export interface ObservedContainer {
  spec: ContainerSpec;
  latest?: ContainerRecord;
  exit?: ContainerExit;
  previous?: { record: ContainerRecord; exit?: ContainerExit };
  /** Set when the container waits (image pull, back-off, config error). */
  waiting?: { reason: string; message?: string };
  ready: boolean;
  started: boolean;
  imageId?: string;
}

export type ContainerState =
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID: string; message?: string } }
  | { waiting: { reason: string; message?: string } };

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function terminatedState(record: ContainerRecord, exit: ContainerExit): ContainerState {
  const reason = exit.oomKilled ? 'OOMKilled' : exit.exitCode === 0 ? 'Completed' : 'Error';
  return { terminated: { exitCode: exit.exitCode, reason, startedAt: iso(record.startedAtMs), finishedAt: iso(exit.finishedAtMs), containerID: `k8ts://${record.id}` } };
}

export function containerStatus(o: ObservedContainer): Record<string, unknown> {
  let state: ContainerState;
  let lastState: ContainerState | Record<string, never> = {};
  if (o.latest && !o.exit) state = { running: { startedAt: iso(o.latest.startedAtMs) } };
  else if (o.waiting) state = { waiting: o.waiting };
  else if (o.latest && o.exit) state = terminatedState(o.latest, o.exit);
  else state = { waiting: { reason: 'ContainerCreating' } };
  // A container waiting to restart shows its last run as lastState.
  if (o.waiting && o.latest && o.exit) lastState = terminatedState(o.latest, o.exit);
  else if (o.previous?.exit) lastState = terminatedState(o.previous.record, o.previous.exit);
  return {
    name: o.spec.name,
    image: o.spec.image,
    imageID: o.imageId ?? '',
    ...(o.latest ? { containerID: `k8ts://${o.latest.id}` } : {}),
    ready: o.ready,
    started: o.started,
    restartCount: o.latest?.attempt ?? 0,
    state,
    lastState,
  };
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** Kubernetes' getPhase over app containers, once init containers are done. */
export function podPhase(spec: PodSpec, initDone: boolean, initFailed: boolean, apps: ObservedContainer[]): PodPhase {
  if (initFailed) return 'Failed';
  if (!initDone) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of apps) {
    if (c.latest && !c.exit) running++;
    else if (c.latest && c.exit && !c.waiting) {
      stopped++;
      if (c.exit.exitCode === 0) succeeded++;
    } else if (c.waiting && c.latest) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    const policy = spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (succeeded === stopped) return 'Succeeded';
    if (policy === 'OnFailure') return 'Running';
    return 'Failed';
  }
  return 'Pending';
}

export function condition(type: string, ok: boolean, previous: { type: string; status: string; lastTransitionTime?: string }[] | undefined, nowIso: string, reason?: string): Record<string, unknown> {
  const status = ok ? 'True' : 'False';
  const old = previous?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : nowIso,
    ...(reason && !ok ? { reason } : {}),
  };
}
