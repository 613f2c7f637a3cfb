// apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision
// (pkg/apis/apps/validation, plus the selector immutability the registry
// strategies add for apps/v1).

import type { FieldError, KubeObject } from '../types.js';
import type { KindRules } from './rules.js';
import { child, forbidden, invalid, notSupported, required } from './field.js';
import { goIntOrString, goLabelSelector } from './govalue.js';
import { clone, deepEqual, obj, objOr, present, str, type JsonObject } from './json.js';
import {
  isConvertibleSelector,
  isEmptySelector,
  validateAnnotations,
  validateImmutableField,
  validateLabels,
  validateLabelSelector,
  validateNonnegativeField,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './meta.js';
import { nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { validatePodTemplateSpec } from './podspec.js';
import {
  intOrPercentValue,
  isNotMoreThan100Percent,
  validateAlwaysRestart,
  validateAlwaysRestartingTemplate,
  validatePositiveIntOrPercent,
  validateRequiredSelector,
  validateTemplateMatchesSelector,
} from './workload.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** apps/v1 forbids changing a controller's selector after creation. */
function validateSelectorUnchanged(obj: KubeObject, old: KubeObject): FieldError[] {
  const selector = objOr(obj.spec).selector;
  return validateImmutableField(selector, objOr(old.spec).selector, 'spec.selector', goLabelSelector(selector));
}

/**
 * Deployment, ReplicaSet and DaemonSet validate alike around their spec:
 * ObjectMeta on create, ObjectMeta changes plus an unchanged selector on update.
 */
function selectorControllerRules(validateSpec: (spec: unknown) => FieldError[]): KindRules {
  return {
    create: (o) => [...validateObjectMeta(o.metadata, true, nameIsDNSSubdomain), ...validateSpec(o.spec)],
    update: (o, old) => [...validateObjectMetaUpdate(o.metadata, old.metadata), ...validateSpec(o.spec), ...validateSelectorUnchanged(o, old)],
  };
}

// --- Deployment -----------------------------------------------------------------

function validateDeploymentStrategy(strategyValue: unknown, field: string): FieldError[] {
  const strategy = objOr(strategyValue);
  const type = str(strategy.type);
  const rollingUpdate = obj(strategy.rollingUpdate);
  if (type === 'Recreate') {
    return rollingUpdate ? [forbidden(child(field, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (type === 'RollingUpdate') {
    if (!rollingUpdate) return [required(child(field, 'rollingUpdate'), 'this should be defaulted and never be nil')];
    const path = child(field, 'rollingUpdate');
    const errs = [
      ...validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, child(path, 'maxUnavailable')),
      ...validatePositiveIntOrPercent(rollingUpdate.maxSurge, child(path, 'maxSurge')),
    ];
    if (intOrPercentValue(rollingUpdate.maxUnavailable) === 0 && intOrPercentValue(rollingUpdate.maxSurge) === 0) {
      errs.push(invalid(child(path, 'maxUnavailable'), goIntOrString(rollingUpdate.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
    }
    errs.push(...isNotMoreThan100Percent(rollingUpdate.maxUnavailable, child(path, 'maxUnavailable')));
    return errs;
  }
  return [notSupported(field, strategy, ['Recreate', 'RollingUpdate'])];
}

function validateDeploymentSpec(specValue: unknown): FieldError[] {
  const spec = objOr(specValue);
  const errs = validateNonnegativeField(num(spec.replicas), 'spec.replicas');
  errs.push(...validateRequiredSelector(spec.selector, 'spec.selector', 'deployment'));
  errs.push(...validateAlwaysRestartingTemplate(spec, 'spec', 'ReplicaSet'));
  errs.push(...validateDeploymentStrategy(spec.strategy, 'spec.strategy'));
  const minReadySeconds = num(spec.minReadySeconds) ?? 0;
  errs.push(...validateNonnegativeField(minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateNonnegativeField(num(spec.revisionHistoryLimit), 'spec.revisionHistoryLimit'));
  const progressDeadline = num(spec.progressDeadlineSeconds);
  if (progressDeadline !== undefined) {
    errs.push(...validateNonnegativeField(progressDeadline, 'spec.progressDeadlineSeconds'));
    if (progressDeadline <= minReadySeconds) errs.push(invalid('spec.progressDeadlineSeconds', progressDeadline, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export const deploymentRules = selectorControllerRules(validateDeploymentSpec);

// --- ReplicaSet -------------------------------------------------------------------

function validateReplicaSetSpec(specValue: unknown): FieldError[] {
  const spec = objOr(specValue);
  const errs = validateNonnegativeField(num(spec.replicas), 'spec.replicas');
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds), 'spec.minReadySeconds'));
  // Kubernetes' ReplicaSet check reuses the Deployment wording.
  errs.push(...validateRequiredSelector(spec.selector, 'spec.selector', 'deployment'));
  errs.push(...validateAlwaysRestartingTemplate(spec, 'spec', 'ReplicaSet'));
  return errs;
}

export const replicaSetRules = selectorControllerRules(validateReplicaSetSpec);

// --- DaemonSet -------------------------------------------------------------------------

function validateDaemonSetUpdateStrategy(strategyValue: unknown, field: string): FieldError[] {
  const strategy = objOr(strategyValue);
  const type = str(strategy.type);
  if (type === 'OnDelete') return [];
  if (type !== 'RollingUpdate') return [notSupported(field, strategy, ['RollingUpdate', 'OnDelete'])];
  const rollingUpdate = obj(strategy.rollingUpdate);
  if (!rollingUpdate) return [required(child(field, 'rollingUpdate'))];
  const path = child(field, 'rollingUpdate');
  const errs = [
    ...validatePositiveIntOrPercent(rollingUpdate.maxUnavailable, child(path, 'maxUnavailable')),
    ...validatePositiveIntOrPercent(rollingUpdate.maxSurge, child(path, 'maxSurge')),
    ...isNotMoreThan100Percent(rollingUpdate.maxUnavailable, child(path, 'maxUnavailable')),
    ...isNotMoreThan100Percent(rollingUpdate.maxSurge, child(path, 'maxSurge')),
  ];
  const hasUnavailable = intOrPercentValue(rollingUpdate.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(rollingUpdate.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errs.push(invalid(child(path, 'maxSurge'), goIntOrString(rollingUpdate.maxSurge), 'may not be set when maxUnavailable is non-zero'));
  else if (!hasUnavailable && !hasSurge) errs.push(required(child(path, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
  return errs;
}

function validateDaemonSetSpec(specValue: unknown): FieldError[] {
  const spec = objOr(specValue);
  const errs: FieldError[] = [];
  const selector = spec.selector;
  // Unlike the other controllers, a DaemonSet gets no "Required" for a missing
  // selector: the template mismatch (nothing matches a nil selector) reports it.
  errs.push(...validateLabelSelector(selector, 'spec.selector'));
  if (isConvertibleSelector(selector)) errs.push(...validateTemplateMatchesSelector(selector, spec.template, 'spec.template', false));
  if (isEmptySelector(selector)) errs.push(invalid('spec.selector', goLabelSelector(selector), 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  errs.push(...validateAlwaysRestart(spec.template, 'spec.template', 'DaemonSet'));
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds), 'spec.minReadySeconds'));
  errs.push(...validateDaemonSetUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'));
  errs.push(...validateNonnegativeField(num(spec.revisionHistoryLimit), 'spec.revisionHistoryLimit'));
  return errs;
}

export const daemonSetRules = selectorControllerRules(validateDaemonSetSpec);

// --- StatefulSet -------------------------------------------------------------------------

function validateRetentionPolicy(policyValue: unknown, field: string): FieldError[] {
  const policy = obj(policyValue);
  if (!policy) return [];
  const errs: FieldError[] = [];
  for (const f of ['whenDeleted', 'whenScaled']) {
    const v = str(policy[f]);
    if (v !== 'Retain' && v !== 'Delete') errs.push(notSupported(child(field, f), v, ['Retain', 'Delete']));
  }
  return errs;
}

function validateStatefulSetUpdateStrategy(strategyValue: unknown, field: string): FieldError[] {
  const strategy = objOr(strategyValue);
  const type = str(strategy.type);
  const rollingUpdate = obj(strategy.rollingUpdate);
  switch (type) {
    case '':
      return [required(field)];
    case 'OnDelete':
      return rollingUpdate ? [invalid(child(field, 'rollingUpdate'), rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case 'RollingUpdate': {
      if (!rollingUpdate) return [];
      const path = child(field, 'rollingUpdate');
      const errs = validateNonnegativeField(num(rollingUpdate.partition) ?? 0, child(path, 'partition'));
      if (present(rollingUpdate.maxUnavailable)) {
        const maxUnavailable = rollingUpdate.maxUnavailable;
        errs.push(...validatePositiveIntOrPercent(maxUnavailable, child(path, 'maxUnavailable')));
        if (intOrPercentValue(maxUnavailable) === 0) errs.push(invalid(child(path, 'maxUnavailable'), goIntOrString(maxUnavailable), 'cannot be 0'));
        errs.push(...isNotMoreThan100Percent(maxUnavailable, child(path, 'maxUnavailable')));
      }
      return errs;
    }
    default:
      return [invalid(field, strategy, "must be 'RollingUpdate' or 'OnDelete'")];
  }
}

function validateStatefulSetSpec(specValue: unknown): FieldError[] {
  const spec = objOr(specValue);
  const errs: FieldError[] = [];
  const policy = str(spec.podManagementPolicy);
  if (policy === '') errs.push(required('spec.podManagementPolicy'));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(invalid('spec.podManagementPolicy', policy, "must be 'OrderedReady' or 'Parallel'"));
  errs.push(...validateStatefulSetUpdateStrategy(spec.updateStrategy, 'spec.updateStrategy'));
  errs.push(...validateRetentionPolicy(spec.persistentVolumeClaimRetentionPolicy, 'spec.persistentVolumeClaimRetentionPolicy'));
  errs.push(...validateNonnegativeField(num(spec.replicas), 'spec.replicas'));
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds), 'spec.minReadySeconds'));
  const ordinals = obj(spec.ordinals);
  if (ordinals) errs.push(...validateNonnegativeField(num(ordinals.start), 'spec.ordinals.start'));
  errs.push(...validateRequiredSelector(spec.selector, 'spec.selector', 'statefulset'));
  if (!isConvertibleSelector(spec.selector)) {
    errs.push(invalid('spec.selector', goLabelSelector(spec.selector), ''));
  } else {
    // Kubernetes checks only the template's metadata here, not its pod spec.
    const meta = objOr(objOr(spec.template).metadata);
    errs.push(...validateTemplateMatchesSelector(spec.selector, spec.template, 'spec.template'));
    errs.push(...validateLabels(meta.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(meta.annotations, 'spec.template.annotations'));
  }
  // Like Kubernetes v1.32, volumeClaimTemplates are not validated here; the claims are when created.
  errs.push(...validateAlwaysRestart(spec.template, 'spec.template', 'StatefulSet'));
  return errs;
}

export function validateStatefulSet(ss: KubeObject): FieldError[] {
  return [...validateObjectMeta(ss.metadata, true, nameIsDNSLabel), ...validateStatefulSetSpec(ss.spec)];
}

const statefulSetMutableFields = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy'];

export function validateStatefulSetUpdate(ss: KubeObject, old: KubeObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ss.metadata, old.metadata), ...validateStatefulSetSpec(ss.spec)];
  const spec: JsonObject = clone(objOr(ss.spec));
  const oldSpec = objOr(old.spec);
  for (const f of statefulSetMutableFields) spec[f] = oldSpec[f];
  if (!deepEqual(spec, oldSpec)) {
    errs.push(
      forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

// --- ControllerRevision ----------------------------------------------------------------------

export function validateControllerRevision(cr: KubeObject): FieldError[] {
  const errs = validateObjectMeta(cr.metadata, true, nameIsDNSSubdomain);
  if (!present(cr.data)) errs.push(required('data', 'data is mandatory'));
  errs.push(...validateNonnegativeField(num(cr.revision) ?? 0, 'revision'));
  return errs;
}

export function validateControllerRevisionUpdate(cr: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(cr.metadata, old.metadata), ...validateControllerRevision(cr), ...validateImmutableField(cr.data, old.data, 'data')];
}
