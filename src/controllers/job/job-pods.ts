// What the Job controller needs to know about, and do to, its pods: the
// tracking finalizer, when a pod counts as failed or terminating, when it
// finished, which pods to delete first, and how to build a new one.
import type { KubeObject } from '../../api/types.js';
import { isPodReady, podCondition, podFromTemplate, podPhase } from '../common/pods.js';
import { JOB_COMPLETION_INDEX_ENV, JOB_COMPLETION_INDEX_KEY, JOB_TRACKING_FINALIZER, isIndexedJob, onlyReplaceFailedPods, withJobTypeMeta, type Job } from './job-api.js';

export function hasTrackingFinalizer(pod: KubeObject): boolean {
  return (pod.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);
}

/**
 * Failed, or (unless only failed pods are replaced) deleted before it could
 * succeed: an orphaned or evicted pod may never reach the Failed phase.
 */
export function isPodFailed(pod: KubeObject, job: Job): boolean {
  const phase = podPhase(pod);
  if (phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded';
}

/** Being deleted but still running: its containers have yet to stop. */
export function isPodTerminating(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed';
}

export function countReady(pods: KubeObject[]): number {
  return pods.filter(isPodReady).length;
}

interface ContainerStatus {
  restartCount?: number;
  state?: { terminated?: { finishedAt?: string } };
}

function containerStatuses(pod: KubeObject): ContainerStatus[] {
  const status = pod.status as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] } | undefined;
  return [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? [])];
}

/**
 * When the pod finished (wall ms): its last container's finish, else when
 * it stopped being ready, else when it was deleted; `fallbackMs` if none.
 */
export function podFinishedAtMs(pod: KubeObject, fallbackMs: number): number {
  let latest = NaN;
  for (const c of containerStatuses(pod)) {
    const at = Date.parse(c.state?.terminated?.finishedAt ?? '');
    if (Number.isFinite(at) && !(at <= latest)) latest = at;
  }
  if (Number.isFinite(latest)) return latest;
  const ready = podCondition(pod, 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) {
    const at = Date.parse(ready.lastTransitionTime);
    if (Number.isFinite(at)) return at;
  }
  const deleted = Date.parse(pod.metadata.deletionTimestamp ?? '');
  return Number.isFinite(deleted) ? deleted : fallbackMs;
}

export function restartCount(pod: KubeObject): number {
  return containerStatuses(pod).reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Orders active pods so the cheapest to lose come first, as Kubernetes'
 * controller.ActivePods does: unscheduled before scheduled, pending before
 * running, not ready before ready, ready for less time first, more restarts
 * first, newer first.
 */
export function compareForRemoval(a: KubeObject, b: KubeObject): number {
  const assigned = (p: KubeObject) => ((p.spec as { nodeName?: string } | undefined)?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const rank = (p: KubeObject) => PHASE_RANK[podPhase(p)] ?? 1;
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  const ready = (p: KubeObject) => (isPodReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (ready(a) === 1) {
    const readySince = (p: KubeObject) => Date.parse(podCondition(p, 'Ready')?.lastTransitionTime ?? '') || 0;
    if (readySince(a) !== readySince(b)) return readySince(b) - readySince(a);
  }
  if (restartCount(a) !== restartCount(b)) return restartCount(b) - restartCount(a);
  const created = (p: KubeObject) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  return created(b) - created(a);
}

// Generated names get five random characters; the whole name must fit a DNS label.
const MAX_GENERATE_NAME_LENGTH = 63 - 5;

function generateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  return `${jobName.slice(0, Math.max(0, MAX_GENERATE_NAME_LENGTH - suffix.length))}${suffix}`;
}

interface Container {
  env?: { name: string }[];
}

function addCompletionIndexEnv(container: Container): void {
  const env = (container.env ??= []);
  if (env.some((v) => v.name === JOB_COMPLETION_INDEX_ENV)) return;
  env.push({ name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX_KEY}']` } } } as { name: string });
}

/**
 * A new pod for the Job: its template, owned by the Job, with the tracking
 * finalizer so it can't vanish before it is counted. An Indexed Job's pod
 * also carries its completion index (annotation, label, JOB_COMPLETION_INDEX)
 * and the stable hostname `<job>-<index>`.
 */
export function buildJobPod(job: Job, index?: number): KubeObject {
  const indexed = index !== undefined && isIndexedJob(job);
  const extraLabels = indexed ? { [JOB_COMPLETION_INDEX_KEY]: String(index) } : undefined;
  const generateName = indexed ? generateNameWithIndex(job.metadata.name!, index) : `${job.metadata.name}-`;
  const pod = podFromTemplate(job.spec.template, withJobTypeMeta(job), { generateName, extraLabels });
  const finalizers = new Set(pod.metadata.finalizers ?? []);
  finalizers.add(JOB_TRACKING_FINALIZER);
  pod.metadata.finalizers = [...finalizers];
  if (indexed) {
    pod.metadata.annotations = { ...pod.metadata.annotations, [JOB_COMPLETION_INDEX_KEY]: String(index) };
    const spec = pod.spec as { hostname?: string; containers?: Container[]; initContainers?: Container[] };
    spec.hostname = `${job.metadata.name}-${index}`;
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) addCompletionIndexEnv(c);
  }
  return pod;
}
