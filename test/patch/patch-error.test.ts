import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PatchError } from '../../src/apiserver/patch/patch-error.js';
import { ApiError } from '../../src/apiserver/errors.js';

test('patch errors are ApiErrors, so the HTTP layer renders them like any other', () => {
  const error = PatchError.badRequest('invalid patch format of retainKeys');
  assert.ok(error instanceof ApiError);
  assert.equal(error.name, 'PatchError');
  assert.deepEqual(error.toStatus(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'invalid patch format of retainKeys',
    reason: 'BadRequest',
    code: 400,
  });
});

test('a 422 keeps its detail but answers with kube-apiserver\'s generic Invalid status', () => {
  const error = PatchError.unprocessable('testing value /a failed: test failed');
  assert.equal(error.detail, 'testing value /a failed: test failed');
  assert.deepEqual(error.toStatus(), {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'the server rejected our request due to an error in our request',
    reason: 'Invalid',
    code: 422,
  });
});

test('a plain strategic-merge failure is a 500 whose Status has no reason', () => {
  const status = PatchError.unclassified('unknown patch type: foo in map: map[$patch:foo]').toStatus();
  assert.equal(status.code, 500);
  assert.equal('reason' in status, false);
  assert.equal(status.message, 'unknown patch type: foo in map: map[$patch:foo]');
});
