// Validation of the built-in kinds, as the API server runs it before a write:
// validateCreate on create, validateUpdate (create rules plus immutability)
// on update and patch. Both are pure and return Kubernetes' field errors;
// render them with formatFieldError / formatInvalidMessage.

import type { FieldError, KubeObject } from '../types.js';
import * as apps from './apps.js';
import type { KindRules } from './rules.js';
import * as batch from './batch.js';
import * as core from './core.js';
import * as others from './others.js';
import { validatePodCreate, validatePodUpdate } from './pod.js';
import { validateService, validateServiceUpdate } from './service.js';
import { validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validatePersistentVolumeUpdate } from './storage.js';

export { fieldErrorBody, formatFieldError, formatInvalidMessage, renderValue, GoValue } from './field.js';
export { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, nameIsDNSLabel, nameIsDNSSubdomain, nameIsDNS1035Label, type NameValidator } from './names.js';
export { validateAnnotations, validateLabels, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate, selectorMatches, type ObjectMetaOptions } from './meta.js';
export { canonicalQuantity, formatQuantity, parseQuantity, QuantityError, type Quantity } from './quantity.js';
export { cronScheduleError } from './cron.js';


/** Keyed by `<group>/<Kind>`, group '' for core. */
const rules: Record<string, KindRules> = {
  '/Namespace': { create: core.validateNamespace, update: core.validateNamespaceUpdate },
  '/Node': { create: core.validateNode, update: core.validateNodeUpdate },
  '/Pod': { create: validatePodCreate, update: validatePodUpdate },
  '/Service': { create: validateService, update: validateServiceUpdate },
  '/Endpoints': { create: core.validateEndpoints, update: core.validateEndpointsUpdate },
  '/ConfigMap': { create: core.validateConfigMap, update: core.validateConfigMapUpdate },
  '/Secret': { create: core.validateSecret, update: core.validateSecretUpdate },
  '/Event': { create: core.validateEvent, update: core.validateEventUpdate },
  '/ServiceAccount': { create: core.validateServiceAccount, update: core.validateServiceAccountUpdate },
  '/PersistentVolume': { create: validatePersistentVolume, update: validatePersistentVolumeUpdate },
  '/PersistentVolumeClaim': { create: validatePersistentVolumeClaim, update: validatePersistentVolumeClaimUpdate },
  'apps/Deployment': apps.deploymentRules,
  'apps/ReplicaSet': apps.replicaSetRules,
  'apps/StatefulSet': { create: apps.validateStatefulSet, update: apps.validateStatefulSetUpdate },
  'apps/DaemonSet': apps.daemonSetRules,
  'apps/ControllerRevision': { create: apps.validateControllerRevision, update: apps.validateControllerRevisionUpdate },
  'batch/Job': { create: batch.validateJob, update: batch.validateJobUpdate },
  'batch/CronJob': { create: batch.validateCronJob, update: batch.validateCronJobUpdate },
  'coordination.k8s.io/Lease': { create: others.validateLease, update: others.validateLeaseUpdate },
  'discovery.k8s.io/EndpointSlice': { create: others.validateEndpointSlice, update: others.validateEndpointSliceUpdate },
  'autoscaling/HorizontalPodAutoscaler': { create: others.validateHorizontalPodAutoscaler, update: others.validateHorizontalPodAutoscalerUpdate },
  'policy/PodDisruptionBudget': { create: others.validatePodDisruptionBudget, update: others.validatePodDisruptionBudgetUpdate },
};

/** Whether this module knows the kind (unknown kinds validate to no errors). */
export function hasValidation(group: string, kind: string): boolean {
  return `${group}/${kind}` in rules;
}

export function validateCreate(group: string, kind: string, obj: KubeObject): FieldError[] {
  return rules[`${group}/${kind}`]?.create(obj) ?? [];
}

export function validateUpdate(group: string, kind: string, obj: KubeObject, old: KubeObject): FieldError[] {
  return rules[`${group}/${kind}`]?.update(obj, old) ?? [];
}
