import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonMergePatch } from '../../src/apiserver/patch/json-merge-patch.js';

test('merge patch: null deletes, objects merge recursively, scalars replace', () => {
  const original = { metadata: { labels: { app: 'web', tier: 'front' }, name: 'x' }, spec: { replicas: 1 } };
  const result = applyJsonMergePatch(original, { metadata: { labels: { tier: null, env: 'prod' } }, spec: { replicas: 3 } });
  assert.deepEqual(result, { metadata: { labels: { app: 'web', env: 'prod' }, name: 'x' }, spec: { replicas: 3 } });
});

test('merge patch: arrays are replaced, never merged', () => {
  const result = applyJsonMergePatch({ items: [1, 2, 3], keep: true }, { items: [4] });
  assert.deepEqual(result, { items: [4], keep: true });
});

test('merge patch: nulls inside a newly added object are dropped (RFC 7386 appendix A)', () => {
  const result = applyJsonMergePatch({ a: 'b' }, { c: { d: 'e', f: null } });
  assert.deepEqual(result, { a: 'b', c: { d: 'e' } });
});

test('merge patch: an object patch replaces a non-object member', () => {
  assert.deepEqual(applyJsonMergePatch({ a: 'scalar' }, { a: { b: 'c' } }), { a: { b: 'c' } });
  assert.deepEqual(applyJsonMergePatch({ a: [1] }, { a: { b: 'c' } }), { a: { b: 'c' } });
});

test('merge patch: a non-object patch replaces the whole target', () => {
  assert.deepEqual(applyJsonMergePatch({ a: 1 }, ['x']), ['x']);
  assert.equal(applyJsonMergePatch({ a: 1 }, 'text'), 'text');
});

test('merge patch: deleting a missing member is a no-op', () => {
  assert.deepEqual(applyJsonMergePatch({ a: 1 }, { b: null }), { a: 1 });
});

test('merge patch: inputs are not mutated and the result shares nothing with them', () => {
  const original = { nested: { list: [1] } };
  const patch = { nested: { extra: { deep: true } } };
  const result = applyJsonMergePatch(original, patch) as { nested: { list: number[]; extra: { deep: boolean } } };
  assert.deepEqual(original, { nested: { list: [1] } });
  assert.deepEqual(patch, { nested: { extra: { deep: true } } });
  result.nested.list.push(2);
  result.nested.extra.deep = false;
  assert.deepEqual(original.nested.list, [1]);
  assert.equal(patch.nested.extra.deep, true);
});

test('merge patch: a "__proto__" key becomes a plain member, not a prototype', () => {
  const patch = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
  const result = applyJsonMergePatch({}, patch) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(result), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(result, '__proto__')?.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
