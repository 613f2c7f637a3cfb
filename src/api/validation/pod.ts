// Pod create and update (ValidatePodCreate, ValidatePodUpdate).

import type { FieldError, KubeObject } from '../types.js';
import { child, forbidden, index, invalid, key, required } from './field.js';
import { arr, clone, deepEqual, isObject, objOr, objects, str, type JsonObject } from './json.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { inclusiveRangeError, nameIsDNSSubdomain } from './names.js';
import { validatePodSpec, validateTolerations } from './podspec.js';
import { describeDiff } from './diff.js';

const MirrorPodAnnotation = 'kubernetes.io/config.mirror';
const DeletionCostAnnotation = 'controller.kubernetes.io/pod-deletion-cost';
const MaxInt32 = 2147483647;

function validatePodSpecificAnnotations(annotations: JsonObject, spec: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (MirrorPodAnnotation in annotations && str(spec.nodeName) === '') {
    errs.push(invalid(key(field, MirrorPodAnnotation), str(annotations[MirrorPodAnnotation]), 'must set spec.nodeName if mirror pod annotation is set'));
  }
  if (DeletionCostAnnotation in annotations) {
    const cost = str(annotations[DeletionCostAnnotation]);
    const n = /^[+-]?[0-9]+$/.test(cost) ? Number(cost) : Number.NaN;
    if (!(n >= -2147483648 && n <= MaxInt32)) errs.push(invalid(key(field, DeletionCostAnnotation), cost, 'must be a 32bit integer'));
  }
  return errs;
}

function validateImageWhitespace(containers: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(containers).forEach((c, i) => {
    const image = str(c.image);
    if (image.trim() !== image) errs.push(invalid(child(index(field, i), 'image'), image, 'must not have leading or trailing whitespace'));
  });
  return errs;
}

/** validatePodMetadataAndSpec: shared by create and update. */
function validatePodMetadataAndSpec(pod: KubeObject): FieldError[] {
  const spec = objOr(pod.spec);
  const errs = validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain);
  errs.push(...validatePodSpecificAnnotations(objOr(pod.metadata?.annotations), spec, 'metadata.annotations'));
  errs.push(...validatePodSpec(spec, 'spec', { resourceIsPod: true, podName: str(pod.metadata?.name) }));
  if (str(spec.serviceAccountName) === '') {
    objects(spec.volumes).forEach((volume, vi) => {
      const projected = objOr(volume.projected);
      objects(projected.sources).forEach((source, si) => {
        if (isObject(source.serviceAccountToken)) {
          errs.push(forbidden(`spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`, 'must not be specified when serviceAccountName is not set'));
        }
      });
    });
  }
  errs.push(...validateImageWhitespace(spec.containers, 'spec.containers'));
  errs.push(...validateImageWhitespace(spec.initContainers, 'spec.initContainers'));
  return errs;
}

export function validatePodCreate(pod: KubeObject): FieldError[] {
  const errs = validatePodMetadataAndSpec(pod);
  const spec = objOr(pod.spec);
  if (arr(spec.ephemeralContainers).length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec.nodeName) !== '' && arr(spec.schedulingGates).length > 0) {
    errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

const updatablePodSpecFields = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/** ValidateContainerUpdates: same number of containers, each with an image. Returns true to stop. */
function validateContainerUpdates(newContainers: unknown, oldContainers: unknown, field: string, errs: FieldError[]): boolean {
  const next = objects(newContainers);
  if (next.length !== arr(oldContainers).length) {
    errs.push(forbidden(field, 'pod updates may not add or remove containers'));
    return true;
  }
  next.forEach((c, i) => {
    const image = str(c.image);
    if (image === '') errs.push(required(child(index(field, i), 'image')));
    if (image.trim() !== image) errs.push(invalid(child(index(field, i), 'image'), image, 'must not have leading or trailing whitespace'));
  });
  return false;
}

function validateOnlyAddedTolerations(newTolerations: unknown, oldTolerations: unknown, field: string): FieldError[] {
  const next = objects(newTolerations);
  for (const old of objects(oldTolerations)) {
    // tolerationSeconds may change; everything else about an existing toleration is fixed.
    const kept = next.some((t) => deepEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!kept) return [forbidden(field, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(newTolerations, field);
}

export function validatePodUpdate(pod: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod.metadata, old.metadata);
  errs.push(...validatePodMetadataAndSpec(pod));
  const annotations = objOr(pod.metadata?.annotations);
  const oldAnnotations = objOr(old.metadata?.annotations);
  if (MirrorPodAnnotation in oldAnnotations && annotations[MirrorPodAnnotation] !== oldAnnotations[MirrorPodAnnotation]) {
    errs.push(forbidden(key('metadata.annotations', MirrorPodAnnotation), 'may not remove or update mirror pod annotation'));
  }
  if (MirrorPodAnnotation in annotations && !(MirrorPodAnnotation in oldAnnotations)) {
    errs.push(forbidden(key('metadata.annotations', MirrorPodAnnotation), 'may not add mirror pod annotation'));
  }

  const spec = objOr(pod.spec);
  const oldSpec = objOr(old.spec);
  if (validateContainerUpdates(spec.containers, oldSpec.containers, 'spec.containers', errs)) return errs;
  if (validateContainerUpdates(spec.initContainers, oldSpec.initContainers, 'spec.initContainers', errs)) return errs;

  const deadline = spec.activeDeadlineSeconds;
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  if (typeof deadline === 'number') {
    if (deadline < 0 || deadline > MaxInt32) {
      errs.push(invalid('spec.activeDeadlineSeconds', deadline, inclusiveRangeError(0, MaxInt32)));
      return errs;
    }
    if (typeof oldDeadline === 'number' && oldDeadline < deadline) {
      errs.push(invalid('spec.activeDeadlineSeconds', deadline, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (typeof oldDeadline === 'number') {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(spec.tolerations, oldSpec.tolerations, 'spec.tolerations'));
  const oldGates = new Set(objects(oldSpec.schedulingGates).map((g) => str(g.name)));
  objects(spec.schedulingGates).forEach((gate, i) => {
    if (!oldGates.has(str(gate.name))) {
      errs.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${str(gate.name)}'`));
    }
  });
  if (deepEqual(spec, oldSpec)) return errs;

  // Put back what may change, then anything still different is forbidden.
  const munged = clone(spec);
  for (const list of ['containers', 'initContainers'] as const) {
    const oldList = objects(oldSpec[list]);
    if (Array.isArray(munged[list])) munged[list] = objects(munged[list]).map((c, i) => ({ ...c, image: oldList[i]?.image }));
  }
  munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  munged.schedulingGates = oldSpec.schedulingGates;
  munged.tolerations = oldSpec.tolerations;
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (!deepEqual(munged, oldSpec)) {
    errs.push(forbidden('spec', `pod updates may not change fields other than ${updatablePodSpecFields.join(',')}\n${describeDiff('core.PodSpec', oldSpec, munged)}`));
  }
  return errs;
}
