// maxUnavailable and maxSurge of a rolling update, resolved against the
// number of nodes that should run the daemon (intstr percentages round up).
import type { DaemonSet, IntOrPercent } from './types.js';

/** GetScaledValueFromIntOrPercent, rounding up. */
export function scaledValue(value: IntOrPercent | undefined, total: number): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(value);
  if (percent) return Math.ceil((Number(percent[1]) * total) / 100);
  const number = Number(value);
  return Number.isInteger(number) ? number : 0;
}

export function allowsSurge(ds: DaemonSet): boolean {
  const rolling = ds.spec.updateStrategy?.type === 'OnDelete' ? undefined : ds.spec.updateStrategy?.rollingUpdate;
  // SurgeCount against one node: any non-zero surge (percentages round up) allows two pods per node.
  return scaledValue(rolling?.maxSurge, 1) > 0;
}

export interface UpdateBudget {
  maxSurge: number;
  maxUnavailable: number;
}

/** updatedDesiredNodeCounts: a configuration allowing neither surge nor unavailability falls back to maxUnavailable 1. */
export function updateBudget(ds: DaemonSet, desiredNumberScheduled: number): UpdateBudget {
  const rolling = ds.spec.updateStrategy?.rollingUpdate;
  const maxUnavailable = scaledValue(rolling?.maxUnavailable ?? 1, desiredNumberScheduled);
  const maxSurge = scaledValue(rolling?.maxSurge, desiredNumberScheduled);
  if (desiredNumberScheduled > 0 && maxUnavailable === 0 && maxSurge === 0) return { maxSurge: 0, maxUnavailable: 1 };
  return { maxSurge, maxUnavailable };
}
