// The parts of apps/v1 DaemonSet, Node and pod scheduling fields the
// DaemonSet controller reads and writes.
import type { KubeObject } from '../../api/types.js';
import type { LabelSelectorSpec } from '../../apiserver/selectors/label-selector.js';
import type { PodTemplate } from '../common/pods.js';

export type IntOrPercent = number | string;

export interface DaemonSetSpec {
  selector?: LabelSelectorSpec;
  template?: PodTemplate;
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: IntOrPercent; maxSurge?: IntOrPercent } };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  numberMisscheduled?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: unknown[];
}

export interface DaemonSet extends KubeObject {
  spec: DaemonSetSpec;
  status?: DaemonSetStatus;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    [preferred: string]: unknown;
  };
  [other: string]: unknown;
}

/** The pod spec fields placement depends on. */
export interface SchedulingSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
  [field: string]: unknown;
}

/** A pod's or pod template's spec, as far as placement goes. */
export function schedulingSpec(podOrTemplate: object): SchedulingSpec {
  return ((podOrTemplate as { spec?: unknown }).spec ?? {}) as SchedulingSpec;
}

export function taintsOf(node: KubeObject): Taint[] {
  return ((node.spec as { taints?: Taint[] } | undefined)?.taints) ?? [];
}

export function isOnDelete(ds: DaemonSet): boolean {
  return ds.spec.updateStrategy?.type === 'OnDelete';
}
