// Pod and pod-template defaults (pkg/apis/core/v1/defaults.go:
// SetDefaults_PodSpec, SetDefaults_Container, SetDefaults_Probe, volume
// sources, ...). Workload templates get these through defaultPodTemplate;
// Pods additionally get SetDefaults_Pod (defaultPod).

import { canonicalQuantity, parseQuantity, roundUp, formatQuantity, quantityError } from '../validation/quantity.js';
import { isObject, objects, type JsonObject } from '../validation/json.js';
import { defaultPersistentVolumeClaimSpec } from './storage.js';

/** Ensures obj[key] is an object and returns it (a Go struct field that is never nil). */
export function ensureObject(obj: JsonObject, key: string): JsonObject {
  const v = obj[key];
  if (isObject(v)) return v;
  const fresh: JsonObject = {};
  obj[key] = fresh;
  return fresh;
}

export function setIfUnset(obj: JsonObject, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null || obj[key] === '') obj[key] = value;
}

/**
 * SetDefaults_ResourceList: quantities are rounded up to milli-units and, as
 * the API server re-serialises them, written back in canonical form.
 */
export function defaultResourceList(list: unknown): void {
  if (!isObject(list)) return;
  for (const [name, value] of Object.entries(list)) {
    if ((typeof value !== 'string' && typeof value !== 'number') || quantityError(value)) continue; // validation reports it
    list[name] = formatQuantity(roundUp(parseQuantity(value), -3));
  }
}

/** The image tag as parsers.ParseImageName sees it: "latest" when neither tag nor digest is given. */
function imageTag(image: string): string {
  if (image.includes('@')) return '';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 ? 'latest' : image.slice(colon + 1);
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return;
  for (const [key, value] of [
    ['timeoutSeconds', 1],
    ['periodSeconds', 10],
    ['successThreshold', 1],
    ['failureThreshold', 3],
  ] as const) {
    if (probe[key] === undefined || probe[key] === null || probe[key] === 0) probe[key] = value;
  }
  defaultHandler(probe);
}

function defaultHandler(handler: unknown): void {
  if (!isObject(handler) || !isObject(handler.httpGet)) return;
  setIfUnset(handler.httpGet, 'path', '/');
  setIfUnset(handler.httpGet, 'scheme', 'HTTP');
}

function defaultContainer(container: JsonObject, hostNetwork: boolean): void {
  if (!container.imagePullPolicy) {
    container.imagePullPolicy = imageTag(typeof container.image === 'string' ? container.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  }
  setIfUnset(container, 'terminationMessagePath', '/dev/termination-log');
  setIfUnset(container, 'terminationMessagePolicy', 'File');
  for (const port of objects(container.ports)) {
    setIfUnset(port, 'protocol', 'TCP');
    if (hostNetwork && !port.hostPort) port.hostPort = port.containerPort;
  }
  for (const envVar of objects(container.env)) {
    const fieldRef = isObject(envVar.valueFrom) ? envVar.valueFrom.fieldRef : undefined;
    if (isObject(fieldRef)) setIfUnset(fieldRef, 'apiVersion', 'v1');
  }
  const resources = ensureObject(container, 'resources');
  defaultResourceList(resources.limits);
  defaultResourceList(resources.requests);
  defaultProbe(container.livenessProbe);
  defaultProbe(container.readinessProbe);
  defaultProbe(container.startupProbe);
  if (isObject(container.lifecycle)) {
    defaultHandler(container.lifecycle.postStart);
    defaultHandler(container.lifecycle.preStop);
  }
}

const volumeSourceKeys = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos',
  'csi', 'ephemeral', 'image',
];

/** 0644, the file mode Kubernetes gives projected files by default. */
const DefaultFileMode = 420;

