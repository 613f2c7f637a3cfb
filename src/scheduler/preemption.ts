// Preemption, kube's DefaultPreemption in simplified form: on each node
// where evicting pods could help, remove every lower-priority pod, check the
// pod would fit, then add back ("reprieve") as many as possible, most
// important first and PodDisruptionBudget-protected ones before others.
// Among the nodes that work, pick the one with the fewest PDB violations,
// then the lowest highest-victim priority, the smallest priority sum, the
// fewest victims, and the most recently started victims.
import { matchesAll, requirementsFromLabelSelector, type LabelRequirement, type LabelSelectorSpec } from '../apiserver/selectors/label-selector.js';
import type { KubeObject } from '../api/types.js';
import { runChecks, type PreparedCheck } from './algorithm.js';
import type { SchedulerCache } from './cache.js';
import { fitErrorMessage, PREEMPTION_NOT_HELPFUL } from './fit-error.js';
import { rejection, type Rejection } from './framework.js';
import type { NodeInfo } from './node-info.js';
import { moreImportant, type PodInfo } from './pod-info.js';

export const NO_VICTIMS = 'No preemption victims found for incoming pod';
const NO_VICTIMS_REJECTION = rejection('DefaultPreemption', false, NO_VICTIMS);

export interface DisruptionBudget {
  namespace: string;
  /** undefined: a nil or empty selector, which protects nothing. */
  selector: LabelRequirement[] | undefined;
  disruptionsAllowed: number;
  disruptedPods: ReadonlySet<string>;
}

export function disruptionBudgetFrom(obj: KubeObject): DisruptionBudget {
  const spec = (obj.spec ?? {}) as { selector?: LabelSelectorSpec };
  const status = (obj.status ?? {}) as { disruptionsAllowed?: number; disruptedPods?: Record<string, string> };
  let selector: LabelRequirement[] | undefined;
  try {
    const reqs = spec.selector ? requirementsFromLabelSelector(spec.selector) : [];
    selector = reqs.length > 0 ? reqs : undefined;
  } catch {
    selector = undefined;
  }
  return {
    namespace: obj.metadata.namespace ?? 'default',
    selector,
    disruptionsAllowed: status.disruptionsAllowed ?? 0,
    disruptedPods: new Set(Object.keys(status.disruptedPods ?? {})),
  };
}

export type PreemptionResult =
  | { kind: 'preempt'; nodeName: string; victims: PodInfo[] }
  /** `message` is the PostFilter message ("preemption: ..."); `clearNomination` when a stale nomination should go. */
  | { kind: 'none'; message: string; clearNomination: boolean };

interface Candidate {
  node: NodeInfo;
  victims: PodInfo[];
  pdbViolations: number;
}

