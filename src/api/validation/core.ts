// The smaller core/v1 kinds: Namespace, Node, ConfigMap, Secret,
// ServiceAccount, Endpoints, Event.

import type { FieldError, KubeObject } from '../types.js';
import { child, duplicate, forbidden, index, invalid, key, notSupported, required, tooLong } from './field.js';
import { goStringSlice } from './govalue.js';
import { arr, deepEqual, isObject, objOr, objects, present, str, type JsonObject } from './json.js';
import { validateImmutableField, validateLabelName, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import { byteLength, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidCIDRMessage, isValidIPMessage, isValidLabelValue, isValidPortNum, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment } from './names.js';
import { parseQuantityAt, validateResourceQuantityValue } from './resources.js';
import { validateProtocol } from './containers.js';
import { validateNonSpecialIP } from './service.js';

// --- Namespace --------------------------------------------------------------------

export function validateNamespace(ns: KubeObject): FieldError[] {
  const errs = validateObjectMeta(ns.metadata, false, nameIsDNSLabel);
  for (const f of arr(objOr(ns.spec).finalizers).map(str)) {
    errs.push(...isQualifiedName(f).map((m) => invalid('spec.finalizers', f, m)));
    if (!f.includes('/') && f !== 'kubernetes' && f !== 'orphan' && f !== 'foregroundDeletion') {
      errs.push(invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

export function validateNamespaceUpdate(ns: KubeObject, old: KubeObject): FieldError[] {
  return validateObjectMetaUpdate(ns.metadata, old.metadata);
}

// --- Node ----------------------------------------------------------------------------

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateTaints(taints: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Map<string, Set<string>>();
  objects(taints).forEach((taint, i) => {
    const path = index(field, i);
    const k = str(taint.key);
    const effect = str(taint.effect);
    errs.push(...validateLabelName(k, child(path, 'key')));
    const valueErrs = isValidLabelValue(str(taint.value));
    if (valueErrs.length > 0) errs.push(invalid(child(path, 'value'), str(taint.value), valueErrs.join(';')));
    if (effect === '') errs.push(required(child(path, 'effect')));
    else if (!taintEffects.includes(effect)) errs.push(notSupported(child(path, 'effect'), effect, taintEffects));
    const keys = seen.get(effect) ?? new Set<string>();
    if (keys.has(k)) {
      errs.push({ type: 'FieldValueDuplicate', field: path, value: taint, detail: 'taints must be unique by key and effect pair' });
      return;
    }
    keys.add(k);
    seen.set(effect, keys);
  });
  return errs;
}

function validateNodeResources(node: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const status = objOr(node.status);
  for (const list of ['capacity', 'allocatable']) {
    for (const [name, raw] of Object.entries(objOr(status[list]))) {
      const path = `status.${list}.${name}`;
      const q = parseQuantityAt(raw, path, errs);
      if (q) errs.push(...validateResourceQuantityValue(name, q, path));
    }
  }
  return errs;
}

function validatePodCIDRs(spec: JsonObject): FieldError[] {
  const cidrs = arr(spec.podCIDRs).map(str);
  const errs: FieldError[] = [];
  cidrs.forEach((c, i) => errs.push(...isValidCIDRMessage(c).map((m) => invalid(index('spec.podCIDRs', i), c, m))));
  if (cidrs.length > 1) {
    const families = cidrs.map((c) => (c.includes(':') ? 6 : 4));
    if (cidrs.length > 2 || families[0] === families[1]) errs.push(invalid('spec.podCIDRs', goStringSlice(cidrs), 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(index('spec.podCIDRs', i), c));
      seen.add(c);
    });
  }
  return errs;
}

export function validateNode(node: KubeObject): FieldError[] {
  const errs = validateObjectMeta(node.metadata, false, nameIsDNSSubdomain);
  const spec = objOr(node.spec);
  // Kubernetes reports spec.taints problems under metadata.taints.
  if (arr(spec.taints).length > 0) errs.push(...validateTaints(spec.taints, 'metadata.taints'));
  errs.push(...validateNodeResources(node));
  errs.push(...validatePodCIDRs(spec));
  return errs;
}

export function validateNodeUpdate(node: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(node.metadata, old.metadata);
  errs.push(...validateNodeResources(node));
  const seen: JsonObject[] = [];
  objects(objOr(node.status).addresses).forEach((address, i) => {
    if (seen.some((a) => deepEqual(a, address))) errs.push(duplicate(index('status.addresses', i), address));
    seen.push(address);
  });
  const spec = objOr(node.spec);
  const oldSpec = objOr(old.spec);
  const oldCIDRs = arr(oldSpec.podCIDRs).map(str);
  if (oldCIDRs.length > 0) {
    const cidrs = arr(spec.podCIDRs).map(str);
    const message = 'node updates may not change podCIDR except from "" to valid';
    if (cidrs.length !== oldCIDRs.length) errs.push(forbidden('spec.podCIDRs', message));
    else oldCIDRs.forEach((c, i) => c !== cidrs[i] && errs.push(forbidden('spec.podCIDRs', message)));
  }
  if (str(oldSpec.providerID) !== '' && str(oldSpec.providerID) !== str(spec.providerID)) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if (arr(spec.taints).length > 0) errs.push(...validateTaints(spec.taints, 'metadata.taints'));
  if (str(spec.externalID) !== str(oldSpec.externalID)) errs.push(forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

// --- ConfigMap and Secret -----------------------------------------------------------------

/** core.MaxSecretSize, which also bounds ConfigMaps. */
export const MaxSecretSize = 1024 * 1024;

function decodedLength(base64: string): number {
  return Buffer.from(base64, 'base64').length;
}

export function validateConfigMap(cm: KubeObject): FieldError[] {
  const errs = validateObjectMeta(cm.metadata, true, nameIsDNSSubdomain);
  const data = objOr(cm.data);
  const binaryData = objOr(cm.binaryData);
  let totalSize = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(key('data', k), k, m)));
    if (k in binaryData) errs.push(invalid(key('data', k), k, 'duplicate of key present in binaryData'));
    totalSize += byteLength(str(v));
  }
  for (const [k, v] of Object.entries(binaryData)) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(key('binaryData', k), k, m)));
    totalSize += decodedLength(str(v));
  }
  if (totalSize > MaxSecretSize) errs.push(tooLong('', MaxSecretSize));
  return errs;
}

