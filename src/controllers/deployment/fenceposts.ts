// maxSurge and maxUnavailable as numbers of pods (deploymentutil's
// ResolveFenceposts): percentages of the desired replicas, surge rounded up
// and unavailability rounded down, and never both zero, or a rollout could
// not move.
import { deploymentReplicas, isRollingUpdate, type Deployment, type IntOrPercent } from './deployment-types.js';

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(value: IntOrPercent | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) {
    // The API validates these; an int written as a string is how intstr would read it.
    const asInt = Number(value);
    if (Number.isInteger(asInt)) return asInt;
    throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
  }
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

export function resolveFenceposts(maxSurge: IntOrPercent | undefined, maxUnavailable: IntOrPercent | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  const unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) return { surge, unavailable: 1 };
  return { surge, unavailable };
}

/** Pods a rolling update may run above the desired count (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const rolling = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(rolling?.maxSurge, rolling?.maxUnavailable, deploymentReplicas(d)).surge;
}

/** Pods a rolling update may have unavailable (0 for Recreate), at most the desired count. */
export function maxUnavailable(d: Deployment): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const rolling = d.spec.strategy?.rollingUpdate;
  return Math.min(replicas, resolveFenceposts(rolling?.maxSurge, rolling?.maxUnavailable, replicas).unavailable);
}
