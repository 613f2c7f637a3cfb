// PersistentVolume and PersistentVolumeClaim (pkg/apis/core/validation).

import type { FieldError, KubeObject } from '../types.js';
import { child, forbidden, invalid, key, notSupported, required } from './field.js';
import { arr, clone, deepEqual, isObject, obj, objOr, str, type JsonObject } from './json.js';
import { validateImmutableField, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isDNS1123Subdomain, nameIsDNSLabel, nameIsDNSSubdomain } from './names.js';
import { compareQuantities, formatQuantity, isZero, isNegative, parseQuantity, quantityError, type Quantity } from './quantity.js';
import { parseQuantityAt, validateResourceQuantityValue } from './resources.js';
import { validateNodeSelector } from './podspec.js';
import { describeDiff } from './diff.js';

const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const volumeModes = ['Block', 'Filesystem'];
const reclaimPolicies = ['Delete', 'Recycle', 'Retain'];

function validateAccessModes(modes: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let readWriteOncePod = false;
  let others = false;
  for (const mode of arr(modes).map(str)) {
    if (!accessModes.includes(mode)) errs.push(notSupported(field, mode, accessModes));
    if (mode === 'ReadWriteOncePod') readWriteOncePod = true;
    else if (accessModes.includes(mode)) others = true;
  }
  if (readWriteOncePod && others) errs.push(forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validatePositiveQuantity(q: Quantity, field: string): FieldError[] {
  return isNegative(q) || isZero(q) ? [invalid(field, formatQuantity(q), 'must be greater than zero')] : [];
}

function validateClassName(value: unknown, field: string): FieldError[] {
  const name = str(value);
  return name === '' ? [] : isDNS1123Subdomain(name).map((m) => invalid(field, name, m));
}

function validateVolumeMode(mode: unknown, field: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  return volumeModes.includes(str(mode)) ? [] : [notSupported(field, str(mode), volumeModes)];
}

function validateDataSource(ref: JsonObject, field: string, withNamespace: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (str(ref.name) === '') errs.push(required(child(field, 'name')));
  if (str(ref.kind) === '') errs.push(required(child(field, 'kind')));
  const apiGroup = str(ref.apiGroup);
  if (apiGroup === '' && str(ref.kind) !== 'PersistentVolumeClaim') {
    errs.push(invalid(field, str(ref.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  }
  if (apiGroup !== '') errs.push(...isDNS1123Subdomain(apiGroup).map((m) => invalid(child(field, 'apiGroup'), apiGroup, m)));
  const namespace = str(ref.namespace);
  if (withNamespace && namespace !== '') errs.push(...nameIsDNSLabel(namespace, false).map((m) => invalid(child(field, 'namespace'), namespace, m)));
  return errs;
}

/** ValidatePersistentVolumeClaimSpec (also used for ephemeral volumes and StatefulSet claim templates). */
export function validatePersistentVolumeClaimSpec(specValue: unknown, field: string): FieldError[] {
  const spec = objOr(specValue);
  const errs: FieldError[] = [];
  if (arr(spec.accessModes).length === 0) errs.push(required(child(field, 'accessModes'), 'at least 1 access mode is required'));
  errs.push(...validateLabelSelector(spec.selector, child(field, 'selector')));
  errs.push(...validateAccessModes(spec.accessModes, child(field, 'accessModes')));
  const requests = objOr(objOr(spec.resources).requests);
  const storagePath = key(child(field, 'resources'), 'storage');
  if (!('storage' in requests)) {
    errs.push(required(storagePath));
  } else {
    const q = parseQuantityAt(requests.storage, storagePath, errs);
    if (q) {
      const positive = validatePositiveQuantity(q, storagePath);
      errs.push(...(positive.length > 0 ? positive : validateResourceQuantityValue('storage', q, storagePath)));
    }
  }
  errs.push(...validateClassName(spec.storageClassName, child(field, 'storageClassName')));
  errs.push(...validateVolumeMode(spec.volumeMode, child(field, 'volumeMode')));
  const dataSource = obj(spec.dataSource);
  const dataSourceRef = obj(spec.dataSourceRef);
  if (dataSource) errs.push(...validateDataSource(dataSource, child(field, 'dataSource'), false));
  if (dataSourceRef) errs.push(...validateDataSource(dataSourceRef, child(field, 'dataSourceRef'), true));
  if (dataSourceRef && str(dataSourceRef.namespace) !== '') {
    if (dataSource) errs.push(invalid(field, child(field, 'dataSource'), 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (dataSource && dataSourceRef) {
    const same = str(dataSource.apiGroup) === str(dataSourceRef.apiGroup) && str(dataSource.kind) === str(dataSourceRef.kind) && str(dataSource.name) === str(dataSourceRef.name);
    if (!same) errs.push(invalid(field, child(field, 'dataSource'), 'must match dataSourceRef'));
  }
  errs.push(...validateClassName(spec.volumeAttributesClassName, child(field, 'volumeAttributesClassName')));
  return errs;
}

export function validatePersistentVolumeClaim(pvc: KubeObject): FieldError[] {
  return [...validateObjectMeta(pvc.metadata, true, nameIsDNSSubdomain), ...validatePersistentVolumeClaimSpec(pvc.spec, 'spec')];
}

function storageRequest(o: KubeObject): Quantity | undefined {
  const raw = objOr(objOr(objOr(o.spec).resources).requests).storage;
  return quantityError(raw) ? undefined : parseQuantity(raw as string | number);
}

export function validatePersistentVolumeClaimUpdate(pvc: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pvc.metadata, old.metadata);
  errs.push(...validatePersistentVolumeClaim(pvc));
  const spec = clone(objOr(pvc.spec));
  const oldSpec = clone(objOr(old.spec));
  // The claim may be bound to a volume once; a bound claim may be resized.
  if (str(oldSpec.volumeName) === '') oldSpec.volumeName = spec.volumeName;
  if (str(objOr(pvc.status).phase) === 'Bound') {
    const requests = obj(obj(spec.resources)?.requests);
    if (requests) requests.storage = objOr(objOr(oldSpec.resources).requests).storage;
    if (spec.volumeAttributesClassName !== undefined) spec.volumeAttributesClassName = oldSpec.volumeAttributesClassName;
  }
  if (!deepEqual(spec, oldSpec)) {
    errs.push(forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${describeDiff('core.PersistentVolumeClaimSpec', oldSpec, spec)}`));
  }
  const newSize = storageRequest(pvc);
  const oldSize = storageRequest(old);
  if (newSize && oldSize && compareQuantities(newSize, oldSize) < 0) {
    // RecoverVolumeExpansionFailure (beta in v1.32): shrinking is allowed down to, but not to, the recorded capacity.
    const statusRaw = objOr(objOr(old.status).capacity).storage;
    const statusSize = quantityError(statusRaw) ? { mantissa: 0n, scale: 0, format: 'DecimalSI' as const } : parseQuantity(statusRaw as string | number);
    if (compareQuantities(newSize, statusSize) <= 0) errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }
  errs.push(...validateImmutableField(objOr(pvc.spec).volumeMode, objOr(old.spec).volumeMode, 'volumeMode'));
  return errs;
}

// --- PersistentVolume ---------------------------------------------------------------------

const pvSources = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'glusterfs',
  'flocker',
  'nfs',
  'rbd',
  'quobyte',
  'cephfs',
  'iscsi',
  'cinder',
  'fc',
  'flexVolume',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'scaleIO',
  'local',
  'storageos',
  'csi',
];

function validatePVSource(spec: JsonObject, field: string, nodeAffinitySet: boolean): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const source of pvSources) {
    const s = obj(spec[source]);
    if (!s) continue;
    if (count > 0 && source !== 'flexVolume') {
      errs.push(forbidden(child(field, source === 'cephfs' ? 'cephFS' : source), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    const path = child(field, source);
    if (source === 'hostPath' || source === 'local') {
      if (str(s.path) === '') errs.push(required(child(path, 'path')));
      else if (str(s.path).split('/').includes('..')) errs.push(invalid(child(path, 'path'), str(s.path), "must not contain '..'"));
      if (source === 'local' && !nodeAffinitySet) errs.push(required(child(field, 'nodeAffinity'), 'Local volume requires node affinity'));
    } else if (source === 'nfs') {
      if (str(s.server) === '') errs.push(required(child(path, 'server')));
      if (str(s.path) === '') errs.push(required(child(path, 'path')));
      if (!str(s.path).startsWith('/')) errs.push(invalid(child(path, 'path'), str(s.path), 'must be an absolute path'));
    } else if (source === 'csi') {
      if (str(s.driver) === '') errs.push(required(child(path, 'driver')));
      if (str(s.volumeHandle) === '') errs.push(required(child(path, 'volumeHandle')));
    }
  }
  if (count === 0) errs.push(required(field, 'must specify a volume type'));
  return errs;
}

function validatePersistentVolumeSpec(specValue: unknown, field: string): FieldError[] {
  const spec = objOr(specValue);
  const errs: FieldError[] = [];
  if (arr(spec.accessModes).length === 0) errs.push(required(child(field, 'accessModes')));
  errs.push(...validateAccessModes(spec.accessModes, child(field, 'accessModes')));
  const capacity = objOr(spec.capacity);
  const capacityPath = child(field, 'capacity');
  if (Object.keys(capacity).length === 0) errs.push(required(capacityPath));
  if (!('storage' in capacity) || Object.keys(capacity).length > 1) errs.push(notSupported(capacityPath, capacity, ['storage']));
  for (const [name, raw] of Object.entries(capacity)) {
    const q = parseQuantityAt(raw, key(capacityPath, name), errs);
    if (q) errs.push(...validatePositiveQuantity(q, key(capacityPath, name)));
  }
  const policy = str(spec.persistentVolumeReclaimPolicy);
  if (policy !== '' && !reclaimPolicies.includes(policy)) errs.push(notSupported(child(field, 'persistentVolumeReclaimPolicy'), policy, reclaimPolicies));
  let nodeAffinitySet = false;
  const nodeAffinity = obj(spec.nodeAffinity);
  if (nodeAffinity) {
    nodeAffinitySet = true;
    const requiredTerms = obj(nodeAffinity.required);
    if (requiredTerms) errs.push(...validateNodeSelector(requiredTerms, child(field, 'nodeAffinity', 'required')));
    else errs.push(required(child(field, 'nodeAffinity', 'required'), 'must specify required node constraints'));
  }
  errs.push(...validatePVSource(spec, field, nodeAffinitySet));
  const hostPath = obj(spec.hostPath);
  if (hostPath && str(hostPath.path).replace(/\/+$/, '') === '' && str(hostPath.path) !== '' && policy === 'Recycle') {
    errs.push(forbidden(child(field, 'persistentVolumeReclaimPolicy'), "may not be 'recycle' for a hostPath mount of '/'"));
  }
  errs.push(...validateClassName(spec.storageClassName, child(field, 'storageClassName')));
  errs.push(...validateVolumeMode(spec.volumeMode, child(field, 'volumeMode')));
  return errs;
}

export function validatePersistentVolume(pv: KubeObject): FieldError[] {
  return [...validateObjectMeta(pv.metadata, false, nameIsDNSSubdomain), ...validatePersistentVolumeSpec(pv.spec, 'spec')];
}

function persistentVolumeSource(spec: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const s of pvSources) if (isObject(spec[s])) out[s] = spec[s];
  return out;
}

export function validatePersistentVolumeUpdate(pv: KubeObject, old: KubeObject): FieldError[] {
  const errs = validatePersistentVolume(pv);
  const spec = objOr(pv.spec);
  const oldSpec = objOr(old.spec);
  const source = persistentVolumeSource(spec);
  const oldSource = persistentVolumeSource(oldSpec);
  // A CSI volume may gain a controllerExpandSecretRef after creation.
  const oldCSI = obj(oldSource.csi);
  const newCSI = obj(source.csi);
  if (oldCSI && newCSI && !isObject(oldCSI.controllerExpandSecretRef) && isObject(newCSI.controllerExpandSecretRef)) {
    source.csi = { ...newCSI, controllerExpandSecretRef: undefined };
  }
  if (!deepEqual(source, oldSource)) {
    errs.push(forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${describeDiff('core.PersistentVolumeSource', oldSource, source)}`));
  }
  errs.push(...validateImmutableField(spec.volumeMode, oldSpec.volumeMode, 'volumeMode'));
  errs.push(...validateObjectMetaUpdate(pv.metadata, old.metadata));
  return errs;
}
