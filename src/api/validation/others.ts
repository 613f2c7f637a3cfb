// The remaining groups: coordination.k8s.io Lease, discovery.k8s.io
// EndpointSlice, autoscaling/v2 HorizontalPodAutoscaler, policy/v1
// PodDisruptionBudget.

import type { FieldError, KubeObject } from '../types.js';
import { child, duplicate, forbidden, index, invalid, notSupported, required, tooMany } from './field.js';
import { arr, obj, objOr, objects, present, str, type JsonObject } from './json.js';
import { validateImmutableField, validateLabelName, validateLabels, validateLabelSelector, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPathSegmentName, nameIsDNSSubdomain, nameIsPathSegment, parseIPSloppy } from './names.js';
import { validateNonSpecialIP } from './service.js';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from './workload.js';
import { parseQuantityAt } from './resources.js';

// --- Lease ----------------------------------------------------------------------------

export function validateLease(lease: KubeObject): FieldError[] {
  // Lease uses apimachinery's ObjectMeta rules, without core's finalizer-name check.
  const errs = validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain, { kubeFinalizers: false });
  const spec = objOr(lease.spec);
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) {
    errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return errs;
}

export function validateLeaseUpdate(lease: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(lease.metadata, old.metadata, { kubeFinalizers: false }), ...validateLease(lease)];
}

// --- EndpointSlice ------------------------------------------------------------------------

const addressTypes = ['FQDN', 'IPv4', 'IPv6'];
const portProtocols = ['SCTP', 'TCP', 'UDP'];

function validateFQDN(address: string, field: string): FieldError[] {
  const name = address.endsWith('.') ? address.slice(0, -1) : address;
  if (address.length === 0) return [required(field)];
  const subdomain = isDNS1123Subdomain(name);
  if (subdomain.length > 0) return [invalid(field, name, subdomain.join(','))];
  if (name.split('.').length < 2) return [invalid(field, name, 'should be a domain with at least two segments separated by dots')];
  for (const label of name.split('.')) {
    const labelErrs = isDNS1123Label(label);
    if (labelErrs.length > 0) return [invalid(field, label, labelErrs.join(','))];
  }
  return [];
}

function validateEndpointSliceEndpoints(endpoints: unknown, addressType: string, field: string): FieldError[] {
  const list = objects(endpoints);
  if (list.length > 1000) return [tooMany(field, list.length, 1000)];
  const errs: FieldError[] = [];
  list.forEach((endpoint, i) => {
    const path = index(field, i);
    const addressesPath = child(path, 'addresses');
    const addresses = arr(endpoint.addresses).map(str);
    if (addresses.length === 0) errs.push(required(addressesPath, 'must contain at least 1 address'));
    else if (addresses.length > 100) errs.push(tooMany(addressesPath, addresses.length, 100));
    addresses.forEach((address, j) => {
      const addressPath = index(addressesPath, j);
      if (addressType === 'IPv4' || addressType === 'IPv6') {
        const family = parseIPSloppy(address);
        if (family !== (addressType === 'IPv4' ? 4 : 6)) errs.push(invalid(addressPath, address, `must be a valid ${addressType} address`));
        else errs.push(...validateNonSpecialIP(address, addressPath));
      } else if (addressType === 'FQDN') {
        errs.push(...validateFQDN(address, addressPath));
      }
    });
    if (present(endpoint.nodeName)) {
      const nodeName = str(endpoint.nodeName);
      errs.push(...nameIsDNSSubdomain(nodeName, false).map((m) => invalid(child(path, 'nodeName'), nodeName, m)));
    }
    const topology = objOr(endpoint.deprecatedTopology);
    if (Object.keys(topology).length > 16) errs.push(tooMany(child(path, 'deprecatedTopology'), Object.keys(topology).length, 16));
    errs.push(...validateLabels(endpoint.deprecatedTopology, child(path, 'deprecatedTopology')));
    if (present(endpoint.zone)) errs.push(...validateLabelName(str(endpoint.zone), child(path, 'zone')));
    if (present(endpoint.hostname)) {
      const hostname = str(endpoint.hostname);
      errs.push(...isDNS1123Label(hostname).map((m) => invalid(child(path, 'hostname'), hostname, m)));
    }
  });
  return errs;
}

