// apps/v1 controllers: Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision.
// Counts are Go int64 cells (JSON numbers) except where Kubernetes formats "ready/desired".

import type { KubeObject, OwnerReference } from '../types.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, column, selectorColumn } from './columns.js';
import { timeSince } from './duration.js';
import { containerCells, formatLabelSelector, formatLabels, labelSelectorString, nameOf, type LabelSelector, type PodTemplate } from './fields.js';
import type { TablePrinter } from './printer.js';

interface ReplicatedFields {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate };
  status?: {
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

/** spec.replicas as stored: defaulting sets 1 on every apps/v1 controller that omits it. */
function desiredReplicas(obj: ReplicatedFields): number {
  return obj.spec?.replicas ?? 1;
}

export const deploymentPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    selectorColumn('Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
  ],
  cells(obj, nowMs) {
    const deployment = obj as KubeObject & ReplicatedFields;
    const status = deployment.status ?? {};
    const [names, images] = containerCells(deployment.spec?.template);
    // printDeployment stringifies the selector itself: "" when empty, not "<none>".
    const selector = labelSelectorString(deployment.spec?.selector) ?? '<invalid>';
    return [
      nameOf(obj),
      `${status.readyReplicas ?? 0}/${desiredReplicas(deployment)}`,
      status.updatedReplicas ?? 0,
      status.availableReplicas ?? 0,
      timeSince(obj.metadata.creationTimestamp, nowMs),
      names,
      images,
      selector,
    ];
  },
};

export const replicaSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'integer', 'Replicas is the number of desired pods.'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    column('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    selectorColumn('Selector is a label query over pods that should match the replica count.'),
  ],
  cells(obj, nowMs) {
    const replicaSet = obj as KubeObject & ReplicatedFields;
    const status = replicaSet.status ?? {};
    const [names, images] = containerCells(replicaSet.spec?.template);
    return [
      nameOf(obj),
      desiredReplicas(replicaSet),
      status.replicas ?? 0,
      status.readyReplicas ?? 0,
      timeSince(obj.metadata.creationTimestamp, nowMs),
      names,
      images,
      formatLabelSelector(replicaSet.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: TablePrinter = {
  // No selector column: printStatefulSet never had one.
  columns: [NAME_COLUMN, column('Ready', 'string', 'Number of the pod with ready state'), AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN],
  cells(obj, nowMs) {
    const statefulSet = obj as KubeObject & ReplicatedFields;
    const [names, images] = containerCells(statefulSet.spec?.template);
    return [
      nameOf(obj),
      `${statefulSet.status?.readyReplicas ?? 0}/${desiredReplicas(statefulSet)}`,
      timeSince(obj.metadata.creationTimestamp, nowMs),
      names,
      images,
    ];
  },
};

interface DaemonSetFields {
  spec?: { selector?: LabelSelector; template?: PodTemplate };
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

export const daemonSetPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    column('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.'),
    column('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    selectorColumn('A label query over pods that are managed by the daemon set.'),
  ],
  cells(obj, nowMs) {
    const daemonSet = obj as KubeObject & DaemonSetFields;
    const status = daemonSet.status ?? {};
    const [names, images] = containerCells(daemonSet.spec?.template);
    return [
      nameOf(obj),
      status.desiredNumberScheduled ?? 0,
      status.currentNumberScheduled ?? 0,
      status.numberReady ?? 0,
      status.updatedNumberScheduled ?? 0,
      status.numberAvailable ?? 0,
      formatLabels(daemonSet.spec?.template?.spec?.nodeSelector),
      timeSince(obj.metadata.creationTimestamp, nowMs),
      names,
      images,
      formatLabelSelector(daemonSet.spec?.selector),
    ];
  },
};

/** The API group of an apiVersion ("apps/v1" -> "apps", "v1" -> ""). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** CONTROLLER: "kind.group/name" in lower case, e.g. "statefulset.apps/web"; "<none>" without a controller. */
function controllerCell(owners: OwnerReference[] | undefined): string {
  const controller = (owners ?? []).find((owner) => owner.controller === true);
  if (!controller) return '<none>';
  const group = groupOf(controller.apiVersion ?? '');
  const kind = controller.kind ?? '';
  if (kind === '' && group === '') return controller.name;
  const groupKind = group === '' ? kind : `${kind}.${group}`;
  return `${groupKind.toLowerCase()}/${controller.name}`;
}

export const controllerRevisionPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    AGE_COLUMN,
  ],
  cells(obj, nowMs) {
    const revision = typeof obj.revision === 'number' ? obj.revision : 0;
    return [nameOf(obj), controllerCell(obj.metadata.ownerReferences), revision, timeSince(obj.metadata.creationTimestamp, nowMs)];
  },
};
