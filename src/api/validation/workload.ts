// The pieces every controller kind shares: a selector that must be set and
// non-empty, a pod template whose labels it must match, int-or-percent
// strategy values. Deployment, ReplicaSet, StatefulSet, DaemonSet and Job all
// build on these, exactly as apps/batch validation build on the same helpers.

import type { FieldError } from '../types.js';
import { child, forbidden, invalid, notSupported, required } from './field.js';
import { goIntOrString, goLabelSelector, goStringMap } from './govalue.js';
import { isObject, objOr, str } from './json.js';
import { isEmptySelector, isConvertibleSelector, selectorMatches, validateLabelSelector, validateNonnegativeField } from './meta.js';
import { isValidPercent } from './names.js';
import { validatePodTemplateSpec } from './podspec.js';

/** Selector required, well-formed, and not empty (`empty selector is invalid for <kind>`). */
export function validateRequiredSelector(selector: unknown, field: string, kindForMessage: string): FieldError[] {
  if (!isObject(selector)) return [required(field)];
  const errs = validateLabelSelector(selector, field);
  if (isEmptySelector(selector)) errs.push(invalid(field, goLabelSelector(selector), `empty selector is invalid for ${kindForMessage}`));
  return errs;
}

/** The selector must select the template's own labels (an empty selector matches everything). */
export function validateTemplateMatchesSelector(selector: unknown, template: unknown, templateField: string, skipEmpty = true): FieldError[] {
  if (skipEmpty && isEmptySelector(selector)) return [];
  const labels = objOr(objOr(template).metadata).labels;
  if (selectorMatches(selector, labels)) return [];
  return [invalid(child(templateField, 'metadata', 'labels'), goStringMap(labels), '`selector` does not match template `labels`')];
}

/**
 * ValidatePodTemplateSpecForReplicaSet and its siblings: selector match, the
 * full pod template, restartPolicy Always, no activeDeadlineSeconds.
 */
export function validateAlwaysRestartingTemplate(spec: Record<string, unknown>, specField: string, ownerKind: string): FieldError[] {
  const errs: FieldError[] = [];
  const { selector, template } = spec;
  const field = child(specField, 'template');
  if (!isConvertibleSelector(selector)) return [invalid(child(specField, 'selector'), goLabelSelector(selector), 'invalid label selector')];
  errs.push(...validateTemplateMatchesSelector(selector, template, field));
  errs.push(...validatePodTemplateSpec(template, field));
  errs.push(...validateAlwaysRestart(template, field, ownerKind));
  return errs;
}

export function validateAlwaysRestart(template: unknown, field: string, ownerKind: string): FieldError[] {
  const errs: FieldError[] = [];
  const spec = objOr(objOr(template).spec);
  const restartPolicy = str(spec.restartPolicy);
  if (restartPolicy !== 'Always') errs.push(notSupported(child(field, 'spec', 'restartPolicy'), restartPolicy, ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(forbidden(child(field, 'spec', 'activeDeadlineSeconds'), `activeDeadlineSeconds in ${ownerKind} is not Supported`));
  }
  return errs;
}

// --- Int-or-percent values ------------------------------------------------------

function percentValue(v: unknown): number | undefined {
  return typeof v === 'string' && isValidPercent(v).length === 0 ? Number.parseInt(v.slice(0, -1), 10) : undefined;
}

/** getIntOrPercentValue: the percentage, the integer, or 0 for anything unparsable. */
export function intOrPercentValue(v: unknown): number {
  const percent = percentValue(v);
  if (percent !== undefined) return percent;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[+-]?[0-9]+$/.test(v)) return Number.parseInt(v, 10);
  return 0;
}

export function validatePositiveIntOrPercent(v: unknown, field: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalid(field, goIntOrString(v), m));
  if (typeof v === 'number') return validateNonnegativeField(v, field);
  return [];
}

export function isNotMoreThan100Percent(v: unknown, field: string): FieldError[] {
  const percent = percentValue(v);
  return percent !== undefined && percent > 100 ? [invalid(field, goIntOrString(v), 'must not be greater than 100%')] : [];
}
