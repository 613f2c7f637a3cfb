// A pod as the scheduler sees it: everything the filters and scores need,
// parsed once per informer event (requests, ports, terms, constraints) so a
// scheduling attempt never re-reads the JSON for each node.
import type { KubeObject } from '../api/types.js';
import type { LabelRequirement } from '../apiserver/selectors/label-selector.js';
import type {
  NodeSelectorTerm, PodAffinityTermSpec, PodSpec, PodStatus, Toleration, TopologySpreadConstraintSpec, WeightedPodAffinityTermSpec,
} from './api-types.js';
import { DEFAULT_SCHEDULER_NAME } from './api-types.js';
import { makePodSelector, type PodSelector } from './pod-selector.js';
import { podRequests, type Resources } from './resources.js';

export interface AffinityTerm {
  readonly selector: PodSelector;
  readonly topologyKey: string;
  /** 1 for required terms; the preference weight for preferred ones. */
  readonly weight: number;
}

export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  /** DoNotSchedule (a filter) rather than ScheduleAnyway (a score). */
  readonly hard: boolean;
  readonly selector: PodSelector;
  readonly minDomains: number;
  readonly honorNodeAffinity: boolean;
  readonly honorTaints: boolean;
}

export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

export interface PreferredNodeTerm {
  readonly weight: number;
  readonly term: NodeSelectorTerm;
}

export interface PodInfo {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly object: KubeObject;
  readonly labels: Record<string, string> | undefined;
  readonly schedulerName: string;
  readonly priority: number;
  readonly preemptionPolicy: string;
  readonly nodeName: string | undefined;
  readonly nominatedNodeName: string | undefined;
  readonly terminating: boolean;
  /** Succeeded or Failed: holds no resources. */
  readonly terminal: boolean;
  readonly startTimeMs: number;
  readonly requests: Resources;
  /** Requests with scoring defaults for containers that ask for nothing. */
  readonly nonZeroRequests: Resources;
  readonly hostPorts: readonly HostPort[];
  readonly tolerations: readonly Toleration[];
  readonly nodeSelector: Record<string, string> | undefined;
  /** undefined: no required node affinity. */
  readonly requiredNodeTerms: readonly NodeSelectorTerm[] | undefined;
  readonly preferredNodeTerms: readonly PreferredNodeTerm[];
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly AffinityTerm[];
  readonly preferredAntiAffinity: readonly AffinityTerm[];
  readonly spreadConstraints: readonly SpreadConstraint[];
  readonly images: readonly string[];
}

export function podKey(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** matchLabelKeys / mismatchLabelKeys: the pod's own label values folded into the selector. */
function labelKeyRequirements(labels: Record<string, string> | undefined, match: string[] | undefined, mismatch: string[] | undefined): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const key of match ?? []) if (labels && key in labels) out.push({ key, operator: 'In', values: [labels[key]] });
  for (const key of mismatch ?? []) if (labels && key in labels) out.push({ key, operator: 'NotIn', values: [labels[key]] });
  return out;
}

function affinityTerm(term: PodAffinityTermSpec, namespace: string, labels: Record<string, string> | undefined, weight: number): AffinityTerm {
  // No namespaces and no namespace selector means the pod's own namespace.
  const namespaces = (term.namespaces?.length ?? 0) === 0 && !term.namespaceSelector ? [namespace] : (term.namespaces ?? []);
  return {
    selector: makePodSelector({
      namespaces,
      namespaceSelector: term.namespaceSelector,
      labelSelector: term.labelSelector,
      extraRequirements: labelKeyRequirements(labels, term.matchLabelKeys, term.mismatchLabelKeys),
    }),
    topologyKey: term.topologyKey,
    weight,
  };
}

function weightedTerms(terms: WeightedPodAffinityTermSpec[] | undefined, namespace: string, labels: Record<string, string> | undefined): AffinityTerm[] {
  return (terms ?? []).filter((t) => t.weight !== 0).map((t) => affinityTerm(t.podAffinityTerm, namespace, labels, t.weight));
}

function spreadConstraint(c: TopologySpreadConstraintSpec, namespace: string, labels: Record<string, string> | undefined): SpreadConstraint {
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    hard: c.whenUnsatisfiable !== 'ScheduleAnyway',
    selector: makePodSelector({
      namespaces: [namespace],
      labelSelector: c.labelSelector,
      extraRequirements: labelKeyRequirements(labels, c.matchLabelKeys, undefined),
      skipTerminating: true,
    }),
    minDomains: c.minDomains ?? 1,
    honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
    honorTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
  };
}

function hostPorts(spec: PodSpec): HostPort[] {
  const out: HostPort[] = [];
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

const NO_TERMS: readonly AffinityTerm[] = Object.freeze([]);

export function makePodInfo(obj: KubeObject): PodInfo {
  const spec = (obj.spec ?? {}) as PodSpec;
  const status = (obj.status ?? {}) as PodStatus;
  const namespace = obj.metadata.namespace ?? 'default';
  const labels = obj.metadata.labels;
  const affinity = spec.affinity;
  const started = Date.parse(status.startTime ?? obj.metadata.creationTimestamp ?? '');
  const requiredNodeTerms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const images: string[] = [];
  for (const c of spec.initContainers ?? []) if (c.image) images.push(c.image);
  for (const c of spec.containers ?? []) if (c.image) images.push(c.image);
  const required = (terms: PodAffinityTermSpec[] | undefined) => (terms?.length ? terms.map((t) => affinityTerm(t, namespace, labels, 1)) : NO_TERMS);
  return {
    key: podKey(obj),
    namespace,
    name: obj.metadata.name ?? '',
    uid: obj.metadata.uid ?? '',
    object: obj,
    labels,
    schedulerName: spec.schedulerName || DEFAULT_SCHEDULER_NAME,
    priority: spec.priority ?? 0,
    preemptionPolicy: spec.preemptionPolicy ?? 'PreemptLowerPriority',
    nodeName: spec.nodeName || undefined,
    nominatedNodeName: status.nominatedNodeName || undefined,
    terminating: obj.metadata.deletionTimestamp !== undefined,
    terminal: status.phase === 'Succeeded' || status.phase === 'Failed',
    startTimeMs: Number.isFinite(started) ? started : Number.MAX_SAFE_INTEGER,
    requests: podRequests(spec),
    nonZeroRequests: podRequests(spec, true),
    hostPorts: hostPorts(spec),
    tolerations: spec.tolerations ?? [],
    nodeSelector: spec.nodeSelector && Object.keys(spec.nodeSelector).length > 0 ? spec.nodeSelector : undefined,
    requiredNodeTerms: requiredNodeTerms ?? undefined,
    preferredNodeTerms: (affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => ({ weight: p.weight, term: p.preference })),
    requiredAffinity: required(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAntiAffinity: required(affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinity: weightedTerms(affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, namespace, labels),
    preferredAntiAffinity: weightedTerms(affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, namespace, labels),
    spreadConstraints: (spec.topologySpreadConstraints ?? []).map((c) => spreadConstraint(c, namespace, labels)),
    images,
  };
}

/** kube's MoreImportantPod: higher priority first, then the one that started earlier. */
export function moreImportant(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.startTimeMs < b.startTimeMs;
}
