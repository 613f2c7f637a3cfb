// The default profile: kube-scheduler's filter order (which decides the
// reason reported for a node, the first plugin that rejects it) and its
// default score weights.
import type { FilterPlugin, ScorePlugin } from '../framework.js';
import { imageLocalityScorePlugin } from './image-locality.js';
import { interPodAffinityFilter, interPodAffinityScore } from './inter-pod-affinity.js';
import { nodeAffinityFilter, nodeAffinityScore } from './node-affinity.js';
import { nodeNameFilter } from './node-name.js';
import { nodePortsFilter } from './node-ports.js';
import { balancedAllocationScorePlugin, leastAllocatedScorePlugin, nodeResourcesFitFilter } from './node-resources.js';
import { nodeUnschedulableFilter } from './node-unschedulable.js';
import { podTopologySpreadFilter, podTopologySpreadScore } from './pod-topology-spread.js';
import { taintTolerationFilter, taintTolerationScore } from './taint-toleration.js';
import { volumeBindingFilter, type VolumeLookup } from './volume-binding.js';

/** kube's filter order; VolumeBinding only when the scheduler can see claims and volumes. */
export function defaultFilters(volumes?: VolumeLookup): readonly FilterPlugin[] {
  return [
    nodeUnschedulableFilter,
    nodeNameFilter,
    taintTolerationFilter,
    nodeAffinityFilter,
    nodePortsFilter,
    nodeResourcesFitFilter,
    ...(volumes ? [volumeBindingFilter(volumes)] : []),
    podTopologySpreadFilter,
    interPodAffinityFilter,
  ];
}

/** The filters for pods without volumes to look up (tests, benchmarks). */
export const DEFAULT_FILTERS: readonly FilterPlugin[] = defaultFilters();

export const DEFAULT_SCORES: readonly ScorePlugin[] = [
  taintTolerationScore,
  nodeAffinityScore,
  leastAllocatedScorePlugin,
  podTopologySpreadScore,
  interPodAffinityScore,
  balancedAllocationScorePlugin,
  imageLocalityScorePlugin,
];
