// Status conditions as Kubernetes' workload controllers keep them: one
// condition per type; re-setting a condition with the same status and
// reason changes nothing (so timestamps only move on real changes), and a
// new reason with the same status keeps the original transition time.

export interface StatusCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export function findCondition<C extends StatusCondition>(conditions: readonly C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

export function withoutCondition<C extends StatusCondition>(conditions: readonly C[] | undefined, type: string): C[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The conditions with `condition` set in place of any of its type (SetCondition / SetDeploymentCondition). */
export function withCondition<C extends StatusCondition>(conditions: readonly C[] | undefined, condition: C): C[] {
  const current = findCondition(conditions, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return [...(conditions ?? [])];
  const next = { ...condition };
  if (current && current.status === condition.status && current.lastTransitionTime) next.lastTransitionTime = current.lastTransitionTime;
  return [...withoutCondition(conditions, condition.type), next];
}