function validateEndpointSlicePorts(ports: unknown, field: string): FieldError[] {
  const list = objects(ports);
  if (list.length > 20000) return [tooMany(field, list.length, 20000)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((port, i) => {
    const path = index(field, i);
    const name = str(port.name);
    if (name !== '') errs.push(...isDNS1123Label(name).map((m) => invalid(child(path, 'name'), name, m)));
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else names.add(name);
    if (!present(port.protocol)) errs.push(required(child(path, 'protocol')));
    else if (!portProtocols.includes(str(port.protocol))) errs.push(notSupported(child(path, 'protocol'), str(port.protocol), portProtocols));
    if (present(port.appProtocol)) errs.push(...validateQualifiedName(str(port.appProtocol), child(path, 'appProtocol')));
  });
  return errs;
}

export function validateEndpointSlice(slice: KubeObject): FieldError[] {
  const errs = validateObjectMeta(slice.metadata, true, nameIsDNSSubdomain);
  const addressType = str(slice.addressType);
  if (addressType === '') errs.push(required('addressType'));
  else if (!addressTypes.includes(addressType)) errs.push(notSupported('addressType', addressType, addressTypes));
  errs.push(...validateEndpointSliceEndpoints(slice.endpoints, addressType, 'endpoints'));
  errs.push(...validateEndpointSlicePorts(slice.ports, 'ports'));
  return errs;
}

export function validateEndpointSliceUpdate(slice: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(slice.metadata, old.metadata), ...validateEndpointSlice(slice), ...validateImmutableField(str(slice.addressType), str(old.addressType), 'addressType')];
}

// --- HorizontalPodAutoscaler ----------------------------------------------------------------

const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const metricFieldByType: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource' };
const metricTargetTypes = ['AverageValue', 'Utilization', 'Value'];

function validateScaleTargetRef(ref: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['kind', 'name']) {
    const v = str(ref[f]);
    if (v === '') errs.push(required(child(field, f)));
    else errs.push(...isValidPathSegmentName(v).map((m) => invalid(child(field, f), v, m)));
  }
  return errs;
}

function validateMetricTarget(target: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(target.type);
  if (type === '') errs.push(required(child(field, 'type'), 'must specify a metric target type'));
  else if (!metricTargetTypes.includes(type)) errs.push(notSupported(child(field, 'type'), type, metricTargetTypes));
  const utilization = target.averageUtilization;
  if (typeof utilization === 'number' && utilization < 1) errs.push(invalid(child(field, 'averageUtilization'), utilization, 'must be greater than 0'));
  for (const f of ['value', 'averageValue']) if (present(target[f])) parseQuantityAt(target[f], child(field, f), errs);
  return errs;
}

function validateMetricSpec(metric: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(metric.type);
  if (type === '') errs.push(required(child(field, 'type'), 'must specify a metric source type'));
  if (!metricSourceTypes.includes(type)) errs.push(notSupported(child(field, 'type'), type, metricSourceTypes));
  const presentSources = Object.values(metricFieldByType).filter((f) => present(metric[f]));
  const expected = metricFieldByType[type];
  if (expected && !present(metric[expected])) errs.push(required(child(field, expected), 'must populate information for the given metric source'));
  if (presentSources.length !== 1) {
    for (const f of presentSources) if (f !== expected) errs.push(forbidden(child(field, f), 'must populate the given metric source only'));
  }
  const source = expected ? obj(metric[expected]) : undefined;
  if (source) {
    const sourcePath = child(field, expected);
    if ((type === 'Resource' || type === 'ContainerResource') && str(source.name) === '') errs.push(required(child(sourcePath, 'name'), 'must specify a resource name'));
    if (type === 'ContainerResource' && str(source.container) === '') errs.push(required(child(sourcePath, 'container'), 'must specify a container'));
    errs.push(...validateMetricTarget(objOr(source.target), child(sourcePath, 'target')));
  }
  return errs;
}

