// Container resource requirements: resource names, quantities, requests not
// above limits (pkg/apis/core/validation validateResourceRequirements and the
// name rules of pkg/apis/core/helper).

import type { FieldError } from '../types.js';
import { child, forbidden, invalid, key, required } from './field.js';
import { isObject, objOr } from './json.js';
import { isQualifiedName } from './names.js';
import { compareQuantities, formatQuantity, isInteger, isNegative, parseQuantity, quantityError, type Quantity } from './quantity.js';

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const standardResources = new Set([
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'persistentvolumeclaims',
  'configmaps',
  'storage',
  'requests.storage',
  'services.nodeports',
  'services.loadbalancers',
]);
const integerResources = new Set(['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers']);

const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const isNative = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');

function isExtended(name: string): boolean {
  if (isNative(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

const isOvercommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);
const isIntegerResource = (name: string): boolean => integerResources.has(name) || isExtended(name);

export function validateResourceName(name: string, field: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(field, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/') && !standardResources.has(name) && !isHugePages(name) && !name.startsWith('requests.hugepages-')) {
    return [invalid(field, name, 'must be a standard resource type or fully qualified')];
  }
  return [];
}

export function validateContainerResourceName(name: string, field: string): FieldError[] {
  const errs = validateResourceName(name, field);
  if (!name.includes('/')) {
    if (!standardContainerResources.has(name) && !isHugePages(name)) return [...errs, invalid(field, name, 'must be a standard resource for containers')];
  } else if (!isNative(name) && !isExtended(name)) {
    return [...errs, invalid(field, name, "doesn't follow extended resource name standard")];
  }
  return errs;
}

/** Parses a quantity, reporting Kubernetes' decode error at the field when it is not one. */
export function parseQuantityAt(value: unknown, field: string, errs: FieldError[]): Quantity | undefined {
  const problem = quantityError(value);
  if (problem) {
    errs.push(invalid(field, value ?? null, problem));
    return undefined;
  }
  return parseQuantity(value as string | number);
}

/** ValidateResourceQuantityValue: non-negative, and whole for countable resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isNegative(q)) errs.push(invalid(field, formatQuantity(q), 'must be greater than or equal to 0'));
  if (isIntegerResource(name) && !isInteger(q)) errs.push(invalid(field, formatQuantity(q), 'must be an integer'));
  return errs;
}

const hugePageSize = (name: string): Quantity | undefined => {
  try {
    return parseQuantity(name.slice('hugepages-'.length));
  } catch {
    return undefined;
  }
};

function hugePagesValueError(name: string, q: Quantity): string | undefined {
  const size = hugePageSize(name);
  if (!size || size.mantissa <= 0n) return undefined;
  // Compare exactly: value / size must be a whole number.
  const scale = Math.min(q.scale, size.scale);
  const value = q.mantissa * 10n ** BigInt(q.scale - scale);
  const unit = size.mantissa * 10n ** BigInt(size.scale - scale);
  return value % unit === 0n ? undefined : `${formatQuantity(q)} is not positive integer multiple of ${name}`;
}

export function validateResourceRequirements(requirements: unknown, field: string, nameRule: (name: string, field: string) => FieldError[] = validateContainerResourceName): FieldError[] {
  const errs: FieldError[] = [];
  const r = objOr(requirements);
  const limits = isObject(r.limits) ? r.limits : {};
  const requests = isObject(r.requests) ? r.requests : {};
  const limitsPath = child(field, 'limits');
  const requestsPath = child(field, 'requests');
  let hasCpuOrMemory = false;
  let hasHugePages = false;
  const parsedLimits = new Map<string, Quantity>();

  for (const [name, raw] of Object.entries(limits)) {
    const path = key(limitsPath, name);
    errs.push(...nameRule(name, path));
    const q = parseQuantityAt(raw, path, errs);
    if (!q) continue;
    parsedLimits.set(name, q);
    errs.push(...validateResourceQuantityValue(name, q, path));
    if (isHugePages(name)) {
      hasHugePages = true;
      const problem = hugePagesValueError(name, q);
      if (problem) errs.push(invalid(path, formatQuantity(q), problem));
    }
    if (name === 'cpu' || name === 'memory') hasCpuOrMemory = true;
  }
  for (const [name, raw] of Object.entries(requests)) {
    const path = key(requestsPath, name);
    errs.push(...nameRule(name, path));
    const q = parseQuantityAt(raw, path, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, path));
    const limit = parsedLimits.get(name);
    if (limit) {
      const cmp = compareQuantities(q, limit);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(invalid(requestsPath, formatQuantity(q), `must be equal to ${name} limit of ${formatQuantity(limit)}`));
      } else if (cmp > 0) {
        errs.push(invalid(requestsPath, formatQuantity(q), `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`));
      }
    } else if (!isOvercommitAllowed(name) && !(name in limits)) {
      errs.push(required(limitsPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) {
      hasHugePages = true;
      const problem = hugePagesValueError(name, q);
      if (problem) errs.push(invalid(path, formatQuantity(q), problem));
    }
    if (name === 'cpu' || name === 'memory') hasCpuOrMemory = true;
  }
  if (hasHugePages && !hasCpuOrMemory) errs.push(forbidden(field, 'HugePages require cpu or memory'));
  return errs;
}
