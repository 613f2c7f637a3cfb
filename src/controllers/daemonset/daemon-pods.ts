// What makes a DaemonSet pod: the template with Kubernetes' default daemon
// tolerations, the revision hash label, and required node affinity naming
// its node (the scheduler places it there); and how to read back which node
// a pod is for and whether it is at the current revision.
import type { KubeObject } from '../../api/types.js';
import { podFromTemplate, type PodTemplate } from '../common/pods.js';
import { schedulingSpec, type Affinity, type DaemonSet, type SchedulingSpec, type Toleration } from './types.js';

/** apps.DefaultDaemonSetUniqueLabelKey */
export const REVISION_HASH_LABEL = 'controller-revision-hash';
/** The deprecated template-generation label, set when the API server keeps the matching annotation. */
export const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

const NODE_NAME_FIELD = 'metadata.name';

/** Daemons must keep running through node conditions that evict or repel other pods. */
const DEFAULT_TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

/** AddOrUpdateDaemonPodTolerations: the spec with the default tolerations replacing or joining its own. */
export function withDaemonTolerations<T extends SchedulingSpec>(spec: T): T {
  const defaults = spec.hostNetwork ? [...DEFAULT_TOLERATIONS, HOST_NETWORK_TOLERATION] : DEFAULT_TOLERATIONS;
  let tolerations = [...(spec.tolerations ?? [])];
  for (const toleration of defaults) {
    const at = tolerations.findIndex((t) => sameToleration(t, toleration));
    if (at < 0) tolerations.push(toleration);
    else tolerations = tolerations.map((t, i) => (i === at ? toleration : t));
  }
  return { ...spec, tolerations };
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: required affinity for exactly `nodeName`, other affinity kept. */
function pinnedToNode(affinity: Affinity | undefined, nodeName: string): Affinity {
  const term = { matchFields: [{ key: NODE_NAME_FIELD, operator: 'In' as const, values: [nodeName] }] };
  return {
    ...(affinity ?? {}),
    nodeAffinity: { ...(affinity?.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } },
  };
}

/** The template generation the API server recorded, if it records one. */
export function templateGeneration(ds: DaemonSet): string | undefined {
  return ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
}

/** CreatePodTemplate: the template daemon pods of this revision are made from. */
export function daemonPodTemplate(ds: DaemonSet, hash: string): PodTemplate {
  const template = structuredClone(ds.spec.template ?? {});
  template.spec = withDaemonTolerations(schedulingSpec(template));
  const generation = templateGeneration(ds);
  template.metadata = {
    ...template.metadata,
    labels: { ...(template.metadata?.labels ?? {}), ...(generation ? { [TEMPLATE_GENERATION_LABEL]: generation } : {}), [REVISION_HASH_LABEL]: hash },
  };
  return template;
}

/** A new daemon pod for `nodeName`, left to the scheduler to bind there. */
export function newDaemonPod(ds: DaemonSet, template: PodTemplate, nodeName: string): KubeObject {
  const pod = podFromTemplate(template, ds, { generateName: `${ds.metadata.name}-` });
  const spec = schedulingSpec(pod);
  spec.affinity = pinnedToNode(spec.affinity, nodeName);
  return pod;
}

/** GetTargetNodeName: the node a pod is bound to, or the one its required affinity names. */
export function targetNodeName(pod: KubeObject): string | undefined {
  const spec = schedulingSpec(pod);
  if (spec.nodeName) return spec.nodeName;
  for (const term of spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const field of term.matchFields ?? []) {
      if (field.key === NODE_NAME_FIELD && field.operator === 'In') return field.values?.length === 1 ? field.values[0] : undefined;
    }
  }
  return undefined;
}

/** IsPodUpdated: the pod carries the current revision's hash (or template generation). */
export function isPodUpdated(ds: DaemonSet, pod: KubeObject, hash: string): boolean {
  const labels = pod.metadata.labels ?? {};
  const generation = templateGeneration(ds);
  return (hash !== '' && labels[REVISION_HASH_LABEL] === hash) || (generation !== undefined && labels[TEMPLATE_GENERATION_LABEL] === generation);
}
