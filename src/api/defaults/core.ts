// Defaults of the core/v1 kinds other than Pod (pkg/apis/core/v1/defaults.go),
// plus what the Namespace and Service registries fill in on create.

import { arr, isObject, objects, str, type JsonObject } from '../validation/json.js';
import { defaultPodTemplate, defaultResourceList, ensureObject, setIfUnset } from './pod.js';

/** 10800 seconds: the ClientIP session affinity timeout. */
const DefaultClientIPServiceAffinitySeconds = 10800;

export function defaultService(service: JsonObject): void {
  const spec = ensureObject(service, 'spec');
  setIfUnset(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const clientIP = isObject(spec.sessionAffinityConfig) && isObject(spec.sessionAffinityConfig.clientIP) ? spec.sessionAffinityConfig.clientIP : undefined;
    if (typeof clientIP?.timeoutSeconds !== 'number') spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DefaultClientIPServiceAffinitySeconds } };
  }
  setIfUnset(spec, 'type', 'ClusterIP');
  for (const port of objects(spec.ports)) {
    setIfUnset(port, 'protocol', 'TCP');
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  const type = str(spec.type);
  if ((type === 'NodePort' || type === 'LoadBalancer') && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (type !== 'ExternalName') setIfUnset(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts == null) spec.allocateLoadBalancerNodePorts = true;
  if (type !== 'ExternalName') {
    // What the Service registry settles before allocation: clusterIPs mirrors a
    // clusterIP the client set, and the family policy is single-stack unless a
    // selector-less headless service asks for every family.
    if (str(spec.clusterIP) !== '' && arr(spec.clusterIPs).length === 0) spec.clusterIPs = [spec.clusterIP];
    const headlessWithoutSelector = spec.clusterIP === 'None' && (!isObject(spec.selector) || Object.keys(spec.selector).length === 0);
    setIfUnset(spec, 'ipFamilyPolicy', headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
    if (arr(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
  }
}

export function defaultNamespace(ns: JsonObject): void {
  const spec = ensureObject(ns, 'spec');
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  setIfUnset(ensureObject(ns, 'status'), 'phase', 'Active');
}

export function defaultSecret(secret: JsonObject): void {
  setIfUnset(secret, 'type', 'Opaque');
}

export function defaultEndpoints(endpoints: JsonObject): void {
  for (const subset of objects(endpoints.subsets)) for (const port of objects(subset.ports)) setIfUnset(port, 'protocol', 'TCP');
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function defaultNode(node: JsonObject): void {
  const status = isObject(node.status) ? node.status : undefined;
  if (!status) return;
  defaultResourceList(status.capacity);
  if (isObject(status.capacity) && !isObject(status.allocatable)) status.allocatable = { ...status.capacity };
  defaultResourceList(status.allocatable);
}

export function defaultPodTemplateKind(podTemplate: JsonObject): void {
  defaultPodTemplate(ensureObject(podTemplate, 'template'));
}
