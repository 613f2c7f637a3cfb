// ObjectMeta, labels, annotations and label selectors: apimachinery's
// pkg/api/validation (objectmeta.go, generic.go) and
// pkg/apis/meta/v1/validation, plus the core additions every built-in kind
// gets through core's ValidateObjectMeta (standard finalizer names).

import type { FieldError, ObjectMeta } from '../types.js';
import { child, forbidden, index, invalid, required, tooLong } from './field.js';
import { goLabelSelector, goStringSlice, GoValue } from './govalue.js';
import { arr, deepEqual, isObject, objects, str, type JsonObject } from './json.js';
import { byteLength, isQualifiedName, isValidLabelValue, nameIsDNSLabel, type NameValidator } from './names.js';

export const FieldImmutableErrorMsg = 'field is immutable';
export const IsNegativeErrorMsg = 'must be greater than or equal to 0';
export const TotalAnnotationSizeLimitB = 256 * 1024;

// --- Small shared checks -------------------------------------------------------

export function validateNonnegativeField(value: number | undefined, field: string): FieldError[] {
  return value !== undefined && value < 0 ? [invalid(field, value, IsNegativeErrorMsg)] : [];
}

/** ValidateImmutableField; `rendered` lets callers pass the Go rendering of the new value. */
export function validateImmutableField(newValue: unknown, oldValue: unknown, field: string, rendered?: unknown): FieldError[] {
  return deepEqual(newValue, oldValue) ? [] : [invalid(field, rendered ?? newValue ?? null, FieldImmutableErrorMsg)];
}

export function validateQualifiedName(value: string, field: string): FieldError[] {
  return isQualifiedName(value).map((m) => invalid(field, value, m));
}

export const validateLabelName = validateQualifiedName;

export function validateDNS1123Label(value: string, field: string, check: (v: string) => string[]): FieldError[] {
  return check(value).map((m) => invalid(field, value, m));
}

// --- Labels and annotations ----------------------------------------------------

/** ValidateLabels: errors point at the map itself (`metadata.labels`), not at the key. */
export function validateLabels(labels: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(labels)) return errs;
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, field));
    const value = str(v);
    errs.push(...isValidLabelValue(value).map((m) => invalid(field, value, m)));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(annotations)) return errs;
  let totalSize = 0;
  for (const [k, v] of Object.entries(annotations)) {
    // Annotation keys are qualified names, except that case does not matter.
    errs.push(...isQualifiedName(k.toLowerCase()).map((m) => invalid(field, k, m)));
    totalSize += byteLength(k) + byteLength(str(v));
  }
  if (totalSize > TotalAnnotationSizeLimitB) errs.push(tooLong(field, TotalAnnotationSizeLimitB));
  return errs;
}

// --- Label selectors -------------------------------------------------------------

