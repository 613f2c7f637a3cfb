// Which pods an inter-pod affinity term or a topology spread constraint is
// about: a label selector plus the namespaces it applies to, with a stable
// signature so identical selectors from many pods share one counter.
import {
  formatLabelSelector, matchesAll, requirementsFromLabelSelector, type LabelRequirement, type LabelSelectorSpec,
} from '../apiserver/selectors/label-selector.js';

export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

export interface PodSelector {
  /** Namespaces named outright (or the owner's own namespace by default). */
  readonly namespaces: ReadonlySet<string>;
  /** Also namespaces whose labels match; [] matches every namespace, undefined none. */
  readonly namespaceSelector: LabelRequirement[] | undefined;
  /** undefined: a missing label selector, which matches no pod. */
  readonly selector: LabelRequirement[] | undefined;
  /** Only pods that are not being deleted (topology spread ignores terminating pods). */
  readonly skipTerminating: boolean;
  /** Equal signatures select the same pods. */
  readonly signature: string;
}

export interface SelectablePod {
  namespace: string;
  labels: Record<string, string> | undefined;
  terminating: boolean;
}

function safeRequirements(sel: LabelSelectorSpec): LabelRequirement[] | undefined {
  try {
    return requirementsFromLabelSelector(sel);
  } catch {
    // Invalid selectors got past validation somehow; they select nothing, as LabelSelectorAsSelector errors do.
    return undefined;
  }
}

export function makePodSelector(opts: {
  namespaces: Iterable<string>;
  namespaceSelector?: LabelSelectorSpec;
  labelSelector?: LabelSelectorSpec;
  extraRequirements?: LabelRequirement[];
  skipTerminating?: boolean;
}): PodSelector {
  const namespaces = new Set(opts.namespaces);
  const namespaceSelector = opts.namespaceSelector ? safeRequirements(opts.namespaceSelector) : undefined;
  let selector = opts.labelSelector ? safeRequirements(opts.labelSelector) : undefined;
  if (selector && opts.extraRequirements?.length) selector = [...selector, ...opts.extraRequirements];
  const skipTerminating = opts.skipTerminating ?? false;
  const signature = [
    [...namespaces].sort().join(','),
    namespaceSelector === undefined ? '-' : `{${formatLabelSelector(namespaceSelector)}}`,
    selector === undefined ? '-' : `{${formatLabelSelector(selector)}}`,
    skipTerminating ? 'live' : 'all',
  ].join('|');
  return { namespaces, namespaceSelector, selector, skipTerminating, signature };
}

export function selectsNamespace(sel: PodSelector, namespace: string, nsLabels: NamespaceLabels): boolean {
  if (sel.namespaces.has(namespace)) return true;
  if (sel.namespaceSelector === undefined) return false;
  if (sel.namespaceSelector.length === 0) return true;
  return matchesAll(sel.namespaceSelector, nsLabels(namespace));
}

export function selectsPod(sel: PodSelector, pod: SelectablePod, nsLabels: NamespaceLabels): boolean {
  if (sel.selector === undefined) return false;
  if (sel.skipTerminating && pod.terminating) return false;
  if (!selectsNamespace(sel, pod.namespace, nsLabels)) return false;
  return matchesAll(sel.selector, pod.labels);
}

/** Whether the selector depends on namespace labels (counters must be rebuilt when those change). */
export function usesNamespaceLabels(sel: PodSelector): boolean {
  return sel.namespaceSelector !== undefined && sel.namespaceSelector.length > 0;
}