/** kube's PodEligibleToPreemptOthers. */
function ineligibility(pod: PodInfo, cluster: SchedulerCache, rejections: ReadonlyMap<string, Rejection>): string | undefined {
  if (pod.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
  const nominated = pod.nominatedNodeName ?? cluster.nominatedNode(pod.key);
  if (nominated) {
    const status = rejections.get(nominated);
    if (status && !status.resolvable) return undefined;
    const node = cluster.node(nominated);
    if (node) {
      for (const other of node.pods.values()) {
        if (other.priority < pod.priority && other.terminating) return 'not eligible due to a terminating pod on the nominated node.';
      }
    }
  }
  return undefined;
}

/** Splits pods into those whose eviction would break a budget and those it would not (filterPodsWithPDBViolation). */
function splitByBudget(pods: readonly PodInfo[], budgets: readonly DisruptionBudget[]): { violating: PodInfo[]; safe: PodInfo[] } {
  const allowed = budgets.map((b) => b.disruptionsAllowed);
  const violating: PodInfo[] = [];
  const safe: PodInfo[] = [];
  for (const pod of pods) {
    let violated = false;
    if (pod.labels && Object.keys(pod.labels).length > 0) {
      budgets.forEach((b, i) => {
        if (b.namespace !== pod.namespace || !b.selector || !matchesAll(b.selector, pod.labels)) return;
        if (b.disruptedPods.has(pod.name)) return;
        allowed[i]--;
        if (allowed[i] < 0) violated = true;
      });
    }
    (violated ? violating : safe).push(pod);
  }
  return { violating, safe };
}

function fitsWithout(checks: readonly PreparedCheck[], sim: NodeInfo, removed: readonly PodInfo[], node: NodeInfo): Rejection | undefined {
  const adjusted = checks.map((c) => (c.check.without && removed.length > 0 ? { plugin: c.plugin, check: c.check.without(removed, node) } : c));
  return runChecks(adjusted, sim);
}

function selectVictims(pod: PodInfo, node: NodeInfo, checks: readonly PreparedCheck[], budgets: readonly DisruptionBudget[]): Candidate | Rejection {
  const potential: PodInfo[] = [];
  for (const other of node.pods.values()) if (other.priority < pod.priority) potential.push(other);
  if (potential.length === 0) return NO_VICTIMS_REJECTION;
  const sim = node.clone();
  for (const p of potential) sim.removePod(p.key);
  const removed = new Set(potential);
  const stillRejected = fitsWithout(checks, sim, potential, node);
  if (stillRejected) return stillRejected;
  potential.sort((a, b) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0));
  const { violating, safe } = splitByBudget(potential, budgets);
  const victims: PodInfo[] = [];
  let pdbViolations = 0;
  const reprieve = (p: PodInfo, violates: boolean) => {
    sim.addPod(p);
    removed.delete(p);
    if (fitsWithout(checks, sim, [...removed], node) === undefined) return;
    sim.removePod(p.key);
    removed.add(p);
    victims.push(p);
    if (violates) pdbViolations++;
  };
  for (const p of violating) reprieve(p, true);
  for (const p of safe) reprieve(p, false);
  victims.sort((a, b) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0));
  return { node, victims, pdbViolations };
}

/** pickOneNodeForPreemption's criteria, in order. */
function pickCandidate(candidates: readonly Candidate[]): Candidate {
  const noVictims = candidates.find((c) => c.victims.length === 0);
  if (noVictims) return noVictims;
  const criteria: ((c: Candidate) => number)[] = [
    (c) => c.pdbViolations,
    (c) => c.victims[0].priority,
    // Offset so negative priorities still add up to a comparable positive sum.
    (c) => c.victims.reduce((sum, v) => sum + v.priority + 2 ** 31, 0),
    (c) => c.victims.length,
    // Later start of the most important victims is better: negate to minimise.
    (c) => -Math.min(...c.victims.filter((v) => v.priority === c.victims[0].priority).map((v) => v.startTimeMs)),
  ];
  let remaining = candidates;
  for (const criterion of criteria) {
    if (remaining.length === 1) break;
    const best = Math.min(...remaining.map(criterion));
    remaining = remaining.filter((c) => criterion(c) === best);
  }
  return remaining[0];
}

/** How many candidates to find before choosing (kube: 10% of nodes, at least 100). */
function candidatesToFind(numNodes: number): number {
  return Math.min(numNodes, Math.max(100, Math.trunc((numNodes * 10) / 100)));
}

export function preempt(
  pod: PodInfo,
  cluster: SchedulerCache,
  checks: readonly PreparedCheck[],
  rejections: ReadonlyMap<string, Rejection>,
  budgets: readonly DisruptionBudget[],
): PreemptionResult {
  const notEligible = ineligibility(pod, cluster, rejections);
  if (notEligible) return { kind: 'none', message: `preemption: ${notEligible}`, clearNomination: false };
  const numAllNodes = cluster.nodeCount;
  const statuses = new Map<string, Rejection>();
  const candidates: Candidate[] = [];
  const wanted = candidatesToFind(numAllNodes);
  for (const node of cluster.nodes()) {
    const status = rejections.get(node.name);
    // Nodes rejected for reasons eviction cannot change are left out (they count as "not helpful").
    if (!status || !status.resolvable) continue;
    const result = selectVictims(pod, node, checks, budgets);
    if ('victims' in result) {
      candidates.push(result);
      if (candidates.length >= wanted) break;
    } else {
      statuses.set(node.name, result);
    }
  }
  if (candidates.length === 0) {
    const message = fitErrorMessage({ numAllNodes, rejections: statuses, absentReason: PREEMPTION_NOT_HELPFUL });
    return { kind: 'none', message: `preemption: ${message}`, clearNomination: true };
  }
  const chosen = pickCandidate(candidates);
  return { kind: 'preempt', nodeName: chosen.node.name, victims: chosen.victims };
}