function validateImmutableData(obj: KubeObject, old: KubeObject, fields: readonly string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!deepEqual(obj[f], old[f])) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  return errs;
}

export function validateConfigMapUpdate(cm: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(cm.metadata, old.metadata), ...validateImmutableData(cm, old, ['data', 'binaryData']), ...validateConfigMap(cm)];
}

/**
 * Secret data as the API server sees it after decoding: base64 `data` with
 * `stringData` merged over it (stringData wins), each value's decoded length.
 */
function secretEntries(secret: KubeObject): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(objOr(secret.data))) entries.set(k, Buffer.from(str(v), 'base64'));
  for (const [k, v] of Object.entries(objOr(secret.stringData))) entries.set(k, Buffer.from(str(v), 'utf8'));
  return entries;
}

function requireJSON(entries: Map<string, Buffer>, dataKey: string): FieldError[] {
  const content = entries.get(dataKey);
  if (!content) return [required(key('data', dataKey))];
  try {
    const parsed: unknown = JSON.parse(content.toString('utf8'));
    if (!isObject(parsed)) throw new Error(`json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : typeof parsed} into Go value of type map[string]interface {}`);
    return [];
  } catch (e) {
    return [invalid(key('data', dataKey), '<secret contents redacted>', e instanceof Error ? e.message : String(e))];
  }
}

export function validateSecret(secret: KubeObject): FieldError[] {
  const errs = validateObjectMeta(secret.metadata, true, nameIsDNSSubdomain);
  const entries = secretEntries(secret);
  let totalSize = 0;
  for (const [k, v] of entries) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(key('data', k), k, m)));
    totalSize += v.length;
  }
  if (totalSize > MaxSecretSize) errs.push(tooLong('data', MaxSecretSize));
  switch (str(secret.type)) {
    case 'kubernetes.io/service-account-token':
      if (str(objOr(secret.metadata?.annotations)['kubernetes.io/service-account.name']) === '') {
        errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
      }
      break;
    case 'kubernetes.io/dockercfg':
      errs.push(...requireJSON(entries, '.dockercfg'));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...requireJSON(entries, '.dockerconfigjson'));
      break;
    case 'kubernetes.io/basic-auth':
      if (!entries.has('username') && !entries.has('password')) errs.push(required('data[username]'), required('data[password]'));
      break;
    case 'kubernetes.io/ssh-auth':
      if ((entries.get('ssh-privatekey')?.length ?? 0) === 0) errs.push(required('data[ssh-privatekey]'));
      break;
    case 'kubernetes.io/tls':
      if (!entries.has('tls.crt')) errs.push(required('data[tls.crt]'));
      if (!entries.has('tls.key')) errs.push(required('data[tls.key]'));
      break;
    default:
  }
  return errs;
}

export function validateSecretUpdate(secret: KubeObject, old: KubeObject): FieldError[] {
  const errs = validateObjectMetaUpdate(secret.metadata, old.metadata);
  errs.push(...validateImmutableField(str(secret.type), str(old.type), 'type'));
  if (old.immutable === true) {
    if (secret.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    const same = (a: Map<string, Buffer>, b: Map<string, Buffer>): boolean => a.size === b.size && [...a].every(([k, v]) => b.get(k)?.equals(v) === true);
    if (!same(secretEntries(secret), secretEntries(old))) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
  }
  errs.push(...validateSecret(secret));
  return errs;
}

// --- ServiceAccount ---------------------------------------------------------------------------

export function validateServiceAccount(sa: KubeObject): FieldError[] {
  return validateObjectMeta(sa.metadata, true, nameIsDNSSubdomain);
}

export function validateServiceAccountUpdate(sa: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(sa.metadata, old.metadata), ...validateServiceAccount(sa)];
}

