import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchMetaFromOpenApiV3, type OpenApiSchema } from '../../src/apiserver/patch/patch-meta.js';
import { DEPLOYMENT, SERVICE, fixtureSchemas } from './openapi-fixture.js';

const deployment = () => {
  const meta = patchMetaFromOpenApiV3(fixtureSchemas, DEPLOYMENT);
  assert.ok(meta);
  return meta;
};

test('patch meta: follows allOf/$ref down to containers and reads their merge key', () => {
  const podSpec = deployment().fieldMeta('spec')?.meta?.fieldMeta('template')?.meta?.fieldMeta('spec')?.meta;
  const containers = podSpec?.fieldMeta('containers');
  assert.equal(containers?.patchStrategy, 'merge');
  assert.equal(containers?.patchMergeKey, 'name');
  assert.equal(containers?.listType, 'map');
  assert.deepEqual(containers?.listMapKeys, ['name']);
  const ports = containers?.meta?.itemsMeta()?.fieldMeta('ports');
  assert.equal(ports?.patchMergeKey, 'containerPort');
  assert.equal(podSpec?.fieldMeta('volumes')?.patchStrategy, 'merge,retainKeys');
  assert.equal(podSpec?.fieldMeta('tolerations')?.patchStrategy, undefined);
  assert.equal(podSpec?.fieldMeta('tolerations')?.listType, 'atomic');
});

test('patch meta: extensions beside an allOf are read from the property', () => {
  const strategy = deployment().fieldMeta('spec')?.meta?.fieldMeta('strategy');
  assert.equal(strategy?.patchStrategy, 'retainKeys');
  assert.ok(strategy?.meta?.fieldMeta('rollingUpdate'));
});

test('patch meta: ObjectMeta finalizers merge, ownerReferences merge by uid, labels are a string map', () => {
  const metadata = deployment().fieldMeta('metadata')?.meta;
  assert.equal(metadata?.fieldMeta('finalizers')?.patchStrategy, 'merge');
  assert.equal(metadata?.fieldMeta('ownerReferences')?.patchMergeKey, 'uid');
  const labels = metadata?.fieldMeta('labels')?.meta;
  assert.ok(labels);
  // Any key of an additionalProperties map answers with the value schema.
  assert.ok(labels.fieldMeta('app.kubernetes.io/name'));
  assert.ok(labels.itemsMeta());
});

test('patch meta: Service ports merge by port', () => {
  const ports = patchMetaFromOpenApiV3(fixtureSchemas, SERVICE)?.fieldMeta('spec')?.meta?.fieldMeta('ports');
  assert.equal(ports?.patchStrategy, 'merge');
  assert.equal(ports?.patchMergeKey, 'port');
});

test('patch meta: unknown fields, schemas and references are undefined, not errors', () => {
  assert.equal(deployment().fieldMeta('status'), undefined);
  assert.equal(patchMetaFromOpenApiV3(fixtureSchemas, 'io.example.v1.Missing'), undefined);
  const dangling = patchMetaFromOpenApiV3({ Root: { properties: { child: { $ref: '#/components/schemas/Gone' } } } }, 'Root');
  assert.deepEqual(dangling?.fieldMeta('child'), {
    meta: undefined,
    patchStrategy: undefined,
    patchMergeKey: undefined,
    listType: undefined,
    listMapKeys: undefined,
    mapType: undefined,
  });
});

test('patch meta: nodes are memoised and recursive schemas resolve lazily', () => {
  const schemas: Record<string, OpenApiSchema> = {
    Props: {
      type: 'object',
      properties: {
        items: { $ref: '#/components/schemas/Props' },
        properties: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Props' } },
      },
    },
  };
  const root = patchMetaFromOpenApiV3(schemas, 'Props');
  assert.ok(root);
  const child = root.fieldMeta('items')?.meta;
  assert.equal(child, root, 'a $ref back to the same schema yields the same node');
  assert.equal(root.fieldMeta('properties')?.meta?.fieldMeta('anything')?.meta, root);
  assert.equal(root.fieldMeta('items'), root.fieldMeta('items'), 'field lookups are cached');
});

test('patch meta: a schema reached only through $ref cycles does not loop', () => {
  const schemas: Record<string, OpenApiSchema> = {
    A: { $ref: '#/components/schemas/B' },
    B: { allOf: [{ $ref: '#/components/schemas/A' }] },
  };
  const meta = patchMetaFromOpenApiV3(schemas, 'A');
  assert.ok(meta);
  assert.equal(meta.fieldMeta('anything'), undefined);
});
