// Pod facts controllers share: readiness, availability, activity, and
// making a pod from a template.
import type { KubeObject } from '../../api/types.js';
import { controllerRef } from './owners.js';

interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

interface PodStatus {
  phase?: string;
  conditions?: PodCondition[];
}

export function podPhase(pod: KubeObject): string {
  return (pod.status as PodStatus | undefined)?.phase ?? 'Pending';
}

export function podCondition(pod: KubeObject, type: string): PodCondition | undefined {
  return (pod.status as PodStatus | undefined)?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: KubeObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds (wall clock), as podutil.IsPodAvailable. */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowWallMs: number): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowWallMs;
}

/** Not finished and not being deleted: counts toward a controller's replicas. */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] };
  spec?: Record<string, unknown>;
}

/** A new pod from a template, owned by `owner`, named by generateName unless `name` is given. */
export function podFromTemplate(template: PodTemplate, owner: KubeObject, opts: { generateName?: string; name?: string; extraLabels?: Record<string, string> } = {}): KubeObject {
  const metadata: KubeObject['metadata'] = {
    labels: { ...(template.metadata?.labels ?? {}), ...(opts.extraLabels ?? {}) },
    annotations: { ...(template.metadata?.annotations ?? {}) },
    ownerReferences: [controllerRef(owner)],
    namespace: owner.metadata.namespace,
  };
  if (opts.name) metadata.name = opts.name;
  else metadata.generateName = opts.generateName ?? `${owner.metadata.name}-`;
  if (template.metadata?.finalizers?.length) metadata.finalizers = [...template.metadata.finalizers];
  if (Object.keys(metadata.annotations!).length === 0) delete metadata.annotations;
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template.spec ?? {}) };
}
