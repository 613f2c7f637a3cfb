// The slices of the core/v1 Pod and Node wire shapes the scheduler reads.
// Objects stay plain JSON (src/api/types.ts); these only name fields.
import type { LabelSelectorSpec } from '../apiserver/selectors/label-selector.js';
import type { ContainerLike, ResourceList } from './resources.js';

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface PodAffinityTermSpec {
  labelSelector?: LabelSelectorSpec;
  namespaceSelector?: LabelSelectorSpec;
  namespaces?: string[];
  topologyKey: string;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

export interface WeightedPodAffinityTermSpec {
  weight: number;
  podAffinityTerm: PodAffinityTermSpec;
}

export interface AffinitySpec {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
  };
  podAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTermSpec[];
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTermSpec[];
  };
  podAntiAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTermSpec[];
    preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTermSpec[];
  };
}

export interface TopologySpreadConstraintSpec {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector?: LabelSelectorSpec;
  minDomains?: number;
  nodeAffinityPolicy?: 'Honor' | 'Ignore';
  nodeTaintsPolicy?: 'Honor' | 'Ignore';
  matchLabelKeys?: string[];
}

export interface PodSpec {
  nodeName?: string;
  schedulerName?: string;
  priority?: number;
  preemptionPolicy?: string;
  nodeSelector?: Record<string, string>;
  affinity?: AffinitySpec;
  tolerations?: Toleration[];
  topologySpreadConstraints?: TopologySpreadConstraintSpec[];
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  overhead?: ResourceList;
  terminationGracePeriodSeconds?: number;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface PodStatus {
  phase?: string;
  nominatedNodeName?: string;
  startTime?: string;
  conditions?: PodCondition[];
}

export interface NodeSpec {
  unschedulable?: boolean;
  taints?: Taint[];
}

export interface NodeStatus {
  allocatable?: ResourceList;
  capacity?: ResourceList;
  images?: { names?: string[]; sizeBytes?: number }[];
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
