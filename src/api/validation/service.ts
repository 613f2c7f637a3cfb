// core/v1 Service (ValidateService, ValidateServiceUpdate). Cluster IP
// allocation happens elsewhere; these rules check what the client asked for
// and that allocated addresses never change.

import type { FieldError, KubeObject } from '../types.js';
import { child, duplicate, forbidden, index, invalid, notSupported, required } from './field.js';
import { goStringSlice } from './govalue.js';
import { arr, isObject, obj, objOr, objects, present, str, type JsonObject } from './json.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate, validateQualifiedName } from './meta.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidCIDRMessage, isValidIPMessage, isValidPortNum, nameIsDNS1035Label, parseIPSloppy } from './names.js';
import { validatePortNumOrName, validateProtocol } from './containers.js';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const MaxClientIPServiceAffinitySeconds = 86400;

const isHeadless = (spec: JsonObject): boolean => str(spec.clusterIP) === 'None';

function validateServicePort(port: JsonObject, requireName: boolean, names: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(port.name);
  if (requireName && name === '') {
    errs.push(required(child(field, 'name')));
  } else if (name !== '') {
    errs.push(...isDNS1123Label(name).map((m) => invalid(child(field, 'name'), name, m)));
    if (names.has(name)) errs.push(duplicate(child(field, 'name'), name));
    else names.add(name);
  }
  const portNumber = typeof port.port === 'number' ? port.port : 0;
  errs.push(...isValidPortNum(portNumber).map((m) => invalid(child(field, 'port'), portNumber, m)));
  errs.push(...validateProtocol(port.protocol, child(field, 'protocol')));
  errs.push(...validatePortNumOrName(port.targetPort ?? 0, child(field, 'targetPort')));
  if (present(port.appProtocol)) errs.push(...validateQualifiedName(str(port.appProtocol), child(field, 'appProtocol')));
  return errs;
}

