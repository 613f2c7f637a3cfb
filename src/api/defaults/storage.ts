// PersistentVolume and PersistentVolumeClaim defaults, also applied to the
// claim templates of StatefulSets and generic ephemeral volumes.

import { isObject, type JsonObject } from '../validation/json.js';
import { defaultResourceList, ensureObject, setIfUnset } from './pod.js';

export function defaultPersistentVolumeClaimSpec(spec: JsonObject): void {
  setIfUnset(spec, 'volumeMode', 'Filesystem');
  if (isObject(spec.resources)) {
    defaultResourceList(spec.resources.requests);
    defaultResourceList(spec.resources.limits);
  }
}

/** SetDefaults_PersistentVolumeClaim: Filesystem mode, and a claim starts Pending. */
export function defaultPersistentVolumeClaim(pvc: JsonObject): void {
  defaultPersistentVolumeClaimSpec(ensureObject(pvc, 'spec'));
  setIfUnset(ensureObject(pvc, 'status'), 'phase', 'Pending');
}

/** SetDefaults_PersistentVolume: Retain, Filesystem, Pending. */
export function defaultPersistentVolume(pv: JsonObject): void {
  const spec = ensureObject(pv, 'spec');
  setIfUnset(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setIfUnset(spec, 'volumeMode', 'Filesystem');
  defaultResourceList(spec.capacity);
  if (isObject(spec.hostPath)) setIfUnset(spec.hostPath, 'type', '');
  setIfUnset(ensureObject(pv, 'status'), 'phase', 'Pending');
}
