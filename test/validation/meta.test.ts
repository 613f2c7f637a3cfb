import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObjectMeta, validateObjectMetaUpdate, nameIsDNSSubdomain, nameIsDNSLabel } from '../../src/api/validation/index.js';
import { DNS1123_SUBDOMAIN_MSG, rendered } from './helpers.js';

test('name is required unless generated, and must follow the kind rule', () => {
  assert.deepEqual(rendered(validateObjectMeta({ namespace: 'ns' }, true, nameIsDNSSubdomain)), ['metadata.name: Required value: name or generateName is required']);
  assert.deepEqual(rendered(validateObjectMeta({ name: 'Foo_Bar', namespace: 'ns' }, true, nameIsDNSSubdomain)), [`metadata.name: Invalid value: "Foo_Bar": ${DNS1123_SUBDOMAIN_MSG}`]);
  assert.deepEqual(rendered(validateObjectMeta({ name: 'web-x1', generateName: 'web-', namespace: 'ns' }, true, nameIsDNSSubdomain)), []);
  assert.deepEqual(rendered(validateObjectMeta({ name: 'a.b' }, false, nameIsDNSLabel)), ['metadata.name: Invalid value: "a.b": must not contain dots']);
});

test('namespace is required for namespaced kinds and forbidden otherwise', () => {
  assert.deepEqual(rendered(validateObjectMeta({ name: 'a' }, true, nameIsDNSSubdomain)), ['metadata.namespace: Required value']);
  assert.deepEqual(rendered(validateObjectMeta({ name: 'a', namespace: 'ns' }, false, nameIsDNSSubdomain)), ['metadata.namespace: Forbidden: not allowed on this type']);
  assert.deepEqual(rendered(validateObjectMeta({ name: 'a', namespace: 'Bad' }, true, nameIsDNSSubdomain)).length, 1);
});

test('labels and annotations are checked at the map path', () => {
  const errs = rendered(validateObjectMeta({ name: 'a', namespace: 'ns', labels: { 'bad key!': 'ok', ok: 'bad value' }, annotations: { 'Example.com/Key': 'x' } }, true, nameIsDNSSubdomain));
  assert.equal(errs.length, 2);
  assert.match(errs[0], /^metadata\.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters/);
  assert.match(errs[1], /^metadata\.labels: Invalid value: "bad value": a valid label must be an empty string/);
});

test('annotations may total at most 256 KiB', () => {
  const errs = rendered(validateObjectMeta({ name: 'a', namespace: 'ns', annotations: { big: 'x'.repeat(256 * 1024) } }, true, nameIsDNSSubdomain));
  assert.deepEqual(errs, ['metadata.annotations: Too long: may not be more than 262144 bytes']);
});

test('finalizers and owner references', () => {
  const errs = rendered(
    validateObjectMeta(
      {
        name: 'a',
        namespace: 'ns',
        finalizers: ['custom', 'orphan', 'foregroundDeletion'],
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: '1', controller: true },
          { apiVersion: '', kind: 'ReplicaSet', name: 'rs2', uid: '', controller: true },
        ],
      },
      true,
      nameIsDNSSubdomain,
    ),
  );
  assert.deepEqual(errs, [
    'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
    'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    'metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"1","controller":true},{"apiVersion":"","kind":"ReplicaSet","name":"rs2","uid":"","controller":true}]: Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/rs and ReplicaSet/rs2',
    'metadata.finalizers: Invalid value: []string{"custom", "orphan", "foregroundDeletion"}: finalizer orphan and foregroundDeletion cannot be both set',
    'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified',
  ]);
});

test('updates keep identity fields and need a resourceVersion', () => {
  const old = { name: 'a', namespace: 'ns', uid: 'u1', resourceVersion: '3', generation: 2 };
  assert.deepEqual(rendered(validateObjectMetaUpdate({ ...old }, old)), []);
  assert.deepEqual(rendered(validateObjectMetaUpdate({ ...old, resourceVersion: undefined, uid: 'u2', generation: 1 }, old)), [
    'metadata.resourceVersion: Invalid value: "": must be specified for an update',
    'metadata.generation: Invalid value: 1: must not be decremented',
    'metadata.uid: Invalid value: "u2": field is immutable',
  ]);
  const deleting = { ...old, deletionTimestamp: '2025-01-01T00:00:00Z', finalizers: ['a.io/x'] };
  assert.deepEqual(rendered(validateObjectMetaUpdate({ ...deleting, finalizers: ['a.io/x', 'b.io/y'] }, deleting)), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}',
  ]);
});
