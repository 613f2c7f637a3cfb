// Which pods a ReplicaSet deletes first when it scales down: Kubernetes'
// ActivePodsWithRanks order, so the pods doing the least useful work go
// first: unscheduled before scheduled, pending before running, not ready
// before ready, lower pod-deletion-cost first, pods doubled up on a node
// with their siblings first, then the most recently ready, the most
// restarted and the newest (ages compared on a log2 scale, as with
// LogarithmicScaleDown, so pods of similar age are not told apart by noise).
import type { KubeObject } from '../../api/types.js';
import { isPodActive, isPodReady, podCondition, podPhase } from '../common/pods.js';

const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

interface RankedPod {
  pod: KubeObject;
  /** How many related active pods share this pod's node. */
  colocated: number;
}

function nodeName(pod: KubeObject): string {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName ?? '';
}

function deletionCost(pod: KubeObject): number {
  const value = Number(pod.metadata.annotations?.[DELETION_COST_ANNOTATION] ?? 0);
  return Number.isInteger(value) ? value : 0;
}

function timestampMs(text: string | undefined): number | undefined {
  const ms = text ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function maxRestarts(pod: KubeObject): number {
  const status = pod.status as { containerStatuses?: { restartCount?: number }[]; initContainerStatuses?: { restartCount?: number }[] } | undefined;
  let max = 0;
  for (const c of [...(status?.containerStatuses ?? []), ...(status?.initContainerStatuses ?? [])]) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

/** log2 of the age in nanoseconds, floored; -1 for no age. */
function logAgeRank(sinceMs: number, nowMs: number): number {
  const ageNs = (nowMs - sinceMs) * 1e6;
  return ageNs <= 0 ? -1 : Math.floor(Math.log2(ageNs));
}

/** Orders two timestamps so that the newer (or missing) one sorts first. */
function newerFirst(a: number | undefined, b: number | undefined, nowMs: number): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return logAgeRank(a, nowMs) - logAgeRank(b, nowMs);
}

function compare(a: RankedPod, b: RankedPod, nowMs: number): number {
  const nodeA = nodeName(a.pod);
  const nodeB = nodeName(b.pod);
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '' ? -1 : 1;
  const phaseA = PHASE_ORDINAL[podPhase(a.pod)] ?? 0;
  const phaseB = PHASE_ORDINAL[podPhase(b.pod)] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a.pod);
  const readyB = isPodReady(b.pod);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costDiff = deletionCost(a.pod) - deletionCost(b.pod);
  if (costDiff !== 0) return costDiff;
  if (a.colocated !== b.colocated) return b.colocated - a.colocated;
  if (readyA && readyB) {
    const byReady = newerFirst(timestampMs(podCondition(a.pod, 'Ready')?.lastTransitionTime), timestampMs(podCondition(b.pod, 'Ready')?.lastTransitionTime), nowMs);
    if (byReady !== 0) return byReady;
  }
  const restartDiff = maxRestarts(b.pod) - maxRestarts(a.pod);
  if (restartDiff !== 0) return restartDiff;
  const created = newerFirst(timestampMs(a.pod.metadata.creationTimestamp), timestampMs(b.pod.metadata.creationTimestamp), nowMs);
  if (created !== 0) return created;
  return (a.pod.metadata.uid ?? '') < (b.pod.metadata.uid ?? '') ? -1 : (a.pod.metadata.uid ?? '') > (b.pod.metadata.uid ?? '') ? 1 : 0;
}

/**
 * The `count` pods to delete from `pods`, best candidates first. `relatedPods`
 * are the pods of every ReplicaSet with the same controller (a Deployment's
 * old and new sets), used to spread what remains across nodes.
 */
export function podsToDelete(pods: KubeObject[], relatedPods: KubeObject[], count: number, nowWallMs: number): KubeObject[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const pod of relatedPods) if (isPodActive(pod)) perNode.set(nodeName(pod), (perNode.get(nodeName(pod)) ?? 0) + 1);
  const ranked = pods.map((pod) => ({ pod, colocated: perNode.get(nodeName(pod)) ?? 0 }));
  ranked.sort((a, b) => compare(a, b, nowWallMs));
  return ranked.slice(0, count).map((r) => r.pod);
}