/** Non-special addresses only: Endpoints, EndpointSlices and external IPs must be routable. */
export function validateNonSpecialIP(ip: string, field: string): FieldError[] {
  const family = parseIPSloppy(ip);
  if (family === 0) return [invalid(field, ip, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const v4 = family === 4 ? ip.split('.').map(Number) : undefined;
  const lower = ip.toLowerCase();
  const unspecified = v4 ? v4.every((o) => o === 0) : /^[0:]+$/.test(lower);
  const loopback = v4 ? v4[0] === 127 : /^(0*:)*:?0*1$/.test(lower) && lower.replace(/[0:]/g, '') === '1';
  const linkLocalUnicast = v4 ? v4[0] === 169 && v4[1] === 254 : /^fe[89ab][0-9a-f]:/.test(lower);
  const linkLocalMulticast = v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : /^ff[0-9a-f]2:/.test(lower);
  if (unspecified) errs.push(invalid(field, ip, `may not be unspecified (${ip})`));
  if (loopback) errs.push(invalid(field, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)'));
  if (linkLocalUnicast) errs.push(invalid(field, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast) errs.push(invalid(field, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

function validateClusterIPFields(spec: JsonObject): FieldError[] {
  if (str(spec.type) === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const clusterIP = str(spec.clusterIP);
  const clusterIPs = arr(spec.clusterIPs).map(str);
  if (clusterIP !== '') {
    if (clusterIPs.length === 0) errs.push(required('spec.clusterIPs'));
    else if (clusterIPs[0] !== clusterIP) errs.push(invalid('spec.clusterIPs', goStringSlice(clusterIPs), 'first value must match `clusterIP`'));
  } else if (clusterIPs.length > 0) {
    errs.push(invalid('spec.clusterIPs', goStringSlice(clusterIPs), 'must be empty when `clusterIP` is not specified'));
  }
  const families = arr(spec.ipFamilies).map(str);
  const seen = new Set<string>();
  families.forEach((family, i) => {
    if (family !== 'IPv4' && family !== 'IPv6') errs.push(notSupported(index('spec.ipFamilies', i), family, ['IPv4', 'IPv6']));
    if (seen.has(family)) errs.push(duplicate(index('spec.ipFamilies', i), family));
    seen.add(family);
  });
  if (present(spec.ipFamilyPolicy)) {
    const policy = str(spec.ipFamilyPolicy);
    const policies = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
    if (!policies.includes(policy)) errs.push(notSupported('spec.ipFamilyPolicy', policy, policies));
  }
  clusterIPs.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (clusterIPs.length > 1) errs.push(invalid('spec.clusterIPs', goStringSlice(clusterIPs), "'None' must be the first and only value"));
      return;
    }
    errs.push(...isValidIPMessage(ip).map((m) => invalid(index('spec.clusterIPs', i), ip, m)));
  });
  if (clusterIPs.length > 2) errs.push(invalid('spec.clusterIPs', goStringSlice(clusterIPs), 'may only hold up to 2 values'));
  return errs;
}

export function validateService(service: KubeObject): FieldError[] {
  const errs = validateObjectMeta(service.metadata, true, nameIsDNS1035Label);
  const spec = objOr(service.spec);
  const type = str(spec.type);
  const ports = objects(spec.ports);
  if (ports.length === 0 && !isHeadless(spec) && type !== 'ExternalName') errs.push(required('spec.ports'));
  if (type === 'LoadBalancer' || type === 'NodePort') {
    if (isHeadless(spec)) errs.push(invalid('spec.clusterIPs[0]', str(arr(spec.clusterIPs)[0] ?? 'None'), `may not be set to 'None' for ${type} services`));
  } else if (type === 'ExternalName') {
    if (arr(spec.clusterIPs).length > 0) errs.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (arr(spec.ipFamilies).length > 0) errs.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (present(spec.ipFamilyPolicy)) errs.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname !== '') errs.push(...isDNS1123Subdomain(cname).map((m) => invalid('spec.externalName', cname, m)));
    else errs.push(required('spec.externalName'));
  }
  const names = new Set<string>();
  ports.forEach((port, i) => errs.push(...validateServicePort(port, ports.length > 1, names, index('spec.ports', i))));
  if (isObject(spec.selector)) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = str(spec.sessionAffinity);
  if (affinity === '') errs.push(required('spec.sessionAffinity'));
  else if (affinity !== 'ClientIP' && affinity !== 'None') errs.push(notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const clientIP = obj(obj(spec.sessionAffinityConfig)?.clientIP);
    const timeout = clientIP?.timeoutSeconds;
    if (!obj(spec.sessionAffinityConfig)) errs.push(required('spec.sessionAffinityConfig', 'when session affinity type is ClientIP'));
    else if (!clientIP) errs.push(required('spec.sessionAffinityConfig.clientIP', 'when session affinity type is ClientIP'));
    else if (typeof timeout !== 'number') errs.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'when session affinity type is ClientIP'));
    else if (timeout <= 0 || timeout > MaxClientIPServiceAffinitySeconds) {
      errs.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MaxClientIPServiceAffinitySeconds}`));
    }
  } else if (affinity === 'None' && present(spec.sessionAffinityConfig)) {
    errs.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  errs.push(...validateClusterIPFields(spec));
  arr(spec.externalIPs).map(str).forEach((ip, i) => {
    const msgs = isValidIPMessage(ip);
    if (msgs.length > 0) errs.push(...msgs.map((m) => invalid(index('spec.externalIPs', i), ip, m)));
    else errs.push(...validateNonSpecialIP(ip, index('spec.externalIPs', i)));
  });
  if (type === '') errs.push(required('spec.type'));
  else if (!serviceTypes.includes(type)) errs.push(notSupported('spec.type', type, serviceTypes));
  if (type === 'ClusterIP') {
    ports.forEach((port, i) => {
      if (typeof port.nodePort === 'number' && port.nodePort !== 0) errs.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  const servicePorts = new Set<string>();
  ports.forEach((port, i) => {
    const protocol = str(port.protocol);
    if (typeof port.nodePort === 'number' && port.nodePort !== 0) {
      const k = `${protocol}/${port.nodePort}`;
      if (nodePorts.has(k)) errs.push(duplicate(`spec.ports[${i}].nodePort`, port.nodePort));
      nodePorts.add(k);
    }
    const k = `${protocol}/${typeof port.port === 'number' ? port.port : 0}`;
    if (servicePorts.has(k)) errs.push(duplicate(index('spec.ports', i), { protocol, port: port.port }));
    servicePorts.add(k);
  });
  const sourceRanges = arr(spec.loadBalancerSourceRanges).map(str);
  if (sourceRanges.length > 0) {
    if (type !== 'LoadBalancer') errs.push(forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    sourceRanges.forEach((r, i) => errs.push(...isValidCIDRMessage(r.trim()).map((m) => invalid(index('spec.LoadBalancerSourceRanges', i), r.trim(), m))));
  }
  if (present(spec.allocateLoadBalancerNodePorts) && type !== 'LoadBalancer') {
    errs.push(forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && !present(spec.allocateLoadBalancerNodePorts)) errs.push(required('allocateLoadBalancerNodePorts'));
  errs.push(...validateTrafficPolicies(spec));
  return errs;
}

function validateTrafficPolicies(spec: JsonObject): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(spec.type);
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
  const external = str(spec.externalTrafficPolicy);
  if (!externallyAccessible) {
    if (external !== '') errs.push(invalid('spec.externalTrafficPolicy', external, 'may only be set for externally-accessible services'));
  } else if (external === '') {
    errs.push(required('spec.externalTrafficPolicy'));
  } else if (external !== 'Cluster' && external !== 'Local') {
    errs.push(notSupported('spec.externalTrafficPolicy', external, ['Cluster', 'Local']));
  }
  const healthCheckNodePort = typeof spec.healthCheckNodePort === 'number' ? spec.healthCheckNodePort : 0;
  const needsHealthCheck = type === 'LoadBalancer' && external === 'Local';
  if (!needsHealthCheck) {
    if (healthCheckNodePort !== 0) {
      errs.push(invalid('spec.healthCheckNodePort', healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  }
  if (!present(spec.internalTrafficPolicy)) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errs.push(required('spec.internalTrafficPolicy'));
  } else if (!['Cluster', 'Local'].includes(str(spec.internalTrafficPolicy))) {
    errs.push(notSupported('spec.internalTrafficPolicy', str(spec.internalTrafficPolicy), ['Cluster', 'Local']));
  }
  if (present(spec.trafficDistribution) && str(spec.trafficDistribution) !== 'PreferClose') {
    errs.push(notSupported('spec.trafficDistribution', str(spec.trafficDistribution), ['PreferClose']));
  }
  return errs;
}

/** validateUpgradeDowngradeClusterIPs: allocated addresses never change (ExternalName aside). */
function validateClusterIPsUpdate(spec: JsonObject, oldSpec: JsonObject): FieldError[] {
  if (str(spec.type) === 'ExternalName' || str(oldSpec.type) === 'ExternalName') return [];
  if (isHeadless(spec) && isHeadless(oldSpec)) return [];
  const errs: FieldError[] = [];
  const next = arr(spec.clusterIPs).map(str);
  const prev = arr(oldSpec.clusterIPs).map(str);
  const value = goStringSlice(next);
  if (prev.length === next.length) {
    prev.forEach((ip, i) => {
      if (ip !== next[i]) errs.push(invalid(index('spec.clusterIPs', i), value, 'may not change once set'));
    });
  } else if (prev.length > next.length) {
    if (next.length === 0) errs.push(invalid('spec.clusterIPs[0]', value, 'primary clusterIP can not be unset'));
    if (prev.length > 0 && next.length > 0 && next[0] !== prev[0]) errs.push(invalid('spec.clusterIPs[0]', value, 'may not change once set'));
    if (next.length === 1 && str(spec.ipFamilyPolicy) !== 'SingleStack') {
      errs.push(invalid('spec.clusterIPs[0]', value, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (prev.length > 0 && next[0] !== prev[0]) {
    errs.push(invalid('spec.clusterIPs[0]', value, 'may not change once set'));
  }
  return errs;
}

function validateIPFamiliesUpdate(spec: JsonObject, oldSpec: JsonObject): FieldError[] {
  if (str(spec.type) === 'ExternalName' || str(oldSpec.type) === 'ExternalName') return [];
  const next = arr(spec.ipFamilies).map(str);
  const prev = arr(oldSpec.ipFamilies).map(str);
  const value = goStringSlice(next);
  const errs: FieldError[] = [];
  if (prev.length === next.length) {
    prev.forEach((f, i) => {
      if (f !== next[i]) errs.push(invalid(index('spec.ipFamilies', 0), value, 'may not change once set'));
    });
  } else if (prev.length > 0 && next.length > 0 && next[0] !== prev[0]) {
    errs.push(invalid('spec.ipFamilies', value, 'may not change once set'));
  }
  return errs;
}

export function validateServiceUpdate(service: KubeObject, old: KubeObject): FieldError[] {
  const spec = objOr(service.spec);
  const oldSpec = objOr(old.spec);
  const errs = validateObjectMetaUpdate(service.metadata, old.metadata);
  errs.push(...validateClusterIPsUpdate(spec, oldSpec));
  errs.push(...validateIPFamiliesUpdate(spec, oldSpec));
  const lbClass = spec.loadBalancerClass;
  const oldLbClass = oldSpec.loadBalancerClass;
  if (str(oldSpec.type) === 'LoadBalancer' && str(spec.type) === 'LoadBalancer' && str(lbClass) !== str(oldLbClass)) {
    errs.push(invalid('spec.loadBalancerClass', lbClass ?? null, 'may not change once set'));
  }
  const needsHealthCheck = (s: JsonObject): boolean => str(s.type) === 'LoadBalancer' && str(s.externalTrafficPolicy) === 'Local';
  if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && spec.healthCheckNodePort !== oldSpec.healthCheckNodePort) {
    errs.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  errs.push(...validateService(service));
  return errs;
}
