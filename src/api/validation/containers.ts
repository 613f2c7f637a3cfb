// Containers of a pod spec: names, images, ports, env, mounts, probes,
// lifecycle hooks, resources and security context
// (pkg/apis/core/validation validateContainerCommon and friends).

import type { FieldError } from '../types.js';
import { child, duplicate, forbidden, index, invalid, notFound, notSupported, required } from './field.js';
import { goIntOrString } from './govalue.js';
import { arr, isObject, obj, objects, present, str, type JsonObject } from './json.js';
import { validateDownwardAPIFieldRef, validateResourceFieldRef } from './downward.js';
import { validateNonnegativeField } from './meta.js';
import { isConfigMapKey, isDNS1123Label, isHTTPHeaderName, isRelaxedEnvVarName, isValidPortName, isValidPortNum, isValidUserID, nameIsDNSSubdomain } from './names.js';
import { validateResourceRequirements } from './resources.js';
import { validateLocalDescendingPath, validatePathNoBacksteps, type ValidVolumes } from './volumes.js';

export const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];

export interface ContainerContext {
  volumes: ValidVolumes;
  /** spec.terminationGracePeriodSeconds, bounding sleep hooks. */
  gracePeriod: number | undefined;
  podRestartPolicy: string;
  hostUsers: boolean;
}

// --- Ports -----------------------------------------------------------------------

function validateContainerPorts(ports: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objects(ports).forEach((port, i) => {
    const portPath = index(field, i);
    const name = str(port.name);
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) errs.push(...msgs.map((m) => invalid(child(portPath, 'name'), name, m)));
      else if (names.has(name)) errs.push(duplicate(child(portPath, 'name'), name));
      else names.add(name);
    }
    const containerPort = typeof port.containerPort === 'number' ? port.containerPort : 0;
    if (containerPort === 0) errs.push(required(child(portPath, 'containerPort')));
    else errs.push(...isValidPortNum(containerPort).map((m) => invalid(child(portPath, 'containerPort'), containerPort, m)));
    const hostPort = typeof port.hostPort === 'number' ? port.hostPort : 0;
    if (hostPort !== 0) errs.push(...isValidPortNum(hostPort).map((m) => invalid(child(portPath, 'hostPort'), hostPort, m)));
    errs.push(...validateProtocol(port.protocol, child(portPath, 'protocol')));
  });
  return errs;
}

export function validateProtocol(protocol: unknown, field: string): FieldError[] {
  const p = str(protocol);
  if (p === '') return [required(field)];
  return supportedPortProtocols.includes(p) ? [] : [notSupported(field, p, supportedPortProtocols)];
}

/** ValidatePortNumOrName for IntOrString ports (probes, service targetPort). */
export function validatePortNumOrName(port: unknown, field: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(field, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(field, port, m));
  return [invalid(field, goIntOrString(port), 'must be an integer or a port name')];
}

// --- Environment -------------------------------------------------------------------

function validateKeySelector(ref: JsonObject, field: string): FieldError[] {
  const errs = nameIsDNSSubdomain(str(ref.name), false).map((m) => invalid(child(field, 'name'), str(ref.name), m));
  const k = str(ref.key);
  if (k === '') errs.push(required(child(field, 'key')));
  else errs.push(...isConfigMapKey(k).map((m) => invalid(child(field, 'key'), k, m)));
  return errs;
}

