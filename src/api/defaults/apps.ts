// apps/v1 defaults (pkg/apis/apps/v1/defaults.go).

import { isObject, objects, type JsonObject } from '../validation/json.js';
import { defaultPodTemplate, ensureObject, setIfUnset } from './pod.js';
import { defaultPersistentVolumeClaim } from './storage.js';

function defaultReplicas(spec: JsonObject): void {
  setIfUnset(spec, 'replicas', 1);
}

export function defaultDeployment(d: JsonObject): void {
  const spec = ensureObject(d, 'spec');
  defaultReplicas(spec);
  const strategy = ensureObject(spec, 'strategy');
  setIfUnset(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    setIfUnset(rollingUpdate, 'maxUnavailable', '25%');
    setIfUnset(rollingUpdate, 'maxSurge', '25%');
  }
  setIfUnset(spec, 'revisionHistoryLimit', 10);
  setIfUnset(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(ensureObject(spec, 'template'));
}

export function defaultReplicaSet(rs: JsonObject): void {
  const spec = ensureObject(rs, 'spec');
  defaultReplicas(spec);
  defaultPodTemplate(ensureObject(spec, 'template'));
}

export function defaultStatefulSet(ss: JsonObject): void {
  const spec = ensureObject(ss, 'spec');
  setIfUnset(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensureObject(spec, 'updateStrategy');
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    ensureObject(strategy, 'rollingUpdate');
  }
  if (strategy.type === 'RollingUpdate' && isObject(strategy.rollingUpdate)) setIfUnset(strategy.rollingUpdate, 'partition', 0);
  const retention = ensureObject(spec, 'persistentVolumeClaimRetentionPolicy');
  setIfUnset(retention, 'whenDeleted', 'Retain');
  setIfUnset(retention, 'whenScaled', 'Retain');
  defaultReplicas(spec);
  setIfUnset(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(ensureObject(spec, 'template'));
  for (const claim of objects(spec.volumeClaimTemplates)) {
    // Claim templates are full PVC objects in apps/v1 and get the PVC defaults, status included.
    claim.apiVersion ??= 'v1';
    claim.kind ??= 'PersistentVolumeClaim';
    defaultPersistentVolumeClaim(claim);
  }
}

export function defaultDaemonSet(ds: JsonObject): void {
  const spec = ensureObject(ds, 'spec');
  const strategy = ensureObject(spec, 'updateStrategy');
  setIfUnset(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = ensureObject(strategy, 'rollingUpdate');
    setIfUnset(rollingUpdate, 'maxUnavailable', 1);
    if (rollingUpdate.maxSurge === undefined || rollingUpdate.maxSurge === null) rollingUpdate.maxSurge = 0;
  }
  setIfUnset(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(ensureObject(spec, 'template'));
}
