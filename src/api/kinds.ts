// Builds the strategy of every built-in kind from the resource catalogue and
// the per-kind behaviour modules (defaults, validation, printers).
import { BUILTIN_RESOURCES, type ResourceInfo } from './resources.js';
import type { KindBehaviour, KindStrategy } from './strategy.js';
import type { KubeObject } from './types.js';
import { fieldSelectorValue } from './object-paths.js';
import { podQosClass } from './pod-qos.js';
import { addDefaultTolerationSeconds } from './admission/default-toleration-seconds.js';

/** Kinds whose metadata.generation tracks spec changes in Kubernetes v1.32. */
const GENERATION_TRACKING = new Set([
  'apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', 'apps/DaemonSet',
  'batch/Job', 'batch/CronJob', 'autoscaling/HorizontalPodAutoscaler', 'policy/PodDisruptionBudget',
]);

/** The status a new object starts with (the status a client sends on create is dropped, as Kubernetes does). */
function initialStatus(info: ResourceInfo, obj: KubeObject): unknown {
  const id = `${info.group}/${info.kind}`;
  switch (id) {
    case '/Pod':
      return { phase: 'Pending', qosClass: podQosClass(obj) };
    case '/Namespace':
      return { phase: 'Active' };
    case '/PersistentVolumeClaim':
    case '/PersistentVolume':
      return { phase: 'Pending' };
    case '/Node':
      // Nodes register with their status (the kubelet creates them so); keep it.
      return obj.status;
    default:
      return info.hasStatus ? {} : obj.status;
  }
}

/** Secret.stringData is write-only: it is merged into data (base64) on every write, as v1 conversion does. */
function mergeStringData(secret: KubeObject): void {
  const stringData = secret.stringData as Record<string, unknown> | undefined;
  if (!stringData || typeof stringData !== 'object') return;
  const data = { ...((secret.data as Record<string, string> | undefined) ?? {}) };
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value)).toString('base64');
  secret.data = data;
  delete secret.stringData;
}

export function makeStrategy(info: ResourceInfo, behaviour: KindBehaviour): KindStrategy {
  const tracksGeneration = GENERATION_TRACKING.has(`${info.group}/${info.kind}`);
  const table = behaviour.tablePrinterFor(info.group, info.kind);
  return {
    info,
    tracksGeneration,
    table,
    defaults(obj) {
      if (info.group === '' && info.kind === 'Secret') mergeStringData(obj);
      behaviour.defaultObject(info.group, info.kind, obj);
    },
    prepareForCreate(obj) {
      if (info.group === '' && info.kind === 'Pod') addDefaultTolerationSeconds(obj);
      const status = initialStatus(info, obj);
      if (status === undefined) delete obj.status;
      else obj.status = status;
    },
    validateCreate: (obj) => behaviour.validateCreate(info.group, info.kind, obj),
    validateUpdate: (obj, old) => behaviour.validateUpdate(info.group, info.kind, obj, old),
    fieldValues(obj) {
      const values: Record<string, string> = {
        'metadata.name': obj.metadata.name ?? '',
      };
      if (info.namespaced) values['metadata.namespace'] = obj.metadata.namespace ?? '';
      for (const field of info.selectableFields) {
        // Event's `source` selects on source.component, as Kubernetes' event field set does.
        values[field] = field === 'source' ? fieldSelectorValue(obj, 'source.component') : fieldSelectorValue(obj, field);
      }
      return values;
    },
  };
}

export function builtinStrategies(behaviour: KindBehaviour): KindStrategy[] {
  return BUILTIN_RESOURCES.map((info) => makeStrategy(info, behaviour));
}
