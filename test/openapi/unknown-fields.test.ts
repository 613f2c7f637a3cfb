// Unknown-field detection for fieldValidation=Strict, in kube-apiserver's wording.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findUnknownFields, strictDecodingMessage } from '../../src/apiserver/openapi/unknown-fields.js';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

function deployment(spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', 'any/key': 'x' }, annotations: { 'a.b/c': 'd' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'sidecar', image: 'busybox' },
            { name: 'web', image: 'nginx', resources: { limits: { cpu: '1', memory: '1Gi' } }, ports: [{ containerPort: 80 }], ...container },
          ],
        },
      },
      ...spec,
    },
  };
}

describe('findUnknownFields', () => {
  it('finds nothing in a valid object', () => {
    assert.deepEqual(findUnknownFields(deployment(), DEPLOYMENT), []);
  });

  it('names unknown fields by path, list items by index', () => {
    assert.deepEqual(findUnknownFields(deployment({ foo: 1 }), DEPLOYMENT), ['spec.foo']);
    assert.deepEqual(findUnknownFields(deployment({}, { bar: true }), DEPLOYMENT), ['spec.template.spec.containers[1].bar']);
    const nested = deployment({}, { ports: [{ containerPort: 80, containerPortZ: 1 }] });
    assert.deepEqual(findUnknownFields(nested, DEPLOYMENT), ['spec.template.spec.containers[1].ports[0].containerPortZ']);
  });

  it('reports in document order, each path once', () => {
    const obj = { ...deployment({ foo: 1, bar: null }), extra: {}, metadata: { name: 'x', bogus: 1 } };
    assert.deepEqual(findUnknownFields(obj, DEPLOYMENT), ['metadata.bogus', 'spec.foo', 'spec.bar', 'extra']);
  });

  it('ignores map keys under labels, annotations, data and resource limits', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { x: 'y' } }, data: { 'any.key': 'v' }, binaryData: { b: 'AA==' } };
    assert.deepEqual(findUnknownFields(configMap, 'io.k8s.api.core.v1.ConfigMap'), []);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'dg==' }, stringData: { k: 'v' }, type: 'Opaque' };
    assert.deepEqual(findUnknownFields(secret, 'io.k8s.api.core.v1.Secret'), []);
  });

  it('looks inside map values that are objects', () => {
    // Service.spec.selector is a map of strings; Pod overhead a map of quantities;
    // CRD schema properties a map of JSONSchemaProps.
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets' },
        scope: 'Namespaced',
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', typo: 1, default: { any: 'thing' } } } } },
        }],
      },
    };
    assert.deepEqual(
      findUnknownFields(crd, 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition'),
      ['spec.versions[0].schema.openAPIV3Schema.properties.spec.typo'],
    );
  });

  it('lets RawExtension, int-or-string and opaque types hold anything', () => {
    const revision = {
      apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1,
      data: { spec: { template: { whatever: { deeply: ['nested'] } } } },
    };
    assert.deepEqual(findUnknownFields(revision, 'io.k8s.api.apps.v1.ControllerRevision'), []);
    const withManagedFields = deployment();
    (withManagedFields.metadata as Record<string, unknown>).managedFields = [
      { manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    ];
    assert.deepEqual(findUnknownFields(withManagedFields, DEPLOYMENT), []);
  });

  it('always knows apiVersion, kind and metadata at the top level', () => {
    assert.deepEqual(findUnknownFields({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure' }, 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'), []);
    assert.throws(() => findUnknownFields({}, 'io.k8s.api.apps.v1.Nope'), /no OpenAPI schema/);
  });
});

describe('strictDecodingMessage', () => {
  it('words the error as kube-apiserver does', () => {
    assert.equal(
      strictDecodingMessage(['spec.foo', 'spec.bar']),
      'strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    );
  });
});