function defaultVolume(volume: JsonObject): void {
  // A volume without any source is an emptyDir.
  if (!volumeSourceKeys.some((k) => isObject(volume[k]))) volume.emptyDir = {};
  for (const source of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    if (isObject(volume[source])) setIfUnset(volume[source] as JsonObject, 'defaultMode', DefaultFileMode);
  }
  if (isObject(volume.hostPath)) setIfUnset(volume.hostPath, 'type', '');
  if (isObject(volume.emptyDir) && volume.emptyDir.sizeLimit !== undefined && !quantityError(volume.emptyDir.sizeLimit)) {
    volume.emptyDir.sizeLimit = canonicalQuantity(volume.emptyDir.sizeLimit as string | number);
  }
  if (isObject(volume.projected)) {
    for (const source of objects(volume.projected.sources)) {
      if (isObject(source.serviceAccountToken)) setIfUnset(source.serviceAccountToken, 'expirationSeconds', 3600);
      const downward = isObject(source.downwardAPI) ? source.downwardAPI : undefined;
      for (const item of objects(downward?.items)) if (isObject(item.fieldRef)) setIfUnset(item.fieldRef, 'apiVersion', 'v1');
    }
  }
  if (isObject(volume.downwardAPI)) {
    for (const item of objects(volume.downwardAPI.items)) if (isObject(item.fieldRef)) setIfUnset(item.fieldRef, 'apiVersion', 'v1');
  }
  if (isObject(volume.iscsi)) setIfUnset(volume.iscsi, 'iscsiInterface', 'default');
  if (isObject(volume.rbd)) {
    setIfUnset(volume.rbd, 'pool', 'rbd');
    setIfUnset(volume.rbd, 'user', 'admin');
    setIfUnset(volume.rbd, 'keyring', '/etc/ceph/keyring');
  }
  const claimTemplate = isObject(volume.ephemeral) ? volume.ephemeral.volumeClaimTemplate : undefined;
  if (isObject(claimTemplate)) defaultPersistentVolumeClaimSpec(ensureObject(claimTemplate, 'spec'));
}

export interface PodSpecDefaultOptions {
  /** Job templates keep an unset restartPolicy so validation can ask for OnFailure or Never. */
  defaultRestartPolicy?: boolean;
}

/** SetDefaults_PodSpec plus the container/volume/probe defaults it pulls in. */
export function defaultPodSpec(spec: JsonObject, options: PodSpecDefaultOptions = {}): void {
  setIfUnset(spec, 'dnsPolicy', 'ClusterFirst');
  if (options.defaultRestartPolicy !== false) setIfUnset(spec, 'restartPolicy', 'Always');
  ensureObject(spec, 'securityContext');
  setIfUnset(spec, 'terminationGracePeriodSeconds', 30);
  setIfUnset(spec, 'schedulerName', 'default-scheduler');
  const hostNetwork = spec.hostNetwork === true;
  for (const container of objects(spec.containers)) defaultContainer(container, hostNetwork);
  for (const container of objects(spec.initContainers)) defaultContainer(container, hostNetwork);
  for (const container of objects(spec.ephemeralContainers)) defaultContainer(container, false);
  for (const volume of objects(spec.volumes)) defaultVolume(volume);
  if (isObject(spec.overhead)) defaultResourceList(spec.overhead);
}

/** Defaults for a PodTemplateSpec embedded in a workload. */
export function defaultPodTemplate(template: JsonObject, options: PodSpecDefaultOptions = {}): void {
  defaultPodSpec(ensureObject(template, 'spec'), options);
}

/** SetDefaults_Pod: what only a Pod (not a template) gets. */
export function defaultPod(pod: JsonObject): void {
  const spec = ensureObject(pod, 'spec');
  defaultPodSpec(spec);
  // Requests default to limits, for each resource given a limit but no request.
  for (const container of [...objects(spec.containers), ...objects(spec.initContainers)]) {
    const resources = ensureObject(container, 'resources');
    if (!isObject(resources.limits)) continue;
    const requests = ensureObject(resources, 'requests');
    for (const [name, value] of Object.entries(resources.limits)) if (!(name in requests)) requests[name] = value;
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  // The Priority admission plugin resolves the priority class; with a priority comes its preemption policy.
  if (typeof spec.priority === 'number') setIfUnset(spec, 'preemptionPolicy', 'PreemptLowerPriority');
}
