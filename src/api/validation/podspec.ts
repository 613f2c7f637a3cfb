// PodSpec and PodTemplateSpec validation (ValidatePodSpec,
// ValidatePodTemplateSpec). One validator serves Pods and every workload's
// template; `resourceIsPod` switches on the few rules that apply to Pods only.

import type { FieldError } from '../types.js';
import { child, duplicate, forbidden, index, invalid, notSupported, required } from './field.js';
import { goStringSlice } from './govalue.js';
import { arr, isObject, obj, objOr, objects, present, str, type JsonObject } from './json.js';
import { validateAnnotations, validateLabelName, validateLabels, validateLabelSelector, validateQualifiedName } from './meta.js';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isValidIPMessage, isValidLabelValue, nameIsDNSSubdomain, isValidUserID } from './names.js';
import { validateAppArmorProfile, validateContainers, validateIDs, validateInitContainers, validateSeccompProfile, type ContainerContext } from './containers.js';
import { validateResourceRequirements } from './resources.js';
import { validateVolumes } from './volumes.js';

export interface PodSpecOptions {
  /** The spec belongs to a Pod (not a template): hostPort must equal containerPort under hostNetwork. */
  resourceIsPod?: boolean;
  /** The pod's name, needed to check the PVC names of generic ephemeral volumes. */
  podName?: string;
}

const MaxInt32 = 2147483647;

