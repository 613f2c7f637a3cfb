// FailedScheduling messages, worded as kube-scheduler v1.32's FitError:
// "0/N nodes are available: <count> <reason>, ... ." with the reasons
// sorted as strings, followed by the PostFilter (preemption) message.
import type { Rejection } from './framework.js';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';

export interface Diagnosis {
  numAllNodes: number;
  /** Node name -> why it was rejected. */
  rejections: ReadonlyMap<string, Rejection>;
  /** The reason counted for nodes absent from `rejections` (kube's AbsentNodesStatus). */
  absentReason?: string;
  /** A rejection of the pod as a whole (kube's PreFilterMsg): said instead of the per-node counts. */
  podRejection?: string;
  /** What PostFilter (preemption) said, already prefixed ("preemption: ..."). */
  postFilterMessage?: string;
}

export function fitErrorMessage(d: Diagnosis): string {
  const histogram = new Map<string, number>();
  for (const r of d.rejections.values()) for (const reason of r.reasons) histogram.set(reason, (histogram.get(reason) ?? 0) + 1);
  const absent = d.numAllNodes - d.rejections.size;
  if (d.absentReason && absent > 0) histogram.set(d.absentReason, (histogram.get(d.absentReason) ?? 0) + absent);
  // Go's sort.Strings compares bytes; these messages are ASCII, where JS's default sort agrees.
  const parts = [...histogram].map(([reason, n]) => `${n} ${reason}`).sort();
  let message = `0/${d.numAllNodes} nodes are available:`;
  if (d.podRejection) message += ` ${d.podRejection}.`;
  else if (parts.length > 0) message += ` ${parts.join(', ')}.`;
  if (d.postFilterMessage) message += ` ${d.postFilterMessage}`;
  return message;
}