function validateScalingRules(rules: unknown, field: string): FieldError[] {
  const r = obj(rules);
  if (!r) return [];
  const errs: FieldError[] = [];
  const window = r.stabilizationWindowSeconds;
  if (typeof window === 'number' && (window < 0 || window > 3600)) errs.push(invalid(child(field, 'stabilizationWindowSeconds'), window, 'must be less than or equal to 3600'));
  if (present(r.selectPolicy) && !['Disabled', 'Max', 'Min'].includes(str(r.selectPolicy))) {
    errs.push(notSupported(child(field, 'selectPolicy'), str(r.selectPolicy), ['Disabled', 'Max', 'Min']));
  }
  const policies = objects(r.policies);
  if (policies.length === 0 && str(r.selectPolicy) !== 'Disabled') errs.push(required(child(field, 'policies'), 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const path = index(child(field, 'policies'), i);
    if (!['Percent', 'Pods'].includes(str(p.type))) errs.push(notSupported(child(path, 'type'), str(p.type), ['Percent', 'Pods']));
    const value = typeof p.value === 'number' ? p.value : 0;
    if (value <= 0) errs.push(invalid(child(path, 'value'), value, 'must be greater than zero'));
    const period = typeof p.periodSeconds === 'number' ? p.periodSeconds : 0;
    if (period <= 0) errs.push(invalid(child(path, 'periodSeconds'), period, 'must be greater than zero'));
    else if (period > 1800) errs.push(invalid(child(path, 'periodSeconds'), period, 'must be less than or equal to 1800'));
  });
  return errs;
}

export function validateHorizontalPodAutoscaler(hpa: KubeObject): FieldError[] {
  const errs = validateObjectMeta(hpa.metadata, true, nameIsDNSSubdomain);
  const spec = objOr(hpa.spec);
  const minReplicas = typeof spec.minReplicas === 'number' ? spec.minReplicas : undefined;
  const maxReplicas = typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0;
  if (minReplicas !== undefined && minReplicas < 1) errs.push(invalid('spec.minReplicas', minReplicas, 'must be greater than or equal to 1'));
  if (maxReplicas < 1) errs.push(invalid('spec.maxReplicas', maxReplicas, 'must be greater than 0'));
  if (minReplicas !== undefined && maxReplicas < minReplicas) errs.push(invalid('spec.maxReplicas', maxReplicas, 'must be greater than or equal to `minReplicas`'));
  errs.push(...validateScaleTargetRef(objOr(spec.scaleTargetRef), 'spec.scaleTargetRef'));
  objects(spec.metrics).forEach((m, i) => errs.push(...validateMetricSpec(m, index('spec.metrics', i))));
  const behavior = obj(spec.behavior);
  if (behavior) {
    errs.push(...validateScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

export function validateHorizontalPodAutoscalerUpdate(hpa: KubeObject, old: KubeObject): FieldError[] {
  return [...validateObjectMetaUpdate(hpa.metadata, old.metadata), ...validateHorizontalPodAutoscaler(hpa)];
}

// --- PodDisruptionBudget -------------------------------------------------------------------------

export function validatePodDisruptionBudget(pdb: KubeObject): FieldError[] {
  const spec = objOr(pdb.spec);
  const errs: FieldError[] = [];
  if (present(spec.minAvailable) && present(spec.maxUnavailable)) errs.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  for (const f of ['minAvailable', 'maxUnavailable']) {
    if (!present(spec[f])) continue;
    errs.push(...validatePositiveIntOrPercent(spec[f], `spec.${f}`));
    errs.push(...isNotMoreThan100Percent(spec[f], `spec.${f}`));
  }
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (present(spec.unhealthyPodEvictionPolicy) && !['AlwaysAllow', 'IfHealthyBudget'].includes(str(spec.unhealthyPodEvictionPolicy))) {
    errs.push(notSupported('spec.unhealthyPodEvictionPolicy', str(spec.unhealthyPodEvictionPolicy), ['AlwaysAllow', 'IfHealthyBudget']));
  }
  // Name and namespace are only checked by the generic path-segment rules for PDBs.
  errs.push(...validateObjectMeta(pdb.metadata, true, nameIsPathSegment));
  return errs;
}

export function validatePodDisruptionBudgetUpdate(pdb: KubeObject, old: KubeObject): FieldError[] {
  return [...validatePodDisruptionBudget(pdb), ...validateObjectMetaUpdate(pdb.metadata, old.metadata)];
}
