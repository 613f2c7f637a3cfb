// A hand-written slice of Kubernetes' OpenAPI v3 `components.schemas`, with
// the same shapes and patch extensions as the real document: properties that
// point at other schemas through `allOf: [{ $ref }]` (how v3 documents wrap
// references) or a bare `$ref`, extensions on the property, maps through
// `additionalProperties`.
import type { OpenApiSchema } from '../../src/apiserver/patch/patch-meta.js';

const ref = (name: string): OpenApiSchema => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });
const bareRef = (name: string): OpenApiSchema => ({ $ref: `#/components/schemas/${name}` });
const string: OpenApiSchema = { type: 'string' };
const stringMap: OpenApiSchema = { type: 'object', additionalProperties: { type: 'string', default: '' } };
const mergedList = (item: string, mergeKey: string, strategy = 'merge'): OpenApiSchema => ({
  type: 'array',
  items: ref(item),
  'x-kubernetes-patch-strategy': strategy,
  'x-kubernetes-patch-merge-key': mergeKey,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': [mergeKey],
});

const core = 'io.k8s.api.core.v1';
const apps = 'io.k8s.api.apps.v1';
const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const fixtureSchemas: Record<string, OpenApiSchema> = {
  [`${meta}.ObjectMeta`]: {
    type: 'object',
    properties: {
      name: string,
      namespace: string,
      labels: stringMap,
      annotations: stringMap,
      finalizers: {
        type: 'array',
        items: { type: 'string', default: '' },
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge',
      },
      ownerReferences: mergedList(`${meta}.OwnerReference`, 'uid'),
    },
  },
  [`${meta}.OwnerReference`]: {
    type: 'object',
    properties: { apiVersion: string, kind: string, name: string, uid: string },
  },
  [`${meta}.LabelSelector`]: {
    type: 'object',
    properties: { matchLabels: stringMap },
  },
  [`${apps}.Deployment`]: {
    type: 'object',
    properties: {
      apiVersion: string,
      kind: string,
      metadata: { ...ref(`${meta}.ObjectMeta`), default: {} },
      spec: { ...ref(`${apps}.DeploymentSpec`), default: {} },
    },
  },
  [`${apps}.DeploymentSpec`]: {
    type: 'object',
    properties: {
      replicas: { type: 'integer' },
      selector: ref(`${meta}.LabelSelector`),
      template: { ...ref(`${core}.PodTemplateSpec`), default: {} },
      strategy: { ...ref(`${apps}.DeploymentStrategy`), 'x-kubernetes-patch-strategy': 'retainKeys' },
    },
  },
  [`${apps}.DeploymentStrategy`]: {
    type: 'object',
    properties: { type: string, rollingUpdate: ref(`${apps}.RollingUpdateDeployment`) },
  },
  [`${apps}.RollingUpdateDeployment`]: {
    type: 'object',
    properties: { maxSurge: {}, maxUnavailable: {} },
  },
  [`${core}.PodTemplateSpec`]: {
    type: 'object',
    properties: { metadata: ref(`${meta}.ObjectMeta`), spec: bareRef(`${core}.PodSpec`) },
  },
  [`${core}.PodSpec`]: {
    type: 'object',
    properties: {
      containers: mergedList(`${core}.Container`, 'name'),
      initContainers: mergedList(`${core}.Container`, 'name'),
      volumes: mergedList(`${core}.Volume`, 'name', 'merge,retainKeys'),
      tolerations: { type: 'array', items: ref(`${core}.Toleration`), 'x-kubernetes-list-type': 'atomic' },
      nodeSelector: stringMap,
    },
  },
  [`${core}.Container`]: {
    type: 'object',
    properties: {
      name: string,
      image: string,
      args: { type: 'array', items: string, 'x-kubernetes-list-type': 'atomic' },
      ports: mergedList(`${core}.ContainerPort`, 'containerPort'),
      env: mergedList(`${core}.EnvVar`, 'name'),
      resources: ref(`${core}.ResourceRequirements`),
    },
  },
  [`${core}.ResourceRequirements`]: {
    type: 'object',
    properties: { limits: stringMap, requests: stringMap },
  },
  [`${core}.ContainerPort`]: {
    type: 'object',
    properties: { containerPort: { type: 'integer' }, name: string, protocol: string },
  },
  [`${core}.EnvVar`]: { type: 'object', properties: { name: string, value: string } },
  [`${core}.Toleration`]: { type: 'object', properties: { key: string, operator: string, effect: string } },
  [`${core}.Volume`]: {
    type: 'object',
    properties: {
      name: string,
      emptyDir: { type: 'object', properties: { medium: string } },
      configMap: { type: 'object', properties: { name: string } },
    },
  },
  [`${core}.Service`]: {
    type: 'object',
    properties: { metadata: ref(`${meta}.ObjectMeta`), spec: ref(`${core}.ServiceSpec`) },
  },
  [`${core}.ServiceSpec`]: {
    type: 'object',
    properties: {
      type: string,
      selector: { ...stringMap, 'x-kubernetes-map-type': 'atomic' },
      ports: mergedList(`${core}.ServicePort`, 'port'),
    },
  },
  [`${core}.ServicePort`]: {
    type: 'object',
    properties: { name: string, port: { type: 'integer' }, targetPort: {}, protocol: string },
  },
  [`${core}.ConfigMap`]: {
    type: 'object',
    properties: { metadata: ref(`${meta}.ObjectMeta`), data: stringMap, binaryData: stringMap },
  },
};

export const DEPLOYMENT = `${apps}.Deployment`;
export const SERVICE = `${core}.Service`;
export const CONFIG_MAP = `${core}.ConfigMap`;
export const POD_SPEC = `${core}.PodSpec`;
