// Pod volumes (pkg/apis/core/validation: ValidateVolumes, validateVolumeSource).
// Every source counts towards "exactly one volume type"; the sources a local
// cluster actually uses get their field checks, the cloud/legacy ones only
// their required fields.

import type { FieldError } from '../types.js';
import { child, forbidden, index, invalid, notSupported, required } from './field.js';
import { arr, isObject, obj, objects, str, type JsonObject } from './json.js';
import { validateDownwardAPIFieldRef, validateResourceFieldRef } from './downward.js';
import { nameIsDNSSubdomain, isDNS1123Label, isDNS1123Subdomain } from './names.js';
import { quantityError, parseQuantity, isNegative } from './quantity.js';
import { validateTemplateObjectMeta } from './meta.js';
import { validatePersistentVolumeClaimSpec } from './storage.js';

const fileModeErrorMsg = 'must be a number between 0 and 0777 (octal), both inclusive';

type SourceValidator = (source: JsonObject, field: string, volumeName: string) => FieldError[];

function requireFields(...names: string[]): SourceValidator {
  return (source, field) => names.filter((n) => str(source[n]) === '' && arr(source[n]).length === 0).map((n) => required(child(field, n)));
}

/** validatePathNoBacksteps: no '..' element anywhere in the path. */
export function validatePathNoBacksteps(path: string, field: string): FieldError[] {
  return path.replace(/\\/g, '/').split('/').includes('..') ? [invalid(field, path, "must not contain '..'")] : [];
}

/** validateLocalDescendingPath: relative, without backsteps. */
export function validateLocalDescendingPath(path: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (path.startsWith('/')) errs.push(invalid(field, path, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(path, field));
  return errs;
}

/** ValidateLocalNonReservedPath: a local descending path that does not start with '..'. */
export function validateLocalNonReservedPath(path: string, field: string): FieldError[] {
  const errs = validateLocalDescendingPath(path, field);
  if (path.startsWith('..') && !path.startsWith('../')) errs.push(invalid(field, path, "must not start with '..'"));
  return errs;
}

function validateMode(mode: unknown, field: string): FieldError[] {
  return typeof mode === 'number' && (mode > 0o777 || mode < 0) ? [invalid(field, mode, fileModeErrorMsg)] : [];
}

function validateKeyToPath(item: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(item.key) === '') errs.push(required(child(field, 'key')));
  if (str(item.path) === '') errs.push(required(child(field, 'path')));
  errs.push(...validateLocalNonReservedPath(str(item.path), child(field, 'path')));
  errs.push(...validateMode(item.mode, child(field, 'mode')));
  return errs;
}

function validateItems(source: JsonObject, field: string): FieldError[] {
  const errs = validateMode(source.defaultMode, child(field, 'defaultMode'));
  objects(source.items).forEach((item, i) => errs.push(...validateKeyToPath(item, index(child(field, 'items'), i))));
  return errs;
}

const hostPathTypes = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function validateHostPath(source: JsonObject, field: string): FieldError[] {
  const path = str(source.path);
  if (path === '') return [required(child(field, 'path'))];
  const errs = validatePathNoBacksteps(path, child(field, 'path'));
  if (typeof source.type === 'string' && !hostPathTypes.includes(source.type)) errs.push(notSupported(child(field, 'type'), source.type, hostPathTypes));
  return errs;
}

