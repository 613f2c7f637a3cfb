// Unit tests of server-side apply's pieces: fieldsV1 sets, typed field sets
// by list type, the merge, field removal and ownership (conflicts, force,
// dropped fields, Update tracking).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, formatPath } from '../../src/apiserver/fieldmanager/field-set.js';
import { fieldSetOf, mergeApplied, removeFields } from '../../src/apiserver/fieldmanager/typed-fields.js';
import { applyConfiguration } from '../../src/apiserver/fieldmanager/server-side-apply.js';
import { decodeManagedFields, ownershipAfterUpdate } from '../../src/apiserver/fieldmanager/managed-fields.js';
import { ApiError } from '../../src/apiserver/errors.js';
import { patchMetaFromOpenApiV3, type OpenApiSchema } from '../../src/apiserver/patch/patch-meta.js';
import type { KubeObject } from '../../src/api/types.js';

const schema: OpenApiSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer' },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        args: { type: 'array', items: { type: 'string' } },
        ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
        selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
      },
    },
  },
};
const meta = patchMetaFromOpenApiV3({ root: schema }, 'root');
const scope = { hasStatus: false, subresource: '' as const };

describe('FieldSet', () => {
  it('round-trips fieldsV1 with "." members and sorted keys', () => {
    const json = { 'f:spec': { 'f:ports': { 'k:{"name":"a"}': { '.': {}, 'f:port': {} } }, 'f:replicas': {} } };
    assert.deepEqual(FieldSet.fromFieldsV1(json).toFieldsV1(), json);
  });

  it('unions, differences and intersections by path', () => {
    const a = FieldSet.fromFieldsV1({ 'f:a': {}, 'f:b': { 'f:c': {} } });
    const b = FieldSet.fromFieldsV1({ 'f:b': { 'f:c': {}, 'f:d': {} } });
    assert.deepEqual(a.union(b).toFieldsV1(), { 'f:a': {}, 'f:b': { 'f:c': {}, 'f:d': {} } });
    assert.deepEqual(a.difference(b).toFieldsV1(), { 'f:a': {} });
    assert.deepEqual(a.intersection(b).toFieldsV1(), { 'f:b': { 'f:c': {} } });
    assert.ok(a.difference(a).isEmpty());
  });

  it('prints paths as conflict messages do', () => {
    assert.equal(formatPath(['f:spec', 'f:ports', 'k:{"name":"a"}', 'f:port']), '.spec.ports[name="a"].port');
    assert.equal(formatPath(['f:spec', 'f:tags', 'v:"x"']), '.spec.tags[="x"]');
  });
});

describe('typed field sets and merge', () => {
  it('identifies list items by the list type', () => {
    const set = fieldSetOf({ spec: { tags: ['x'], args: ['a', 'b'], ports: [{ name: 'http', port: 80 }], selector: { app: 'a' } } }, meta);
    assert.deepEqual(set.toFieldsV1(), {
      'f:spec': {
        'f:args': {},
        'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } },
        'f:selector': {},
        'f:tags': { 'v:"x"': {} },
      },
    });
  });

  it('merges maps by key, sets by value, atomic lists and maps whole', () => {
    const live = { spec: { tags: ['x'], args: ['a'], ports: [{ name: 'http', port: 80 }], selector: { app: 'a', tier: 'b' } } };
    const applied = { spec: { tags: ['y'], args: ['b'], ports: [{ name: 'http', port: 8080 }, { name: 'm', port: 9 }], selector: { app: 'c' } } };
    assert.deepEqual(mergeApplied(live, applied, undefined, meta), {
      spec: { tags: ['x', 'y'], args: ['b'], ports: [{ name: 'http', port: 8080 }, { name: 'm', port: 9 }], selector: { app: 'c' } },
    });
  });

  it('removes members: a field, a list-map item, a set value', () => {
    const obj = { spec: { replicas: 1, tags: ['x', 'y'], ports: [{ name: 'a' }, { name: 'b' }] } };
    removeFields(obj, FieldSet.fromFieldsV1({ 'f:spec': { 'f:replicas': {}, 'f:tags': { 'v:"x"': {} }, 'f:ports': { 'k:{"name":"a"}': {} } } }));
    assert.deepEqual(obj, { spec: { tags: ['y'], ports: [{ name: 'b' }] } });
  });
});

function cr(spec: Record<string, unknown>, managedFields?: unknown[]): KubeObject {
  return { apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'a', ...(managedFields ? { managedFields } : {}) }, spec };
}
const applyAs = (manager: string, live: KubeObject | undefined, spec: Record<string, unknown>, force = false) =>
  applyConfiguration(live, cr(spec), { manager, force, scope, meta, apiVersion: 'x.io/v1', now: '2024-01-01T00:00:00Z' });

describe('ownership', () => {
  it('reports a conflict naming the field and the other manager, unless forced', () => {
    const one = applyAs('one', undefined, { replicas: 1, tags: ['x'] });
    assert.throws(() => applyAs('two', one, { replicas: 2 }), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 409);
      assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "one": .spec.replicas');
      assert.deepEqual(err.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "one"', field: '.spec.replicas' }]);
      return true;
    });
    // The same value is shared, not a conflict.
    const shared = applyAs('two', one, { replicas: 1 });
    assert.deepEqual(decodeManagedFields(shared.metadata.managedFields).map((o) => o.manager), ['one', 'two']);
    const forced = applyAs('two', one, { replicas: 2 }, true);
    assert.equal((forced.spec as { replicas: number }).replicas, 2);
    const owners = decodeManagedFields(forced.metadata.managedFields);
    assert.deepEqual(owners.map((o) => [o.manager, o.fields.toFieldsV1()]), [
      ['one', { 'f:spec': { 'f:tags': { 'v:"x"': {} } } }],
      ['two', { 'f:spec': { 'f:replicas': {} } }],
    ]);
  });

  it('removes fields dropped from the sole manager\'s configuration, keeps those others own', () => {
    const one = applyAs('one', undefined, { replicas: 1, tags: ['x'], args: ['a'] });
    const both = applyAs('two', one, { args: ['a'] });
    const dropped = applyAs('one', both, { replicas: 1 });
    assert.deepEqual(dropped.spec, { replicas: 1, args: ['a'] });
  });

  it('gives an Update writer the fields it changed and takes them from others', () => {
    const one = applyAs('one', undefined, { replicas: 1, tags: ['x'] });
    const next = structuredClone(one);
    (next.spec as { replicas: number }).replicas = 5;
    const owners = ownershipAfterUpdate(decodeManagedFields(one.metadata.managedFields), one, next, { manager: 'editor', apiVersion: 'x.io/v1', now: 't', scope, meta });
    assert.deepEqual(owners.map((o) => [o.manager, o.operation, o.fields.toFieldsV1()]), [
      ['one', 'Apply', { 'f:spec': { 'f:tags': { 'v:"x"': {} } } }],
      ['editor', 'Update', { 'f:spec': { 'f:replicas': {} } }],
    ]);
  });
});
