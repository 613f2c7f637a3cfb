// What controllers, the scheduler and agents need from the API: the verbs
// on a resource, by group/version/plural. Two transports implement it: the
// in-process loopback (k8ts server's own components, through the same
// registry handlers kubectl reaches) and HTTPS (remote agents).
import type { KubeObject } from '../api/types.js';

export interface ResourceRef {
  group: string;
  version: string;
  /** The plural resource name, e.g. "deployments". */
  resource: string;
}

export interface ClientListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
}

export interface ObjectList {
  items: KubeObject[];
  resourceVersion: string;
  continueToken?: string;
}

export type ClientWatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface ClientWatchHandlers {
  event(type: ClientWatchEventType, object: KubeObject): void;
  /** The watch ended; `err` says why (an ApiError with code 410 means: relist). */
  closed(err?: Error): void;
}

export interface ClientDeleteOptions {
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type ClientPatchType = 'application/merge-patch+json' | 'application/strategic-merge-patch+json' | 'application/json-patch+json';

export type ClientSubresource = '' | 'status' | 'scale';

export interface ApiClient {
  get(ref: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject>;
  list(ref: ResourceRef, namespace: string | undefined, opts?: ClientListOptions): Promise<ObjectList>;
  /** Watch from a resourceVersion; resolves once the watch is established. Returns a cancel function. */
  watch(ref: ResourceRef, namespace: string | undefined, resourceVersion: string, opts: ClientListOptions, handlers: ClientWatchHandlers): Promise<() => void>;
  create(ref: ResourceRef, namespace: string | undefined, obj: KubeObject): Promise<KubeObject>;
  update(ref: ResourceRef, namespace: string | undefined, obj: KubeObject, subresource?: ClientSubresource): Promise<KubeObject>;
  patch(ref: ResourceRef, namespace: string | undefined, name: string, type: ClientPatchType, patch: unknown, subresource?: ClientSubresource): Promise<KubeObject>;
  delete(ref: ResourceRef, namespace: string | undefined, name: string, opts?: ClientDeleteOptions): Promise<void>;
  /** pods/binding: assign a pending pod to a node. */
  bindPod(namespace: string, name: string, nodeName: string): Promise<void>;
  /** namespaces/finalize: replace a namespace's spec.finalizers (the only way to change them). */
  finalizeNamespace(name: string, finalizers: string[]): Promise<KubeObject>;
}

/** Well-known resources, so callers don't spell group/version/plural by hand. */
export const RESOURCES = {
  namespaces: { group: '', version: 'v1', resource: 'namespaces' },
  nodes: { group: '', version: 'v1', resource: 'nodes' },
  pods: { group: '', version: 'v1', resource: 'pods' },
  services: { group: '', version: 'v1', resource: 'services' },
  endpoints: { group: '', version: 'v1', resource: 'endpoints' },
  events: { group: '', version: 'v1', resource: 'events' },
  configmaps: { group: '', version: 'v1', resource: 'configmaps' },
  secrets: { group: '', version: 'v1', resource: 'secrets' },
  serviceaccounts: { group: '', version: 'v1', resource: 'serviceaccounts' },
  persistentvolumeclaims: { group: '', version: 'v1', resource: 'persistentvolumeclaims' },
  persistentvolumes: { group: '', version: 'v1', resource: 'persistentvolumes' },
  deployments: { group: 'apps', version: 'v1', resource: 'deployments' },
  replicasets: { group: 'apps', version: 'v1', resource: 'replicasets' },
  statefulsets: { group: 'apps', version: 'v1', resource: 'statefulsets' },
  daemonsets: { group: 'apps', version: 'v1', resource: 'daemonsets' },
  controllerrevisions: { group: 'apps', version: 'v1', resource: 'controllerrevisions' },
  jobs: { group: 'batch', version: 'v1', resource: 'jobs' },
  cronjobs: { group: 'batch', version: 'v1', resource: 'cronjobs' },
  leases: { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' },
  horizontalpodautoscalers: { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers' },
  poddisruptionbudgets: { group: 'policy', version: 'v1', resource: 'poddisruptionbudgets' },
} as const satisfies Record<string, ResourceRef>;

export function isNotFound(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 404;
}

export function isConflict(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 409;
}

export function isAlreadyExists(err: unknown): boolean {
  return (err as { code?: number; reason?: string } | undefined)?.reason === 'AlreadyExists';
}

export function isGone(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 410;
}
