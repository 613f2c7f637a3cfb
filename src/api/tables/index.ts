// Server-side printing for `kubectl get`: the meta.k8s.io/v1 Table columns and
// cells kube-apiserver (v1.32) produces for each built-in kind, after
// pkg/printers/internalversion. Kinds without a printer get the apiserver's
// default NAME / CREATED AT table.

import { cronJobPrinter, jobPrinter } from './batch.js';
import { eventPrinter, leasePrinter, namespacePrinter, nodePrinter } from './cluster.js';
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from './config.js';
import { defaultPrinter } from './default.js';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './network.js';
import { podPrinter } from './pod.js';
import type { TablePrinter } from './printer.js';
import { horizontalPodAutoscalerPrinter, podDisruptionBudgetPrinter } from './scaling.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter } from './volumes.js';
import {
  controllerRevisionPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from './workloads.js';

export type { TablePrinter } from './printer.js';
export { customResourcePrinter, defaultPrinter } from './default.js';
export { humanDuration, shortHumanDuration } from './duration.js';

// Keyed by "group/Kind"; the core group is the empty string.
const PRINTERS = new Map<string, TablePrinter>([
  ['/Namespace', namespacePrinter],
  ['/Node', nodePrinter],
  ['/Pod', podPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/Event', eventPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/PersistentVolume', persistentVolumePrinter],
  ['/PersistentVolumeClaim', persistentVolumeClaimPrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/ControllerRevision', controllerRevisionPrinter],
  ['batch/Job', jobPrinter],
  ['batch/CronJob', cronJobPrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerPrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
]);

/** The printer for a kind of an API group ('' for core), or the default NAME / CREATED AT printer. */
export function tablePrinterFor(group: string, kind: string): TablePrinter {
  return PRINTERS.get(`${group}/${kind}`) ?? defaultPrinter;
}