// --- Scheduling ---------------------------------------------------------------------

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTolerations(tolerations: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(tolerations).forEach((t, i) => {
    const path = index(field, i);
    const k = str(t.key);
    const operator = str(t.operator);
    const effect = str(t.effect);
    const value = str(t.value);
    if (k !== '') errs.push(...validateLabelName(k, child(path, 'key')));
    if (k === '' && operator !== 'Exists') {
      errs.push(invalid(child(path, 'operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (present(t.tolerationSeconds) && effect !== 'NoExecute') {
      errs.push(invalid(child(path, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(invalid(child(path, 'operator'), value, msgs.join(';')));
    } else if (operator === 'Exists') {
      if (value !== '') errs.push(invalid(child(path, 'operator'), value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(child(path, 'operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '' && !taintEffects.includes(effect)) errs.push(notSupported(child(path, 'effect'), effect, taintEffects));
  });
  return errs;
}

function validateNodeSelectorRequirement(req: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const operator = str(req.operator);
  const values = arr(req.values).map(str);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(child(field, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(child(field, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(child(field, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(child(field, 'operator'), operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(str(req.key), child(field, 'key')));
  values.forEach((v, i) => errs.push(...isValidLabelValue(v).map((m) => invalid(index(child(field, 'values'), i), v, m))));
  return errs;
}

function validateNodeSelectorTerm(term: JsonObject, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(term.matchExpressions).forEach((req, i) => errs.push(...validateNodeSelectorRequirement(req, index(child(field, 'matchExpressions'), i))));
  objects(term.matchFields).forEach((req, i) => {
    const path = index(child(field, 'matchFields'), i);
    const operator = str(req.operator);
    const values = arr(req.values).map(str);
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length !== 1) errs.push(required(child(path, 'values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    } else {
      errs.push(invalid(child(path, 'operator'), operator, 'not a valid selector operator'));
    }
    if (str(req.key) !== 'metadata.name') errs.push(invalid(child(path, 'key'), str(req.key), 'not a valid field selector key'));
    else values.forEach((v, j) => errs.push(...nameIsDNSSubdomain(v, false).map((m) => invalid(index(child(path, 'values'), j), v, m))));
  });
  return errs;
}

export function validateNodeSelector(selector: JsonObject, field: string): FieldError[] {
  const termsPath = child(field, 'nodeSelectorTerms');
  const terms = objects(selector.nodeSelectorTerms);
  if (terms.length === 0) return [required(termsPath, 'must have at least one node selector term')];
  return terms.flatMap((term, i) => validateNodeSelectorTerm(term, index(termsPath, i)));
}

function validatePodAffinityTerm(term: JsonObject, field: string): FieldError[] {
  const errs = validateLabelSelector(term.labelSelector, child(field, 'labelSelector'));
  errs.push(...validateLabelSelector(term.namespaceSelector, child(field, 'namespaceSelector')));
  for (const ns of arr(term.namespaces).map(str)) errs.push(...isDNS1123Label(ns).map((m) => invalid(child(field, 'namespace'), ns, m)));
  const topologyKey = str(term.topologyKey);
  if (topologyKey === '') errs.push(required(child(field, 'topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(topologyKey, child(field, 'topologyKey')));
  return errs;
}

function validateWeight(weight: unknown, field: string): FieldError[] {
  const w = typeof weight === 'number' ? weight : 0;
  return w <= 0 || w > 100 ? [invalid(field, w, 'must be in the range 1-100')] : [];
}

function validateAffinity(affinity: unknown, field: string): FieldError[] {
  const a = obj(affinity);
  if (!a) return [];
  const errs: FieldError[] = [];
  const node = obj(a.nodeAffinity);
  if (node) {
    const nodePath = child(field, 'nodeAffinity');
    const requiredTerms = obj(node.requiredDuringSchedulingIgnoredDuringExecution);
    if (requiredTerms) errs.push(...validateNodeSelector(requiredTerms, child(nodePath, 'requiredDuringSchedulingIgnoredDuringExecution')));
    objects(node.preferredDuringSchedulingIgnoredDuringExecution).forEach((term, i) => {
      const path = index(child(nodePath, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      errs.push(...validateWeight(term.weight, child(path, 'weight')));
      errs.push(...validateNodeSelectorTerm(objOr(term.preference), child(path, 'preference')));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const podAffinity = obj(a[kind]);
    if (!podAffinity) continue;
    const path = child(field, kind);
    objects(podAffinity.requiredDuringSchedulingIgnoredDuringExecution).forEach((term, i) => {
      errs.push(...validatePodAffinityTerm(term, index(child(path, 'requiredDuringSchedulingIgnoredDuringExecution'), i)));
    });
    objects(podAffinity.preferredDuringSchedulingIgnoredDuringExecution).forEach((term, i) => {
      const termPath = index(child(path, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
      errs.push(...validateWeight(term.weight, child(termPath, 'weight')));
      errs.push(...validatePodAffinityTerm(objOr(term.podAffinityTerm), child(termPath, 'podAffinityTerm')));
    });
  }
  return errs;
}

function validateTopologySpreadConstraints(constraints: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const list = objects(constraints);
  list.forEach((c, i) => {
    const path = index(field, i);
    const maxSkew = typeof c.maxSkew === 'number' ? c.maxSkew : 0;
    if (maxSkew <= 0) errs.push(invalid(child(path, 'maxSkew'), maxSkew, 'must be greater than zero'));
    if (str(c.topologyKey) === '') errs.push(required(child(path, 'topologyKey'), 'can not be empty'));
    const action = str(c.whenUnsatisfiable);
    if (action !== 'DoNotSchedule' && action !== 'ScheduleAnyway') errs.push(notSupported(child(path, 'whenUnsatisfiable'), action, ['DoNotSchedule', 'ScheduleAnyway']));
    if (list.slice(i + 1).some((o) => str(o.topologyKey) === str(c.topologyKey) && str(o.whenUnsatisfiable) === action)) {
      errs.push(duplicate(child(path, '{topologyKey, whenUnsatisfiable}'), `{${str(c.topologyKey)}, ${action}}`));
    }
    if (present(c.minDomains)) {
      const minDomains = typeof c.minDomains === 'number' ? c.minDomains : 0;
      if (minDomains <= 0) errs.push(invalid(child(path, 'minDomains'), minDomains, 'must be greater than zero'));
      if (action !== 'DoNotSchedule') errs.push(invalid(child(path, 'minDomains'), minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`));
    }
    for (const policy of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      if (present(c[policy]) && !['Honor', 'Ignore'].includes(str(c[policy]))) errs.push(notSupported(child(path, policy), str(c[policy]), ['Honor', 'Ignore']));
    }
    errs.push(...validateLabelSelector(c.labelSelector, child(path, 'labelSelector')));
  });
  return errs;
}

// --- DNS, security, misc ----------------------------------------------------------------------

const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function validateDNSConfig(dnsConfig: unknown, dnsPolicy: string, field: string): FieldError[] {
  const config = obj(dnsConfig);
  if (dnsPolicy === 'None') {
    if (!config) return [required(field, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(config.nameservers).length === 0) return [required(child(field, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!config) return [];
  const errs: FieldError[] = [];
  const nameservers = arr(config.nameservers).map(str);
  if (nameservers.length > 3) errs.push(invalid(child(field, 'nameservers'), goStringSlice(nameservers), 'must not have more than 3 nameservers'));
  nameservers.forEach((ns, i) => errs.push(...isValidIPMessage(ns).map((m) => invalid(index(child(field, 'nameservers'), i), ns, m))));
  const searches = arr(config.searches).map(str);
  if (searches.length > 32) errs.push(invalid(child(field, 'searches'), goStringSlice(searches), 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) {
    errs.push(invalid(child(field, 'searches'), goStringSlice(searches), 'must not have more than 2048 characters (including spaces) in the search list'));
  }
  searches.forEach((s, i) => {
    const search = s.endsWith('.') ? s.slice(0, -1) : s;
    errs.push(...isDNS1123Subdomain(search).map((m) => invalid(index(child(field, 'searches'), i), search, m)));
  });
  objects(config.options).forEach((o, i) => {
    if (str(o.name) === '') errs.push(required(index(child(field, 'options'), i), 'must not be empty'));
  });
  return errs;
}

const sysctlName = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

function validatePodSecurityContext(spec: JsonObject, field: string): FieldError[] {
  const sc = obj(spec.securityContext);
  if (!sc) return [];
  const errs = validateIDs(sc, ['fsGroup', 'runAsUser', 'runAsGroup'], field);
  arr(sc.supplementalGroups).forEach((gid, i) => {
    if (typeof gid === 'number') errs.push(...isValidUserID(gid).map((m) => invalid(index(child(field, 'supplementalGroups'), i), gid, m)));
  });
  if (sc.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(invalid(child(field, 'shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const seen = new Set<string>();
  objects(sc.sysctls).forEach((s, i) => {
    const name = str(s.name);
    const namePath = child(index(child(field, 'sysctls'), i), 'name');
    if (name === '') errs.push(required(namePath));
    else if (name.length > 253 || !sysctlName.test(name)) errs.push(invalid(namePath, name, `must have at most 253 characters and match regex ${sysctlName.source}`));
    else if (seen.has(name)) errs.push(duplicate(namePath, name));
    seen.add(name);
  });
  if (present(sc.fsGroupChangePolicy) && !['Always', 'OnRootMismatch'].includes(str(sc.fsGroupChangePolicy))) {
    errs.push(notSupported(child(field, 'fsGroupChangePolicy'), str(sc.fsGroupChangePolicy), ['Always', 'OnRootMismatch']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, child(field, 'seccompProfile')));
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, child(field, 'appArmorProfile')));
  if (present(sc.supplementalGroupsPolicy) && !['Merge', 'Strict'].includes(str(sc.supplementalGroupsPolicy))) {
    errs.push(notSupported(child(field, 'supplementalGroupsPolicy'), str(sc.supplementalGroupsPolicy), ['Merge', 'Strict']));
  }
  if (present(sc.seLinuxChangePolicy) && !['MountOption', 'Recursive'].includes(str(sc.seLinuxChangePolicy))) {
    errs.push(notSupported(child(field, 'seLinuxChangePolicy'), str(sc.seLinuxChangePolicy), ['MountOption', 'Recursive']));
  }
  return errs;
}

function validateHostNetworkPorts(spec: JsonObject, field: string, resourceIsPod: boolean): FieldError[] {
  if (spec.hostNetwork !== true) return [];
  const errs: FieldError[] = [];
  objects(spec.containers).forEach((container, ci) => {
    objects(container.ports).forEach((port, pi) => {
      const hostPort = typeof port.hostPort === 'number' ? port.hostPort : 0;
      const containerPort = typeof port.containerPort === 'number' ? port.containerPort : 0;
      // Templates may leave hostPort 0: it is defaulted when the pod is created.
      if ((resourceIsPod || hostPort !== 0) && hostPort !== containerPort) {
        errs.push(invalid(child(index(child(index(child(field, 'containers'), ci), 'ports'), pi), 'hostPort'), hostPort, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
  return errs;
}

function validateHostUsers(spec: JsonObject, field: string): FieldError[] {
  if (spec.hostUsers !== false) return [];
  const errs: FieldError[] = [];
  if (spec.hostNetwork === true) errs.push(forbidden(child(field, 'hostNetwork'), 'when `pod.Spec.HostUsers` is false'));
  if (spec.hostPID === true) errs.push(forbidden(child(field, 'HostPID'), 'when `pod.Spec.HostUsers` is false'));
  if (spec.hostIPC === true) errs.push(forbidden(child(field, 'HostIPC'), 'when `pod.Spec.HostUsers` is false'));
  return errs;
}

function validateNamedField(value: unknown, field: string, rule: (v: string) => string[]): FieldError[] {
  const s = str(value);
  return s === '' ? [] : rule(s).map((m) => invalid(field, s, m));
}

/** ValidatePodSpec. */
export function validatePodSpec(specValue: unknown, field: string, options: PodSpecOptions = {}): FieldError[] {
  const spec = objOr(specValue);
  const errs: FieldError[] = [];
  const gracePeriod = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : undefined;
  if (!present(spec.terminationGracePeriodSeconds)) errs.push(required(child(field, 'terminationGracePeriodSeconds')));

  const { volumes, errors: volumeErrors } = validateVolumes(spec.volumes, child(field, 'volumes'), options.podName);
  errs.push(...volumeErrors);
  const ctx: ContainerContext = { volumes, gracePeriod, podRestartPolicy: str(spec.restartPolicy), hostUsers: spec.hostUsers !== false };
  errs.push(...validateContainers(spec.containers, ctx, child(field, 'containers')));
  errs.push(...validateInitContainers(spec.initContainers, spec.containers, ctx, child(field, 'initContainers')));
  errs.push(...validateHostNetworkPorts(spec, field, options.resourceIsPod === true));

  const restartPolicy = str(spec.restartPolicy);
  if (restartPolicy === '') errs.push(required(child(field, 'restartPolicy')));
  else if (!['Always', 'OnFailure', 'Never'].includes(restartPolicy)) errs.push(notSupported(child(field, 'restartPolicy'), restartPolicy, ['Always', 'OnFailure', 'Never']));
  const dnsPolicy = str(spec.dnsPolicy);
  if (dnsPolicy === '') errs.push(required(child(field, 'dnsPolicy')));
  else if (!dnsPolicies.includes(dnsPolicy)) errs.push(notSupported(child(field, 'dnsPolicy'), dnsPolicy, dnsPolicies));

  errs.push(...validateLabels(spec.nodeSelector, child(field, 'nodeSelector')));
  errs.push(...validatePodSecurityContext(spec, child(field, 'securityContext')));
  objects(spec.imagePullSecrets).forEach((secret, i) => {
    if (Object.keys(secret).some((k) => k !== 'name')) errs.push(invalid(index(child(field, 'imagePullSecrets'), i), secret, 'only name may be set'));
  });
  errs.push(...validateAffinity(spec.affinity, child(field, 'affinity')));
  errs.push(...validateDNSConfig(spec.dnsConfig, dnsPolicy, child(field, 'dnsConfig')));
  objects(spec.readinessGates).forEach((gate, i) => errs.push(...validateQualifiedName(str(gate.conditionType), child(index(child(field, 'readinessGates'), i), 'conditionType'))));
  const gates = new Set<string>();
  objects(spec.schedulingGates).forEach((gate, i) => {
    const name = str(gate.name);
    errs.push(...validateQualifiedName(name, index(child(field, 'schedulingGates'), i)));
    if (gates.has(name)) errs.push(duplicate(index(child(field, 'schedulingGates'), i), name));
    gates.add(name);
  });
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, child(field, 'topologySpreadConstraints')));
  errs.push(...validateHostUsers(spec, field));
  errs.push(...validateNamedField(spec.serviceAccountName, child(field, 'serviceAccountName'), isDNS1123Subdomain));
  errs.push(...validateNamedField(spec.nodeName, child(field, 'nodeName'), isDNS1123Subdomain));
  if (typeof spec.activeDeadlineSeconds === 'number' && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > MaxInt32)) {
    errs.push(invalid(child(field, 'activeDeadlineSeconds'), spec.activeDeadlineSeconds, inclusiveRangeError(1, MaxInt32)));
  }
  errs.push(...validateNamedField(spec.hostname, child(field, 'hostname'), isDNS1123Label));
  errs.push(...validateNamedField(spec.subdomain, child(field, 'subdomain'), isDNS1123Label));
  errs.push(...validateTolerations(spec.tolerations, child(field, 'tolerations')));
  objects(spec.hostAliases).forEach((alias, i) => {
    const path = index(child(field, 'hostAliases'), i);
    errs.push(...isValidIPMessage(str(alias.ip)).map((m) => invalid(child(path, 'ip'), str(alias.ip), m)));
    arr(alias.hostnames).map(str).forEach((h, j) => errs.push(...isDNS1123Subdomain(h).map((m) => invalid(index(child(path, 'hostnames'), j), h, m))));
  });
  errs.push(...validateNamedField(spec.priorityClassName, child(field, 'priorityClassName'), isDNS1123Subdomain));
  if (present(spec.runtimeClassName)) {
    const rc = str(spec.runtimeClassName);
    errs.push(...isDNS1123Subdomain(rc).map((m) => invalid(child(field, 'runtimeClassName'), rc, m)));
  }
  if (present(spec.preemptionPolicy)) {
    const policy = str(spec.preemptionPolicy);
    if (policy === '') errs.push(required(child(field, 'preemptionPolicy')));
    else if (policy !== 'PreemptLowerPriority' && policy !== 'Never') errs.push(notSupported(child(field, 'preemptionPolicy'), policy, ['PreemptLowerPriority', 'Never']));
  }
  if (isObject(spec.overhead)) errs.push(...validateResourceRequirements({ limits: spec.overhead }, child(field, 'overhead')));
  const os = obj(spec.os);
  if (os) {
    const osName = str(os.name);
    if (osName === '') errs.push(required(child(field, 'os', 'name')));
    else if (osName !== 'linux' && osName !== 'windows') errs.push(notSupported(child(field, 'os', 'name'), osName, ['linux', 'windows']));
  }
  return errs;
}

/**
 * ValidatePodTemplateSpec: the template's labels and annotations, then its
 * spec. Kubernetes reports template label errors at `<template>.labels` (the
 * metadata is embedded in Go), unlike the selector check's `<template>.metadata.labels`.
 */
export function validatePodTemplateSpec(templateValue: unknown, field: string): FieldError[] {
  const template = objOr(templateValue);
  const meta = objOr(template.metadata);
  const errs = [...validateLabels(meta.labels, child(field, 'labels')), ...validateAnnotations(meta.annotations, child(field, 'annotations'))];
  errs.push(...validatePodSpec(template.spec, child(field, 'spec')));
  if (arr(objOr(template.spec).ephemeralContainers).length > 0) {
    errs.push(forbidden(child(field, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}