function validateEmptyDir(source: JsonObject, field: string): FieldError[] {
  if (source.sizeLimit === undefined || source.sizeLimit === null) return [];
  const problem = quantityError(source.sizeLimit);
  if (problem) return [invalid(child(field, 'sizeLimit'), source.sizeLimit, problem)];
  const limit = parseQuantity(source.sizeLimit as string);
  return isNegative(limit) ? [forbidden(child(field, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity')] : [];
}

function validateNFS(source: JsonObject, field: string): FieldError[] {
  const errs = requireFields('server', 'path')(source, field, '');
  if (!str(source.path).startsWith('/')) errs.push(invalid(child(field, 'path'), str(source.path), 'must be an absolute path'));
  return errs;
}

function validateDownwardAPIFile(file: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(file.path) === '') errs.push(required(child(field, 'path')));
  errs.push(...validateLocalNonReservedPath(str(file.path), child(field, 'path')));
  const fieldRef = obj(file.fieldRef);
  const resourceFieldRef = obj(file.resourceFieldRef);
  if (fieldRef) {
    errs.push(...validateDownwardAPIFieldRef(fieldRef, 'volume', child(field, 'fieldRef')));
    if (resourceFieldRef) errs.push(invalid(field, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (resourceFieldRef) {
    errs.push(...validateResourceFieldRef(resourceFieldRef, true, child(field, 'resourceFieldRef')));
  } else {
    errs.push(required(field, 'one of fieldRef and resourceFieldRef is required'));
  }
  errs.push(...validateMode(file.mode, child(field, 'mode')));
  return errs;
}

function validateDownwardAPI(source: JsonObject, field: string): FieldError[] {
  const errs = validateMode(source.defaultMode, child(field, 'defaultMode'));
  // Kubernetes reports item errors against the volume source itself, without the item index.
  for (const file of objects(source.items)) errs.push(...validateDownwardAPIFile(file, field));
  return errs;
}

function validateProjected(source: JsonObject, field: string): FieldError[] {
  const errs = validateMode(source.defaultMode, child(field, 'defaultMode'));
  const seenPaths = new Set<string>();
  const claimPath = (path: string, value: unknown): void => {
    if (path === '') return;
    if (seenPaths.has(path)) errs.push(invalid(field, value, 'conflicting duplicate paths'));
    seenPaths.add(path);
  };
  objects(source.sources).forEach((projection, i) => {
    const srcPath = index(child(field, 'sources'), i);
    let count = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = obj(projection[kind]);
      if (!ref) continue;
      count++;
      if (str(ref.name) === '') errs.push(required(child(srcPath, kind, 'name')));
      objects(ref.items).forEach((item, j) => {
        errs.push(...validateKeyToPath(item, index(child(srcPath, kind, 'items'), j)));
        claimPath(str(item.path), str(ref.name));
      });
    }
    const downward = obj(projection.downwardAPI);
    if (downward) {
      count++;
      for (const file of objects(downward.items)) {
        errs.push(...validateDownwardAPIFile(file, child(srcPath, 'downwardAPI')));
        claimPath(str(file.path), str(file.path));
      }
    }
    const token = obj(projection.serviceAccountToken);
    if (token) {
      count++;
      const expiration = typeof token.expirationSeconds === 'number' ? token.expirationSeconds : 0;
      const tokenPath = child(srcPath, 'serviceAccountToken');
      if (expiration < 600) errs.push(invalid(child(tokenPath, 'expirationSeconds'), expiration, 'may not specify a duration less than 10 minutes'));
      if (expiration > 2 ** 32) errs.push(invalid(child(tokenPath, 'expirationSeconds'), expiration, 'may not specify a duration larger than 2^32 seconds'));
      if (str(token.path) === '') errs.push(required(child(field, 'path')));
      else errs.push(...validateLocalNonReservedPath(str(token.path), child(field, 'path')));
    }
    if (obj(projection.clusterTrustBundle)) count++;
    if (count > 1) errs.push(forbidden(srcPath, 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

function validateCSI(source: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const driver = str(source.driver);
  if (driver === '') errs.push(required(child(field, 'driver')));
  if (driver.length > 63) errs.push({ type: 'FieldValueTooLong', field: child(field, 'driver'), value: '', detail: 'may not be more than 63 bytes' });
  errs.push(...isDNS1123Subdomain(driver.toLowerCase()).map((m) => invalid(child(field, 'driver'), driver, m)));
  const secretRef = obj(source.nodePublishSecretRef);
  if (secretRef) {
    const name = str(secretRef.name);
    if (name === '') errs.push(required(child(field, 'nodePublishSecretRef', 'name')));
    else errs.push(...nameIsDNSSubdomain(name, false).map((m) => invalid(child(field, 'name'), name, m)));
  }
  return errs;
}

function validateEphemeral(source: JsonObject, field: string): FieldError[] {
  const template = obj(source.volumeClaimTemplate);
  if (!template) return [required(child(field, 'volumeClaimTemplate'))];
  const templatePath = child(field, 'volumeClaimTemplate');
  return [...validateTemplateObjectMeta(template.metadata, child(templatePath, 'metadata')), ...validatePersistentVolumeClaimSpec(template.spec, child(templatePath, 'spec'))];
}

function validateImage(source: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(source.reference) === '') errs.push(required(child(field, 'reference')));
  const policy = source.pullPolicy;
  if (typeof policy === 'string' && !['Always', 'IfNotPresent', 'Never'].includes(policy)) {
    errs.push(notSupported(child(field, 'pullPolicy'), policy, ['Always', 'IfNotPresent', 'Never']));
  }
  return errs;
}

/**
 * The volume sources in Kubernetes' order of checking (which decides which
 * extra source is reported as "may not specify more than 1 volume type"),
 * each with the field name used in that message and the path its own checks use.
 */
const volumeSources: Array<{ key: string; reported: string; checkedAt?: string; validate: SourceValidator }> = [
  { key: 'emptyDir', reported: 'emptyDir', validate: validateEmptyDir },
  { key: 'hostPath', reported: 'hostPath', validate: validateHostPath },
  { key: 'gitRepo', reported: 'gitRepo', validate: (s, f) => [...requireFields('repository')(s, f, ''), ...validateLocalDescendingPath(str(s.directory), child(f, 'directory'))] },
  { key: 'gcePersistentDisk', reported: 'gcePersistentDisk', checkedAt: 'persistentDisk', validate: requireFields('pdName') },
  { key: 'awsElasticBlockStore', reported: 'awsElasticBlockStore', validate: requireFields('volumeID') },
  { key: 'secret', reported: 'secret', validate: (s, f) => [...requireFields('secretName')(s, f, ''), ...validateItems(s, f)] },
  { key: 'nfs', reported: 'nfs', validate: validateNFS },
  { key: 'iscsi', reported: 'iscsi', validate: requireFields('targetPortal', 'iqn') },
  { key: 'glusterfs', reported: 'glusterfs', validate: requireFields('endpoints', 'path') },
  { key: 'flocker', reported: 'flocker', validate: () => [] },
  { key: 'persistentVolumeClaim', reported: 'persistentVolumeClaim', validate: requireFields('claimName') },
  { key: 'rbd', reported: 'rbd', validate: requireFields('monitors', 'image') },
  { key: 'cinder', reported: 'cinder', validate: requireFields('volumeID') },
  { key: 'cephfs', reported: 'cephFS', validate: requireFields('monitors') },
  { key: 'quobyte', reported: 'quobyte', validate: requireFields('volume') },
  // Kubernetes misspells this one in its "more than 1 volume type" message.
  { key: 'downwardAPI', reported: 'downwarAPI', validate: validateDownwardAPI },
  { key: 'fc', reported: 'fc', validate: () => [] },
  { key: 'flexVolume', reported: 'flexVolume', validate: requireFields('driver') },
  { key: 'configMap', reported: 'configMap', validate: (s, f) => [...requireFields('name')(s, f, ''), ...validateItems(s, f)] },
  { key: 'azureFile', reported: 'azureFile', validate: requireFields('secretName', 'shareName') },
  { key: 'vsphereVolume', reported: 'vsphereVolume', validate: requireFields('volumePath') },
  { key: 'photonPersistentDisk', reported: 'photonPersistentDisk', validate: requireFields('pdID') },
  { key: 'portworxVolume', reported: 'portworxVolume', validate: requireFields('volumeID') },
  { key: 'azureDisk', reported: 'azureDisk', validate: requireFields('diskName', 'diskURI') },
  { key: 'storageos', reported: 'storageos', validate: requireFields('volumeName') },
  { key: 'projected', reported: 'projected', validate: validateProjected },
  { key: 'scaleIO', reported: 'scaleIO', validate: requireFields('gateway', 'system', 'volumeName') },
  { key: 'csi', reported: 'csi', validate: validateCSI },
  { key: 'ephemeral', reported: 'ephemeral', validate: validateEphemeral },
  { key: 'image', reported: 'image', validate: validateImage },
];

function validateVolumeSource(volume: JsonObject, field: string, volumeName: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const { key, reported, checkedAt, validate } of volumeSources) {
    const source = volume[key];
    if (!isObject(source)) continue;
    if (count > 0) {
      errs.push(forbidden(child(field, reported), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...validate(source, child(field, checkedAt ?? key), volumeName));
  }
  if (count === 0) errs.push(required(field, 'must specify a volume type'));
  return errs;
}

/** The volumes that passed validation, by name: mounts may only reference these. */
export type ValidVolumes = Map<string, JsonObject>;

export function validateVolumes(volumes: unknown, field: string, podName?: string): { volumes: ValidVolumes; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const valid: ValidVolumes = new Map();
  const names = new Set<string>();
  const ephemeralClaims = new Set<string>();
  const list = objects(volumes);
  if (podName) for (const v of list) if (isObject(v.ephemeral)) ephemeralClaims.add(`${podName}-${str(v.name)}`);

  list.forEach((volume, i) => {
    const volumePath = index(field, i);
    const name = str(volume.name);
    const volumeErrs = validateVolumeSource(volume, volumePath, name);
    if (isObject(volume.ephemeral) && podName && name !== '') {
      const claimName = `${podName}-${name}`;
      for (const m of nameIsDNSSubdomain(claimName, false)) volumeErrs.push(invalid(child(volumePath, 'name'), name, `PVC name "${claimName}": ${m}`));
    }
    if (name === '') volumeErrs.push(required(child(volumePath, 'name')));
    else volumeErrs.push(...isDNS1123Label(name).map((m) => invalid(child(volumePath, 'name'), name, m)));
    if (names.has(name)) volumeErrs.push({ type: 'FieldValueDuplicate', field: child(volumePath, 'name'), value: name, detail: '' });
    if (volumeErrs.length === 0) {
      names.add(name);
      valid.set(name, volume);
    } else {
      errors.push(...volumeErrs);
    }
    const claim = obj(volume.persistentVolumeClaim);
    if (claim && ephemeralClaims.has(str(claim.claimName))) {
      errors.push(invalid(child(volumePath, 'persistentVolumeClaim', 'claimName'), str(claim.claimName), 'must not reference a PVC that gets created for an ephemeral volume'));
    }
  });
  return { volumes: valid, errors };
}