export function validateLabelSelectorRequirement(req: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const operator = str(req.operator);
  const values = arr(req.values);
  if (operator === 'In' || operator === 'NotIn') {
    if (values.length === 0) errs.push(required(child(field, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (operator === 'Exists' || operator === 'DoesNotExist') {
    if (values.length > 0) errs.push(forbidden(child(field, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else {
    errs.push(invalid(child(field, 'operator'), operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(req.key), child(field, 'key')));
  values.forEach((v, i) => {
    const value = str(v);
    errs.push(...isValidLabelValue(value).map((m) => invalid(index(child(field, 'values'), i), value, m)));
  });
  return errs;
}

export function validateLabelSelector(selector: unknown, field: string): FieldError[] {
  if (!isObject(selector)) return [];
  const errs = validateLabels(selector.matchLabels, child(field, 'matchLabels'));
  objects(selector.matchExpressions).forEach((req, i) => {
    errs.push(...validateLabelSelectorRequirement(req, index(child(field, 'matchExpressions'), i)));
  });
  return errs;
}

/** Whether metav1.LabelSelectorAsSelector would accept the selector. */
export function isConvertibleSelector(selector: unknown): boolean {
  if (!isObject(selector)) return true;
  for (const [k, v] of Object.entries(isObject(selector.matchLabels) ? selector.matchLabels : {})) {
    if (isQualifiedName(k).length > 0 || isValidLabelValue(str(v)).length > 0) return false;
  }
  for (const req of objects(selector.matchExpressions)) {
    if (validateLabelSelectorRequirement(req, '').length > 0) return false;
  }
  return true;
}

/** True when the selector selects nothing in particular (no labels, no expressions). */
export function isEmptySelector(selector: unknown): boolean {
  if (!isObject(selector)) return false;
  return Object.keys(isObject(selector.matchLabels) ? selector.matchLabels : {}).length + arr(selector.matchExpressions).length === 0;
}

/**
 * labels.Selector.Matches for a converted LabelSelector. A nil selector
 * selects nothing; an empty one selects everything.
 */
export function selectorMatches(selector: unknown, labels: unknown): boolean {
  if (!isObject(selector)) return false;
  const set = isObject(labels) ? labels : {};
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(set, k);
  for (const [k, v] of Object.entries(isObject(selector.matchLabels) ? selector.matchLabels : {})) {
    if (!has(k) || set[k] !== v) return false;
  }
  for (const req of objects(selector.matchExpressions)) {
    const k = str(req.key);
    const values = arr(req.values).map(str);
    switch (str(req.operator)) {
      case 'In':
        if (!has(k) || !values.includes(str(set[k]))) return false;
        break;
      case 'NotIn':
        if (has(k) && values.includes(str(set[k]))) return false;
        break;
      case 'Exists':
        if (!has(k)) return false;
        break;
      case 'DoesNotExist':
        if (has(k)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}


// --- ObjectMeta --------------------------------------------------------------------

const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

function validateOwnerReferences(refs: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of objects(refs)) {
    const apiVersion = str(ref.apiVersion);
    const kind = str(ref.kind);
    const parts = apiVersion.split('/');
    const parsed = apiVersion === '' ? { group: '', version: '' } : parts.length === 1 ? { group: '', version: parts[0] } : parts.length === 2 ? { group: parts[0], version: parts[1] } : undefined;
    const version = parsed?.version ?? '';
    if (version === '') errs.push(invalid(child(field, 'apiVersion'), apiVersion, 'version must not be empty'));
    if (kind === '') errs.push(invalid(child(field, 'kind'), kind, 'must not be empty'));
    if (str(ref.name) === '') errs.push(invalid(child(field, 'name'), str(ref.name), 'must not be empty'));
    if (str(ref.uid) === '') errs.push(invalid(child(field, 'uid'), str(ref.uid), 'must not be empty'));
    if (parsed && parsed.group === '' && version === 'v1' && kind === 'Event') {
      errs.push(invalid(field, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const current = `${kind}/${str(ref.name)}`;
      if (firstController !== '') {
        errs.push(invalid(field, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`));
      } else {
        firstController = current;
      }
    }
  }
  return errs;
}

function validateFinalizers(finalizers: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = arr(finalizers).map(str);
  for (const f of names) errs.push(...isQualifiedName(f).map((m) => invalid(field, f, m)));
  if (names.includes('orphan') && names.includes('foregroundDeletion')) {
    errs.push(invalid(field, goStringSlice(names), 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** Core's extra rule: a finalizer without a '/' must be one of Kubernetes' own. */
function validateKubeFinalizerNames(finalizers: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(finalizers).map(str).forEach((f, i) => {
    if (!f.includes('/') && !standardFinalizers.has(f)) {
      errs.push(invalid(index(field, i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

export interface ObjectMetaOptions {
  /** Core's ValidateObjectMeta also insists on standard or qualified finalizer names (true for all built-ins but Lease). */
  kubeFinalizers?: boolean;
  path?: string;
}

function validateCommonMeta(meta: ObjectMeta, field: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateNonnegativeField(typeof meta.generation === 'number' ? meta.generation : undefined, child(field, 'generation')));
  errs.push(...validateLabels(meta.labels, child(field, 'labels')));
  errs.push(...validateAnnotations(meta.annotations, child(field, 'annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(field, 'ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, child(field, 'finalizers')));
  return errs;
}

/**
 * ValidateObjectMeta for create: name (or generateName) against the kind's
 * name rule, namespace present exactly when the kind is namespaced, labels,
 * annotations (≤ 256 KiB in total), ownerReferences and finalizers.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameValidator: NameValidator, options: ObjectMetaOptions = {}): FieldError[] {
  const field = options.path ?? 'metadata';
  const m: ObjectMeta = meta ?? {};
  const errs: FieldError[] = [];
  const generateName = str(m.generateName);
  const name = str(m.name);
  if (generateName !== '') {
    errs.push(...nameValidator(generateName, true).map((msg) => invalid(child(field, 'generateName'), generateName, msg)));
  }
  if (name === '') errs.push(required(child(field, 'name'), 'name or generateName is required'));
  else errs.push(...nameValidator(name, false).map((msg) => invalid(child(field, 'name'), name, msg)));

  const namespace = str(m.namespace);
  if (namespaced) {
    if (namespace === '') errs.push(required(child(field, 'namespace')));
    else errs.push(...nameIsDNSLabel(namespace, false).map((msg) => invalid(child(field, 'namespace'), namespace, msg)));
  } else if (namespace !== '') {
    errs.push(forbidden(child(field, 'namespace'), 'not allowed on this type'));
  }
  errs.push(...validateCommonMeta(m, field));
  if (options.kubeFinalizers !== false) errs.push(...validateKubeFinalizerNames(m.finalizers, child(field, 'finalizers')));
  return errs;
}

/** ValidateObjectMetaUpdate: identity fields are immutable and the update must carry a resourceVersion. */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, options: ObjectMetaOptions = {}): FieldError[] {
  const field = options.path ?? 'metadata';
  const m: ObjectMeta = meta ?? {};
  const old: ObjectMeta = oldMeta ?? {};
  const errs: FieldError[] = [];
  if (str(old.deletionTimestamp) !== '') {
    const before = new Set(arr(old.finalizers).map(str));
    const added = [...new Set(arr(m.finalizers).map(str))].filter((f) => !before.has(f)).sort();
    if (added.length > 0) {
      errs.push(forbidden(child(field, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added).text}`));
    }
  }
  if (str(m.resourceVersion) === '') errs.push(invalid(child(field, 'resourceVersion'), '', 'must be specified for an update'));
  const generation = typeof m.generation === 'number' ? m.generation : 0;
  if (generation < (typeof old.generation === 'number' ? old.generation : 0)) {
    errs.push(invalid(child(field, 'generation'), generation, 'must not be decremented'));
  }
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    errs.push(...validateImmutableField(m[f] ?? (f === 'deletionGracePeriodSeconds' || f === 'deletionTimestamp' ? null : ''), old[f] ?? (f === 'deletionGracePeriodSeconds' || f === 'deletionTimestamp' ? null : ''), child(field, f)));
  }
  errs.push(...validateCommonMeta({ ...m, generation: undefined }, field));
  if (options.kubeFinalizers !== false) errs.push(...validateKubeFinalizerNames(m.finalizers, child(field, 'finalizers')));
  return errs;
}

/** ValidateTemplateObjectMeta (PVC templates): only labels and annotations may be set. */
export function validateTemplateObjectMeta(meta: unknown, field: string): FieldError[] {
  const m = isObject(meta) ? meta : {};
  const errs = [...validateAnnotations(m.annotations, child(field, 'annotations')), ...validateLabels(m.labels, child(field, 'labels'))];
  for (const k of Object.keys(m)) {
    if (k !== 'labels' && k !== 'annotations' && m[k] !== undefined && m[k] !== null && m[k] !== '') errs.push(forbidden(child(field, k), 'cannot be set'));
  }
  return errs;
}

/** Label-selector value as Kubernetes prints it. */
export function selectorValue(selector: unknown): GoValue {
  return goLabelSelector(selector);
}

