// The catalogue of built-in resources: names, scope, verbs, short names,
// categories and subresources, as kube-apiserver v1.32 advertises them in
// discovery. Behaviour per kind lives in strategies (src/api/kinds).

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface ScaleSubresource {
  /** JSON path segments of the desired replica count, e.g. ['spec', 'replicas']. */
  specReplicasPath: string[];
  statusReplicasPath: string[];
  /** Where the label selector lives; rendered as a string in Scale.status.selector. */
  labelSelectorPath: string[];
}

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  verbs: Verb[];
  shortNames: string[];
  categories: string[];
  hasStatus: boolean;
  scale?: ScaleSubresource;
  /** Fields usable in fieldSelector beyond metadata.name/metadata.namespace. */
  selectableFields: string[];
}

export const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersionOf(info: { group: string; version: string }): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

export function groupVersionKey(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export const REPLICAS_SCALE: ScaleSubresource = {
  specReplicasPath: ['spec', 'replicas'],
  statusReplicasPath: ['status', 'replicas'],
  labelSelectorPath: ['spec', 'selector'],
};

interface ResourceSpec {
  kind: string;
  plural: string;
  namespaced?: boolean;
  verbs?: Verb[];
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  scale?: ScaleSubresource;
  fields?: string[];
}

function resource(group: string, version: string, spec: ResourceSpec): ResourceInfo {
  return {
    group,
    version,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced ?? true,
    verbs: spec.verbs ?? ALL_VERBS,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    hasStatus: spec.status ?? false,
    scale: spec.scale,
    selectableFields: spec.fields ?? [],
  };
}

const ALL = ['all'];
const NO_DELETECOLLECTION: Verb[] = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** Built-in resources in the order kube-apiserver lists them. */
export const BUILTIN_RESOURCES: ResourceInfo[] = [
  // core/v1
  resource('', 'v1', { kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] }),
  resource('', 'v1', { kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'] }),
  resource('', 'v1', {
    kind: 'Event',
    plural: 'events',
    shortNames: ['ev'],
    fields: [
      'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
      'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
      'reason', 'reportingComponent', 'source', 'type',
    ],
  }),
  resource('', 'v1', { kind: 'Namespace', plural: 'namespaces', namespaced: false, verbs: NO_DELETECOLLECTION, shortNames: ['ns'], status: true, fields: ['status.phase'] }),
  resource('', 'v1', { kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], status: true, fields: ['spec.unschedulable'] }),
  resource('', 'v1', { kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', shortNames: ['pvc'], status: true }),
  resource('', 'v1', { kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, shortNames: ['pv'], status: true }),
  resource('', 'v1', {
    kind: 'Pod',
    plural: 'pods',
    shortNames: ['po'],
    categories: ALL,
    status: true,
    fields: [
      'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork',
      'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName',
    ],
  }),
  resource('', 'v1', { kind: 'Secret', plural: 'secrets', fields: ['type'] }),
  resource('', 'v1', { kind: 'ServiceAccount', plural: 'serviceaccounts', shortNames: ['sa'] }),
  resource('', 'v1', { kind: 'Service', plural: 'services', shortNames: ['svc'], categories: ALL, status: true }),
  // apps/v1
  resource('apps', 'v1', { kind: 'ControllerRevision', plural: 'controllerrevisions' }),
  resource('apps', 'v1', { kind: 'DaemonSet', plural: 'daemonsets', shortNames: ['ds'], categories: ALL, status: true }),
  resource('apps', 'v1', { kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], categories: ALL, status: true, scale: REPLICAS_SCALE }),
  resource('apps', 'v1', { kind: 'ReplicaSet', plural: 'replicasets', shortNames: ['rs'], categories: ALL, status: true, scale: REPLICAS_SCALE, fields: ['status.replicas'] }),
  resource('apps', 'v1', { kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'], categories: ALL, status: true, scale: REPLICAS_SCALE }),
  // autoscaling/v2
  resource('autoscaling', 'v2', { kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], categories: ALL, status: true }),
  // batch/v1
  resource('batch', 'v1', { kind: 'CronJob', plural: 'cronjobs', shortNames: ['cj'], categories: ALL, status: true }),
  resource('batch', 'v1', { kind: 'Job', plural: 'jobs', categories: ALL, status: true, fields: ['status.successful'] }),
  // coordination.k8s.io/v1
  resource('coordination.k8s.io', 'v1', { kind: 'Lease', plural: 'leases' }),
  // discovery.k8s.io/v1
  resource('discovery.k8s.io', 'v1', { kind: 'EndpointSlice', plural: 'endpointslices' }),
  // policy/v1
  resource('policy', 'v1', { kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', shortNames: ['pdb'], status: true }),
];

/** Preferred versions per group, in discovery order (core first). */
export function groupsOf(resources: ResourceInfo[]): { group: string; versions: string[] }[] {
  const order: { group: string; versions: string[] }[] = [];
  for (const r of resources) {
    let entry = order.find((g) => g.group === r.group);
    if (!entry) {
      entry = { group: r.group, versions: [] };
      order.push(entry);
    }
    if (!entry.versions.includes(r.version)) entry.versions.push(r.version);
  }
  return order;
}
