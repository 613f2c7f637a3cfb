// Kubernetes v1.32 defaulting for the built-in kinds: what the API server
// fills in when decoding a request, before validation. Mutates in place.

import type { KubeObject } from '../types.js';
import type { JsonObject } from '../validation/json.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet, defaultStatefulSet } from './apps.js';
import { defaultCronJob, defaultJob } from './batch.js';
import { defaultEndpoints, defaultNamespace, defaultNode, defaultPodTemplateKind, defaultSecret, defaultService } from './core.js';
import { defaultEndpointSlice, defaultHorizontalPodAutoscaler } from './others.js';
import { defaultPod } from './pod.js';
import { defaultPersistentVolume, defaultPersistentVolumeClaim } from './storage.js';

export { generateJobSelector } from './batch.js';
export { defaultPodSpec, defaultPodTemplate } from './pod.js';

const defaulters: Record<string, (obj: JsonObject) => void> = {
  '/Pod': defaultPod,
  '/PodTemplate': defaultPodTemplateKind,
  '/Service': defaultService,
  '/Namespace': defaultNamespace,
  '/Secret': defaultSecret,
  '/Endpoints': defaultEndpoints,
  '/Node': defaultNode,
  '/PersistentVolume': defaultPersistentVolume,
  '/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/DaemonSet': defaultDaemonSet,
  'batch/Job': defaultJob,
  'batch/CronJob': defaultCronJob,
  'autoscaling/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
  'discovery.k8s.io/EndpointSlice': defaultEndpointSlice,
};

/**
 * Applies the kind's defaults (group '' for core). Kinds without defaults
 * (ConfigMap, Event, ServiceAccount, ControllerRevision, Lease, PDB) are left alone.
 * For a Job that already has metadata.uid, also generates its selector and
 * template labels, as the Job registry does before validation.
 */
export function defaultObject(group: string, kind: string, obj: KubeObject): void {
  defaulters[`${group}/${kind}`]?.(obj as JsonObject);
}
