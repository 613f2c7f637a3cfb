// Downward API selectors (fieldRef / resourceFieldRef), shared by env vars and
// downwardAPI volumes, which accept different sets of pod fields.

import type { FieldError } from '../types.js';
import { child, invalid, notSupported, required } from './field.js';
import { str, type JsonObject } from './json.js';
import { validateQualifiedName } from './meta.js';
import { canonicalQuantity, quantityError } from './quantity.js';

const envFieldPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const volumeFieldPaths = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

/** Every field label ConvertDownwardAPIFieldLabel knows for v1 pods. */
const knownFieldLabels = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
  'spec.host',
]);

/** fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['app']` -> path and subscript. */
function splitSubscript(fieldPath: string): { path: string; subscript: string } | undefined {
  const m = /^(.*)\['(.*)'\]$/.exec(fieldPath);
  return m ? { path: m[1], subscript: m[2] } : undefined;
}

export function validateDownwardAPIFieldRef(ref: JsonObject, use: 'env' | 'volume', field: string): FieldError[] {
  const apiVersion = str(ref.apiVersion);
  const fieldPath = str(ref.fieldPath);
  if (apiVersion === '') return [required(child(field, 'apiVersion'))];
  if (fieldPath === '') return [required(child(field, 'fieldPath'))];
  const conversionError = (message: string): FieldError[] => [invalid(child(field, 'fieldPath'), fieldPath, `error converting fieldPath: ${message}`)];
  if (apiVersion !== 'v1') return conversionError(`unsupported pod version: ${apiVersion}`);

  const subscripted = splitSubscript(fieldPath);
  if (subscripted) {
    if (subscripted.path === 'metadata.annotations') return validateQualifiedName(subscripted.subscript.toLowerCase(), field);
    if (subscripted.path === 'metadata.labels') return validateQualifiedName(subscripted.subscript, field);
    return conversionError(`field label does not support subscript: ${fieldPath}`);
  }
  if (!knownFieldLabels.has(fieldPath)) return conversionError(`field label not supported: ${fieldPath}`);
  const internal = fieldPath === 'spec.host' ? 'spec.nodeName' : fieldPath;
  const allowed = use === 'env' ? envFieldPaths : volumeFieldPaths;
  return allowed.includes(internal) ? [] : [notSupported(child(field, 'fieldPath'), internal, allowed)];
}

const containerResourceFields = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];
const memoryDivisors = ['1', '1k', '1M', '1G', '1T', '1P', '1E', '1Ki', '1Mi', '1Gi', '1Ti', '1Pi', '1Ei'];

function validateDivisor(resource: string, divisor: unknown, field: string): FieldError[] {
  if (divisor === undefined || divisor === null) return [];
  const problem = quantityError(divisor);
  if (problem) return [invalid(child(field, 'divisor'), divisor, problem)];
  const canonical = canonicalQuantity(divisor as string | number);
  if (canonical === '0') return [];
  const divisorPath = child(field, 'divisor');
  if (resource.endsWith('.cpu') && !['1m', '1'].includes(canonical)) {
    return [invalid(divisorPath, resource, "only divisor's values 1m and 1 are supported with the cpu resource")];
  }
  if (resource.endsWith('.memory') && !memoryDivisors.includes(canonical)) {
    return [invalid(divisorPath, resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource")];
  }
  if (resource.endsWith('.ephemeral-storage') && !memoryDivisors.includes(canonical)) {
    return [invalid(divisorPath, resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource")];
  }
  return [];
}

export function validateResourceFieldRef(ref: JsonObject, inVolume: boolean, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const resource = str(ref.resource);
  if (inVolume && str(ref.containerName) === '') errs.push(required(child(field, 'containerName')));
  else if (resource === '') errs.push(required(child(field, 'resource')));
  else if (!containerResourceFields.includes(resource) && !resource.startsWith('requests.hugepages-') && !resource.startsWith('limits.hugepages-')) {
    errs.push(notSupported(child(field, 'resource'), resource, containerResourceFields));
  }
  errs.push(...validateDivisor(resource, ref.divisor, field));
  return errs;
}