function validateEnvVarValueFrom(envVar: JsonObject, field: string): FieldError[] {
  const valueFrom = obj(envVar.valueFrom);
  if (!valueFrom) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  const fieldRef = obj(valueFrom.fieldRef);
  if (fieldRef) {
    sources++;
    errs.push(...validateDownwardAPIFieldRef(fieldRef, 'env', child(field, 'fieldRef')));
  }
  const resourceFieldRef = obj(valueFrom.resourceFieldRef);
  if (resourceFieldRef) {
    sources++;
    errs.push(...validateResourceFieldRef(resourceFieldRef, false, child(field, 'resourceFieldRef')));
  }
  for (const kind of ['configMapKeyRef', 'secretKeyRef'] as const) {
    const ref = obj(valueFrom[kind]);
    if (ref) {
      sources++;
      errs.push(...validateKeySelector(ref, child(field, kind)));
    }
  }
  if (sources === 0) errs.push(invalid(field, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (str(envVar.value) !== '') errs.push(invalid(field, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errs.push(invalid(field, '', 'may not have more than one field specified at a time'));
  return errs;
}

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(env).forEach((envVar, i) => {
    const varPath = index(field, i);
    const name = str(envVar.name);
    if (name === '') errs.push(required(child(varPath, 'name')));
    else errs.push(...isRelaxedEnvVarName(name).map((m) => invalid(child(varPath, 'name'), name, m)));
    errs.push(...validateEnvVarValueFrom(envVar, child(varPath, 'valueFrom')));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(envFrom).forEach((source, i) => {
    const sourcePath = index(field, i);
    const prefix = str(source.prefix);
    if (prefix !== '') errs.push(...isRelaxedEnvVarName(prefix).map((m) => invalid(child(sourcePath, 'prefix'), prefix, m)));
    let sources = 0;
    for (const kind of ['configMapRef', 'secretRef'] as const) {
      const ref = obj(source[kind]);
      if (!ref) continue;
      sources++;
      const name = str(ref.name);
      if (name === '') errs.push(required(child(sourcePath, kind, 'name')));
      else errs.push(...nameIsDNSSubdomain(name, true).map((m) => invalid(child(sourcePath, kind, 'name'), name, m)));
    }
    // Kubernetes reports these two against the list, not the entry.
    if (sources === 0) errs.push(invalid(field, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(invalid(field, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

// --- Volume mounts and devices ---------------------------------------------------------

const mountPropagations = ['Bidirectional', 'HostToContainer', 'None'];

function isPrivileged(container: JsonObject): boolean {
  return obj(container.securityContext)?.privileged === true;
}

function validateVolumeMounts(container: JsonObject, volumes: ValidVolumes, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPaths = new Set<string>();
  const devices = new Map(objects(container.volumeDevices).map((d) => [str(d.name), str(d.devicePath)]));
  const devicePaths = new Set(devices.values());
  objects(container.volumeMounts).forEach((mount, i) => {
    const mountPath = index(field, i);
    const name = str(mount.name);
    const path = str(mount.mountPath);
    if (name === '') errs.push(required(child(mountPath, 'name')));
    if (!volumes.has(name)) errs.push(notFound(child(mountPath, 'name'), name));
    if (path === '') errs.push(required(child(mountPath, 'mountPath')));
    if (mountPaths.has(path)) errs.push(invalid(child(mountPath, 'mountPath'), path, 'must be unique'));
    mountPaths.add(path);
    if (devices.has(name)) errs.push(invalid(child(mountPath, 'name'), name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(path)) errs.push(invalid(child(mountPath, 'mountPath'), path, 'must not already exist as a path in volumeDevices'));
    const subPath = str(mount.subPath);
    const subPathExpr = str(mount.subPathExpr);
    if (isObject(volumes.get(name)?.image)) {
      if (subPath !== '') errs.push(invalid(child(mountPath, 'subPath'), subPath, 'not allowed in image volume sources'));
      if (subPathExpr !== '') errs.push(invalid(child(mountPath, 'subPathExpr'), subPathExpr, 'not allowed in image volume sources'));
    }
    // Kubernetes reports these path checks against the list path, not the entry.
    if (subPath !== '') errs.push(...validateLocalDescendingPath(subPath, child(field, 'subPath')));
    if (subPathExpr !== '') {
      if (subPath !== '') errs.push(invalid(child(mountPath, 'subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(subPathExpr, child(field, 'subPathExpr')));
    }
    if (present(mount.mountPropagation)) {
      const propagation = str(mount.mountPropagation);
      const propagationPath = child(field, 'mountPropagation');
      if (!mountPropagations.includes(propagation)) errs.push(notSupported(propagationPath, propagation, mountPropagations));
      if (propagation === 'Bidirectional' && !isPrivileged(container)) {
        errs.push(forbidden(propagationPath, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
    if (present(mount.recursiveReadOnly)) {
      const rro = str(mount.recursiveReadOnly);
      const rroPath = child(field, 'recursiveReadOnly');
      if (rro === 'Enabled' || rro === 'IfPossible') {
        if (mount.readOnly !== true) errs.push(forbidden(rroPath, 'may only be specified when readOnly is true'));
        if (present(mount.mountPropagation) && str(mount.mountPropagation) !== 'None') {
          errs.push(forbidden(rroPath, 'may only be specified when mountPropagation is None or not specified'));
        }
      } else if (rro !== 'Disabled') {
        errs.push(notSupported(rroPath, rro, ['Disabled', 'Enabled', 'IfPossible']));
      }
    }
  });
  return errs;
}

function validateVolumeDevices(container: JsonObject, volumes: ValidVolumes, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const mounts = new Map(objects(container.volumeMounts).map((m) => [str(m.name), str(m.mountPath)]));
  const mountPaths = new Set(mounts.values());
  const names = new Set<string>();
  const paths = new Set<string>();
  objects(container.volumeDevices).forEach((device, i) => {
    const devicePath = index(field, i);
    const name = str(device.name);
    const path = str(device.devicePath);
    const volume = volumes.get(name);
    if (name === '') errs.push(required(child(devicePath, 'name')));
    if (names.has(name)) errs.push(invalid(child(devicePath, 'name'), name, 'must be unique'));
    if (volume && !isObject(volume.persistentVolumeClaim) && !isObject(volume.ephemeral)) {
      errs.push(invalid(child(devicePath, 'name'), name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    }
    if (!volume) errs.push(notFound(child(devicePath, 'name'), name));
    if (path === '') errs.push(required(child(devicePath, 'devicePath')));
    if (paths.has(path)) errs.push(invalid(child(devicePath, 'devicePath'), path, 'must be unique'));
    if (path !== '' && validatePathNoBacksteps(path, '').length > 0) errs.push(invalid(child(devicePath, 'devicePath'), path, "can not contain backsteps ('..')"));
    else paths.add(path);
    if (mounts.has(name)) errs.push(invalid(child(devicePath, 'name'), name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(path)) errs.push(invalid(child(devicePath, 'devicePath'), path, 'must not already exist as a path in volumeMounts'));
    if (name !== '') names.add(name);
  });
  return errs;
}

// --- Probes and lifecycle handlers ---------------------------------------------------------

const httpSchemes = ['HTTP', 'HTTPS'];

function validateHandler(handler: JsonObject, kinds: readonly string[], ctx: ContainerContext, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of kinds) {
    const action = obj(handler[kind]);
    if (!action) continue;
    const actionPath = child(field, kind);
    if (count > 0) {
      errs.push(forbidden(actionPath, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    switch (kind) {
      case 'exec':
        if (arr(action.command).length === 0) errs.push(required(child(actionPath, 'command')));
        break;
      case 'httpGet':
        if (str(action.path) === '') errs.push(required(child(actionPath, 'path')));
        errs.push(...validatePortNumOrName(action.port, child(actionPath, 'port')));
        if (!httpSchemes.includes(str(action.scheme))) errs.push(notSupported(child(actionPath, 'scheme'), str(action.scheme), httpSchemes));
        for (const header of objects(action.httpHeaders)) {
          errs.push(...isHTTPHeaderName(str(header.name)).map((m) => invalid(child(actionPath, 'httpHeaders'), str(header.name), m)));
        }
        break;
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(action.port, child(actionPath, 'port')));
        break;
      case 'grpc': {
        const port = typeof action.port === 'number' ? action.port : 0;
        errs.push(...isValidPortNum(port).map((m) => invalid(child(actionPath, 'port'), port, m)));
        break;
      }
      case 'sleep': {
        const seconds = typeof action.seconds === 'number' ? action.seconds : 0;
        const grace = ctx.gracePeriod;
        if (grace !== undefined && (seconds <= 0 || seconds > grace)) {
          errs.push(
            invalid(actionPath, seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${grace}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`),
          );
        }
        break;
      }
    }
  }
  if (count === 0) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

const probeHandlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const lifecycleHandlers = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;

type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

function validateProbe(probe: JsonObject, kind: ProbeKind, ctx: ContainerContext, field: string): FieldError[] {
  const errs = validateHandler(probe, probeHandlers, ctx, field);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonnegativeField(typeof probe[f] === 'number' ? probe[f] : 0, child(field, f)));
  }
  const grace = probe.terminationGracePeriodSeconds;
  if (typeof grace === 'number' && grace <= 0) errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), grace, 'must be greater than 0'));
  const successThreshold = typeof probe.successThreshold === 'number' ? probe.successThreshold : 0;
  if (kind !== 'readinessProbe' && successThreshold !== 1) errs.push(invalid(child(field, 'successThreshold'), successThreshold, 'must be 1'));
  if (kind === 'readinessProbe' && present(grace)) errs.push(invalid(child(field, 'terminationGracePeriodSeconds'), grace, 'must not be set for readinessProbes'));
  return errs;
}

function validateProbesAndLifecycle(container: JsonObject, ctx: ContainerContext, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const lifecycle = obj(container.lifecycle);
  if (lifecycle) {
    for (const hook of ['postStart', 'preStop']) {
      const handler = obj(lifecycle[hook]);
      if (handler) errs.push(...validateHandler(handler, lifecycleHandlers, ctx, child(field, 'lifecycle', hook)));
    }
  }
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = obj(container[kind]);
    if (probe) errs.push(...validateProbe(probe, kind, ctx, child(field, kind)));
  }
  return errs;
}

// --- Security context -------------------------------------------------------------------

export function validateSeccompProfile(profile: unknown, field: string): FieldError[] {
  const sp = obj(profile);
  if (!sp) return [];
  const errs: FieldError[] = [];
  const type = str(sp.type);
  const types = ['Localhost', 'RuntimeDefault', 'Unconfined'];
  if (type === '') errs.push(required(child(field, 'type'), 'type is required when seccompProfile is set'));
  else if (!types.includes(type)) errs.push(notSupported(child(field, 'type'), type, types));
  if (type === 'Localhost') {
    if (!present(sp.localhostProfile)) errs.push(required(child(field, 'localhostProfile'), 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(str(sp.localhostProfile), child(field, 'localhostProfile')));
  } else if (present(sp.localhostProfile)) {
    errs.push(invalid(child(field, 'localhostProfile'), sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

export function validateAppArmorProfile(profile: unknown, field: string): FieldError[] {
  const p = obj(profile);
  if (!p) return [];
  const type = str(p.type);
  switch (type) {
    case 'Localhost': {
      const local = p.localhostProfile;
      if (typeof local !== 'string' || local.trim() === '') {
        if (typeof local === 'string' && local.trim() !== local) return [invalid(child(field, 'localhostProfile'), local, 'must not be padded with whitespace')];
        return [required(child(field, 'localhostProfile'), 'must be set when AppArmor type is Localhost')];
      }
      return local.trim() !== local ? [invalid(child(field, 'localhostProfile'), local, 'must not be padded with whitespace')] : [];
    }
    case 'RuntimeDefault':
    case 'Unconfined':
      return present(p.localhostProfile) ? [invalid(child(field, 'localhostProfile'), p.localhostProfile, 'can only be set when AppArmor type is Localhost')] : [];
    case '':
      return [required(child(field, 'type'), 'type is required when appArmorProfile is set')];
    default:
      return [notSupported(child(field, 'type'), type, ['Localhost', 'RuntimeDefault', 'Unconfined'])];
  }
}

export function validateIDs(sc: JsonObject, fields: readonly string[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of fields) {
    const v = sc[f];
    if (typeof v === 'number') errs.push(...isValidUserID(v).map((m) => invalid(child(field, f), v, m)));
  }
  return errs;
}

function validateSecurityContext(securityContext: unknown, hostUsers: boolean, field: string): FieldError[] {
  const sc = obj(securityContext);
  if (!sc) return [];
  const errs = validateIDs(sc, ['runAsUser', 'runAsGroup'], field);
  if (present(sc.procMount)) {
    const procMount = str(sc.procMount);
    if (procMount !== 'Default' && procMount !== 'Unmasked') errs.push(notSupported(child(field, 'procMount'), procMount, ['Default', 'Unmasked']));
    if (hostUsers && procMount === 'Unmasked') errs.push(invalid(child(field, 'procMount'), procMount, '`hostUsers` must be false to use `Unmasked`'));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, child(field, 'seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) errs.push(invalid(field, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
    const added = arr(obj(sc.capabilities)?.add).map(str);
    if (added.includes('CAP_SYS_ADMIN')) errs.push(invalid(field, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  }
  errs.push(...validateAppArmorProfile(sc.appArmorProfile, child(field, 'appArmorProfile')));
  return errs;
}

// --- Containers ------------------------------------------------------------------------------

const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];

function validateResizePolicy(policies: unknown, podRestartPolicy: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objects(policies).forEach((p, i) => {
    const resource = str(p.resourceName);
    const restart = str(p.restartPolicy);
    if (seen.has(resource)) errs.push(duplicate(index(field, i), resource));
    seen.add(resource);
    if (resource === '') errs.push(required(field));
    else if (resource !== 'cpu' && resource !== 'memory') errs.push(notSupported(field, resource, ['cpu', 'memory']));
    if (restart === '') errs.push(required(field));
    else if (restart !== 'NotRequired' && restart !== 'RestartContainer') errs.push(notSupported(field, restart, ['NotRequired', 'RestartContainer']));
    if (podRestartPolicy === 'Never' && restart !== 'NotRequired') errs.push(invalid(field, restart, "must be 'NotRequired' when `restartPolicy` is 'Never'"));
  });
  return errs;
}

/** validateContainerCommon: what every kind of container must satisfy. */
function validateContainerCommon(container: JsonObject, ctx: ContainerContext, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(container.name);
  if (name === '') errs.push(required(child(field, 'name')));
  else errs.push(...isDNS1123Label(name).map((m) => invalid(child(field, 'name'), name, m)));
  if (str(container.image) === '') errs.push(required(child(field, 'image')));
  const tmp = str(container.terminationMessagePolicy);
  if (tmp === '') errs.push(required(child(field, 'terminationMessagePolicy')));
  else if (!terminationMessagePolicies.includes(tmp)) errs.push(notSupported(child(field, 'terminationMessagePolicy'), tmp, terminationMessagePolicies));
  errs.push(...validateContainerPorts(container.ports, child(field, 'ports')));
  errs.push(...validateEnv(container.env, child(field, 'env')));
  errs.push(...validateEnvFrom(container.envFrom, child(field, 'envFrom')));
  errs.push(...validateVolumeMounts(container, ctx.volumes, child(field, 'volumeMounts')));
  errs.push(...validateVolumeDevices(container, ctx.volumes, child(field, 'volumeDevices')));
  const pull = str(container.imagePullPolicy);
  if (pull === '') errs.push(required(child(field, 'imagePullPolicy')));
  else if (!pullPolicies.includes(pull)) errs.push(notSupported(child(field, 'imagePullPolicy'), pull, pullPolicies));
  errs.push(...validateResourceRequirements(container.resources, child(field, 'resources')));
  errs.push(...validateResizePolicy(container.resizePolicy, ctx.podRestartPolicy, child(field, 'resizePolicy')));
  errs.push(...validateSecurityContext(container.securityContext, ctx.hostUsers, child(field, 'securityContext')));
  return errs;
}

/** AccumulateUniqueHostPorts: a protocol/hostIP/hostPort triple may be claimed once. */
function checkHostPortConflicts(containers: JsonObject[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((container, ci) => {
    objects(container.ports).forEach((port, pi) => {
      const hostPort = typeof port.hostPort === 'number' ? port.hostPort : 0;
      if (hostPort === 0) return;
      const claim = `${str(port.protocol)}/${str(port.hostIP)}/${hostPort}`;
      if (seen.has(claim)) errs.push(duplicate(child(index(child(index(field, ci), 'ports'), pi), 'hostPort'), claim));
      else seen.add(claim);
    });
  });
  return errs;
}

export function validateContainers(containers: unknown, ctx: ContainerContext, field: string): FieldError[] {
  const list = objects(containers);
  if (list.length === 0) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((container, i) => {
    const path = index(field, i);
    errs.push(...validateContainerCommon(container, ctx, path));
    const name = str(container.name);
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else names.add(name);
    errs.push(...validateProbesAndLifecycle(container, ctx, path));
    if (present(container.restartPolicy)) errs.push(forbidden(child(path, 'restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(list, field));
  return errs;
}

export function validateInitContainers(initContainers: unknown, containers: unknown, ctx: ContainerContext, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(objects(containers).map((c) => str(c.name)));
  objects(initContainers).forEach((container, i) => {
    const path = index(field, i);
    errs.push(...validateContainerCommon(container, ctx, path));
    let restartable = false;
    if (present(container.restartPolicy)) {
      const policy = str(container.restartPolicy);
      if (policy !== 'Always') errs.push(notSupported(child(path, 'restartPolicy'), policy, ['Always']));
      restartable = policy === 'Always';
    }
    const name = str(container.name);
    if (names.has(name)) errs.push(duplicate(child(path, 'name'), name));
    else if (name !== '') names.add(name);
    // Init containers run one at a time, so each is checked on its own (and reported at index 0, as Kubernetes does).
    errs.push(...checkHostPortConflicts([container], field));
    if (restartable) {
      errs.push(...validateProbesAndLifecycle(container, ctx, path));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (present(container[f])) errs.push(forbidden(child(path, f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return errs;
}
