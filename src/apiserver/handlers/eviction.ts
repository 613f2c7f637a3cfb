// pods/eviction (POST policy/v1 Eviction), as kube-apiserver's EvictionREST:
// a pod is deleted only if no PodDisruptionBudget that selects it would be
// violated. An allowed eviction takes one disruption off the budget
// (status.disruptionsAllowed - 1, the pod noted in status.disruptedPods, so
// the disruption controller does not count it healthy while it goes) before
// the delete; a refused one answers 429 TooManyRequests, which kubectl drain
// retries.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/types.js';
import { ApiError, badRequest, methodNotAllowed } from '../errors.js';
import { decodeObjectBody, readBody } from '../http/body.js';
import type { DeleteOptions, ResourceStore } from '../registry/resource-store.js';
import { matchesAll, requirementsFromLabelSelector, type LabelSelectorSpec } from '../selectors/label-selector.js';
import { parseDryRun } from './query.js';
import { successStatus, writeJson } from './responses.js';

export const EVICTION_REFUSED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";
/** Kubernetes' MaxDisruptedPodSize: a budget with this many pending disruptions refuses more. */
const MAX_DISRUPTED_PODS = 2000;

interface PdbStatus {
  observedGeneration?: number;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  disruptedPods?: Record<string, string>;
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function tooManyRequests(cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', EVICTION_REFUSED_MESSAGE, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

/** Pods the budget need not protect: finished, not yet started, or already going (kube's canIgnorePDB). */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !!pod.metadata.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending';
}

function isReady(pod: KubeObject): boolean {
  return ((pod.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Budgets in the pod's namespace whose selector matches it (a null selector matches nothing). */
export function budgetsSelecting(budgets: KubeObject[], pod: KubeObject): KubeObject[] {
  return budgets.filter((pdb) => {
    const selector = (pdb.spec as { selector?: LabelSelectorSpec | null } | undefined)?.selector;
    if (!selector) return false;
    try {
      return matchesAll(requirementsFromLabelSelector(selector), pod.metadata.labels ?? {});
    } catch {
      return false;
    }
  });
}

export interface EvictionContext {
  pods: ResourceStore;
  budgets: ResourceStore | undefined;
  nowMs(): number;
}

export async function handleEviction(req: IncomingMessage, res: ServerResponse, ns: string | undefined, name: string, method: string, query: URLSearchParams, ctx: EvictionContext): Promise<void> {
  if (method !== 'POST') throw methodNotAllowed('the server does not allow this method on the requested resource');
  const raw = await readBody(req);
  const body = (raw.length > 0 ? decodeObjectBody(raw, req.headers['content-type']) : {}) as KubeObject & { deleteOptions?: Record<string, unknown> };
  if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`name in URL does not match name in Eviction object`);
  const del = body.deleteOptions ?? {};
  const dryRun = parseDryRun(query) || (Array.isArray(del.dryRun) && (del.dryRun as string[]).includes('All'));
  const deleteOptions: DeleteOptions = {
    dryRun,
    gracePeriodSeconds: typeof del.gracePeriodSeconds === 'number' ? del.gracePeriodSeconds : undefined,
    propagationPolicy: del.propagationPolicy as DeleteOptions['propagationPolicy'],
    preconditions: del.preconditions as DeleteOptions['preconditions'],
  };
  const pod = await ctx.pods.get(ns, name);
  if (!canIgnoreBudget(pod) && ctx.budgets) {
    const { items } = await ctx.budgets.list(ns, { labelSelector: [], fieldSelector: [] });
    const matching = budgetsSelecting(items, pod);
    if (matching.length > 1) {
      throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    }
    if (matching.length === 1) await takeDisruption(ctx, matching[0]!, pod, dryRun);
  }
  await ctx.pods.delete(ns, name, deleteOptions);
  writeJson(res, 201, successStatus({}));
}

/** Kube's checkAndDecrement, retried on conflicts with the disruption controller's status writes. */
async function takeDisruption(ctx: EvictionContext, pdb: KubeObject, pod: KubeObject, dryRun: boolean): Promise<void> {
  const budgets = ctx.budgets!;
  const pdbName = pdb.metadata.name!;
  await budgets.update(pdb.metadata.namespace, pdbName, (current) => {
    const status = (current.status ?? {}) as PdbStatus;
    const allowed = status.disruptionsAllowed ?? 0;
    if ((status.observedGeneration ?? 0) < (current.metadata.generation ?? 0)) {
      throw tooManyRequests(`The disruption budget ${pdbName} is still being processed by the server.`);
    }
    // An unready pod may go without a disruption while the budget is met (unhealthyPodEvictionPolicy IfHealthyBudget).
    if (!isReady(pod) && (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0) return current;
    if (allowed < 0) throw new ApiError(403, 'Forbidden', 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw new ApiError(403, 'Forbidden', 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    if (allowed === 0) {
      throw tooManyRequests(`The disruption budget ${pdbName} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    }
    return {
      ...current,
      metadata: { ...current.metadata, resourceVersion: current.metadata.resourceVersion },
      status: { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...(status.disruptedPods ?? {}), [pod.metadata.name!]: rfc3339(ctx.nowMs()) } },
    };
  }, { dryRun, subresource: 'status' });
}