// --- Endpoints -----------------------------------------------------------------------------------

function validateEndpointAddress(address: JsonObject, field: string, allowLoopback: boolean): FieldError[] {
  const ip = str(address.ip);
  const errs = isValidIPMessage(ip).map((m) => invalid(child(field, 'ip'), ip, m));
  const hostname = str(address.hostname);
  if (hostname !== '') errs.push(...isDNS1123Label(hostname).map((m) => invalid(child(field, 'hostname'), hostname, m)));
  if (present(address.nodeName)) {
    const nodeName = str(address.nodeName);
    errs.push(...isDNS1123Subdomain(nodeName).map((m) => invalid(child(field, 'nodeName'), nodeName, m)));
  }
  const special = validateNonSpecialIP(ip, child(field, 'ip'));
  errs.push(...(allowLoopback ? special.filter((e) => !str(e.detail).includes('loopback')) : special));
  return errs;
}

/**
 * default/kubernetes is the API server's own Endpoints, kept by its endpoint
 * reconciler with the advertise address. A local k8ts server advertises a
 * loopback address, which Kubernetes would refuse for any other Endpoints.
 */
function isAPIServerEndpoints(endpoints: KubeObject): boolean {
  return endpoints.metadata?.namespace === 'default' && endpoints.metadata?.name === 'kubernetes';
}

export function validateEndpoints(endpoints: KubeObject): FieldError[] {
  const errs = validateObjectMeta(endpoints.metadata, true, nameIsDNSSubdomain);
  const allowLoopback = isAPIServerEndpoints(endpoints);
  objects(endpoints.subsets).forEach((subset, i) => {
    const path = index('subsets', i);
    const addresses = objects(subset.addresses);
    const notReady = objects(subset.notReadyAddresses);
    if (addresses.length === 0 && notReady.length === 0) errs.push(required(path, 'must specify `addresses` or `notReadyAddresses`'));
    addresses.forEach((a, j) => errs.push(...validateEndpointAddress(a, index(child(path, 'addresses'), j), allowLoopback)));
    notReady.forEach((a, j) => errs.push(...validateEndpointAddress(a, index(child(path, 'notReadyAddresses'), j), allowLoopback)));
    const ports = objects(subset.ports);
    ports.forEach((port, j) => {
      const portPath = index(child(path, 'ports'), j);
      const name = str(port.name);
      if (ports.length > 1 && name === '') errs.push(required(child(portPath, 'name')));
      else if (name !== '') errs.push(...isDNS1123Label(name).map((m) => invalid(child(portPath, 'name'), name, m)));
      const portNumber = typeof port.port === 'number' ? port.port : 0;
      errs.push(...isValidPortNum(portNumber).map((m) => invalid(child(portPath, 'port'), portNumber, m)));
      errs.push(...validateProtocol(port.protocol, child(portPath, 'protocol')));
      if (present(port.appProtocol)) errs.push(...validateQualifiedName(str(port.appProtocol), child(portPath, 'appProtocol')));
    });
  });
  return errs;
}

export function validateEndpointsUpdate(endpoints: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(endpoints.metadata, old.metadata), ...validateEndpoints(endpoints)];
}

// --- Event ---------------------------------------------------------------------------------------

/**
 * legacyValidateEvent: what core/v1 Events get (no ObjectMeta name rules
 * beyond a path-safe name). An event without eventTime is an old-style event
 * that only has to agree with its involved object's namespace.
 */
export function validateEvent(event: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = str(event.metadata?.namespace);
  const involvedNamespace = str(objOr(event.involvedObject).namespace);
  if (!present(event.eventTime)) {
    if (involvedNamespace === '') {
      if (namespace !== '' && namespace !== 'default') errs.push(invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
    } else if (namespace !== involvedNamespace) {
      errs.push(invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'));
    }
    const controller = str(event.reportingComponent);
    if (controller === '') errs.push(required('source'));
    errs.push(...validateQualifiedName(controller, 'source'));
    const instance = str(event.reportingInstance);
    if (instance === '') errs.push(required('reportingInstance'));
    if (instance.length > 128) errs.push(invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = str(event.action);
    if (action === '') errs.push(required('action'));
    if (action.length > 128) errs.push(invalid('action', '', 'can have at most 128 characters'));
    const reason = str(event.reason);
    if (reason === '') errs.push(required('reason'));
    if (reason.length > 128) errs.push(invalid('reason', '', 'can have at most 128 characters'));
    if (str(event.message).length > 1024) errs.push(invalid('message', '', 'can have at most 1024 characters'));
  }
  errs.push(...isDNS1123Subdomain(namespace).map((m) => invalid('namespace', namespace, m)));
  const name = str(event.metadata?.name);
  if (name === '') errs.push(required('metadata.name', 'name or generateName is required'));
  else errs.push(...nameIsPathSegment(name, false).map((m) => invalid('metadata.name', name, m)));
  return errs;
}

export function validateEventUpdate(event: KubeObject, old: KubeObject): FieldError[] {
  return [...validateEvent(event), ...validateObjectMetaUpdate(event.metadata, old.metadata)];
}

