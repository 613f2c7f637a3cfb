// NodeAffinity: spec.nodeSelector and required node affinity terms filter
// nodes; preferred terms add their weights to the score.
import { matchesRequirement, type LabelOperator, type LabelRequirement } from '../../apiserver/selectors/label-selector.js';
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../api-types.js';
import { defaultNormalize, rejection, type FilterPlugin, type NodeCheck, type ScorePlugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';

export const NODE_AFFINITY = 'NodeAffinity';
const REJECTED = rejection(NODE_AFFINITY, false, "node(s) didn't match Pod's node affinity/selector");

function parseInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text.trim())) return undefined;
  return Number.parseInt(text, 10);
}

const SET_OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** One matchExpressions requirement against node labels (nodeaffinity.NodeSelectorRequirementsAsSelector). */
export function matchesNodeRequirement(req: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  if (SET_OPERATORS.has(req.operator)) {
    return matchesRequirement(req.values ? (req as LabelRequirement) : { key: req.key, operator: req.operator as LabelOperator, values: [] }, labels);
  }
  if (req.operator !== 'Gt' && req.operator !== 'Lt') return false;
  // Node selectors parse integers strictly (strconv.ParseInt), unlike the lenient string selector syntax.
  const actual = parseInteger(labels[req.key]);
  const bound = req.values?.length === 1 ? parseInteger(req.values[0]) : undefined;
  if (actual === undefined || bound === undefined) return false;
  return req.operator === 'Gt' ? actual > bound : actual < bound;
}

/** matchFields supports metadata.name with In / NotIn only. */
function matchesNodeField(req: NodeSelectorRequirement, nodeName: string): boolean {
  if (req.key !== 'metadata.name') return false;
  const values = req.values ?? [];
  if (req.operator === 'In') return values.length === 1 && values[0] === nodeName;
  if (req.operator === 'NotIn') return values.length === 1 && values[0] !== nodeName;
  return false;
}

/** A term ANDs its requirements; a term with none matches no node. */
export function matchesNodeTerm(term: NodeSelectorTerm, node: NodeInfo): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const req of exprs) if (!matchesNodeRequirement(req, node.labels)) return false;
  for (const req of fields) if (!matchesNodeField(req, node.name)) return false;
  return true;
}

/** nodeSelector and required node affinity (terms ORed) both hold. */
export function matchesRequiredNodeAffinity(pod: PodInfo, node: NodeInfo): boolean {
  if (pod.nodeSelector) {
    for (const key in pod.nodeSelector) if (node.labels[key] !== pod.nodeSelector[key]) return false;
  }
  const terms = pod.requiredNodeTerms;
  if (terms) {
    let any = false;
    for (const term of terms) {
      if (matchesNodeTerm(term, node)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

export const nodeAffinityFilter: FilterPlugin = {
  name: NODE_AFFINITY,
  prepare(pod: PodInfo): NodeCheck | undefined {
    if (!pod.nodeSelector && !pod.requiredNodeTerms) return undefined;
    return { check: (node) => (matchesRequiredNodeAffinity(pod, node) ? undefined : REJECTED) };
  },
};

export const nodeAffinityScore: ScorePlugin = {
  name: NODE_AFFINITY,
  weight: 2,
  prepare(pod: PodInfo) {
    if (pod.preferredNodeTerms.length === 0) return undefined;
    return {
      score(node: NodeInfo): number {
        let sum = 0;
        for (const p of pod.preferredNodeTerms) if (p.weight !== 0 && matchesNodeTerm(p.term, node)) sum += p.weight;
        return sum;
      },
      normalize(scores: Float64Array): void {
        defaultNormalize(scores, false);
      },
    };
  },
};
