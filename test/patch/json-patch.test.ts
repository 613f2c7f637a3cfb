import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, JsonPatchOperationError, MAX_JSON_PATCH_OPERATIONS } from '../../src/apiserver/patch/json-patch.js';
import { PatchError } from '../../src/apiserver/patch/patch-error.js';

const deployment = () => ({
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.14' }] } } },
});

test('json patch: applies add/replace/remove/copy/move/test in order', () => {
  const result = applyJsonPatch(deployment(), [
    { op: 'test', path: '/spec/replicas', value: 1 },
    { op: 'replace', path: '/spec/replicas', value: 3 },
    { op: 'add', path: '/metadata/labels/tier', value: 'front' },
    { op: 'remove', path: '/metadata/labels/app' },
    { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'sidecar', image: 'busybox' } },
    { op: 'copy', from: '/metadata/name', path: '/metadata/annotations' },
    { op: 'move', from: '/metadata/annotations', path: '/metadata/generateName' },
  ]);
  assert.deepEqual(result, {
    metadata: { name: 'web', labels: { tier: 'front' }, generateName: 'web' },
    spec: {
      replicas: 3,
      template: {
        spec: {
          containers: [
            { name: 'nginx', image: 'nginx:1.14' },
            { name: 'sidecar', image: 'busybox' },
          ],
        },
      },
    },
  });
});

test('json patch: works on a deep copy, the document is untouched', () => {
  const original = deployment();
  applyJsonPatch(original, [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:2' }]);
  assert.equal(original.spec.template.spec.containers[0].image, 'nginx:1.14');
});

function failure(fn: () => unknown): JsonPatchOperationError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof JsonPatchOperationError, `expected JsonPatchOperationError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the patch to fail');
}

test('json patch: a failed test op is a 422 naming the operation, with Kubernetes\' generic message', () => {
  const error = failure(() =>
    applyJsonPatch(deployment(), [
      { op: 'replace', path: '/spec/replicas', value: 2 },
      { op: 'test', path: '/metadata/name', value: 'other' },
    ]),
  );
  assert.equal(error.code, 422);
  assert.equal(error.reason, 'Invalid');
  assert.equal(error.message, 'the server rejected our request due to an error in our request');
  assert.equal(error.detail, 'testing value /metadata/name failed: test failed');
  assert.equal(error.operationIndex, 1);
  assert.deepEqual(error.operation, { op: 'test', path: '/metadata/name', value: 'other' });
  assert.ok(error instanceof PatchError);
});

test('json patch: operations on missing paths are 422s that say what was missing', () => {
  const remove = failure(() => applyJsonPatch(deployment(), [{ op: 'remove', path: '/metadata/labels/missing' }]));
  assert.equal(remove.code, 422);
  assert.equal(remove.detail, 'remove operation does not apply: doc is missing path: "/metadata/labels/missing": missing value');

  const add = failure(() => applyJsonPatch(deployment(), [{ op: 'add', path: '/status/phase', value: 'x' }]));
  assert.equal(add.detail, 'add operation does not apply: doc is missing path: "/status/phase": missing value');

  const move = failure(() => applyJsonPatch(deployment(), [{ op: 'move', from: '/nope', path: '/x' }]));
  assert.equal(move.detail, 'move operation does not apply: doc is missing from path: /nope: missing value');

  const index = failure(() =>
    applyJsonPatch(deployment(), [{ op: 'add', path: '/spec/template/spec/containers/5', value: {} }]),
  );
  assert.equal(index.detail, 'Unable to access invalid index: 5: invalid index referenced');
});

test('json patch: an unknown op is a 422 at apply time, as in kube-apiserver', () => {
  const error = failure(() => applyJsonPatch(deployment(), [{ op: 'frobnicate', path: '/a' }]));
  assert.equal(error.code, 422);
  assert.equal(error.detail, 'Unexpected kind: frobnicate');
});

test('json patch: a body that is not a list of operations is a 400', () => {
  assert.throws(
    () => applyJsonPatch(deployment(), { op: 'add' }),
    (error: unknown) =>
      error instanceof PatchError &&
      error.code === 400 &&
      error.reason === 'BadRequest' &&
      error.message === 'json: cannot unmarshal object into Go value of type jsonpatch.Patch',
  );
  assert.throws(
    () => applyJsonPatch(deployment(), ['add']),
    (error: unknown) =>
      error instanceof PatchError &&
      error.code === 400 &&
      error.message === 'json: cannot unmarshal string into Go value of type jsonpatch.Operation',
  );
});

test('json patch: more than 10000 operations is a 413', () => {
  const tooMany = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/spec/replicas', value: 1 }));
  assert.throws(
    () => applyJsonPatch(deployment(), tooMany),
    (error: unknown) =>
      error instanceof PatchError &&
      error.code === 413 &&
      error.message === 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
  );
  assert.doesNotThrow(() => applyJsonPatch(deployment(), tooMany.slice(1)));
});

test('json patch: prototype pollution through __proto__ is refused', () => {
  assert.throws(() => applyJsonPatch({}, [{ op: 'add', path: '/__proto__/polluted', value: true }]), PatchError);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
