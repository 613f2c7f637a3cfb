// Shared fixtures for the validation tests: minimal valid objects and a
// renderer so assertions compare Kubernetes' exact error text.
import type { FieldError, KubeObject } from '../../src/api/types.js';
import { defaultObject } from '../../src/api/defaults/index.js';
import { formatFieldError, validateCreate, validateUpdate } from '../../src/api/validation/index.js';

export function rendered(errs: FieldError[]): string[] {
  return errs.map(formatFieldError);
}

/** Defaults the object as the API server would, then validates it for create. */
export function createErrors(group: string, kind: string, obj: KubeObject): string[] {
  defaultObject(group, kind, obj);
  return rendered(validateCreate(group, kind, obj));
}

/** Defaults the new object, then validates the update against the (already stored) old one. */
export function updateErrors(group: string, kind: string, obj: KubeObject, old: KubeObject): string[] {
  defaultObject(group, kind, obj);
  return rendered(validateUpdate(group, kind, obj, old));
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

export function pod(spec: Record<string, unknown> = {}, name = 'web'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec } };
}

export function template(labels: Record<string, string> = { app: 'web' }, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec } };
}

export function deployment(spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec },
  };
}

/** A stored version of an object: defaulted, with the server-set metadata an update must carry. */
export function stored<T extends KubeObject>(group: string, kind: string, obj: T): T {
  const copy = clone(obj);
  defaultObject(group, kind, copy);
  copy.metadata = { ...copy.metadata, uid: copy.metadata.uid ?? 'uid-1', resourceVersion: '5', creationTimestamp: '2025-01-01T00:00:00Z' };
  return copy;
}

export const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
