import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorBody, formatFieldError, formatInvalidMessage } from '../../src/api/validation/index.js';
import { duplicate, forbidden, invalid, notFound, notSupported, required, tooLong, tooMany } from '../../src/api/validation/field.js';
import { goIntOrString, goLabelSelector, goQuote, goStringMap, goStringSlice } from '../../src/api/validation/govalue.js';

test('each error type renders as field.Error.Error() does', () => {
  assert.equal(formatFieldError(required('spec.template.spec.containers[0].image')), 'spec.template.spec.containers[0].image: Required value');
  assert.equal(formatFieldError(required('metadata.name', 'name or generateName is required')), 'metadata.name: Required value: name or generateName is required');
  assert.equal(formatFieldError(invalid('spec.replicas', -1, 'must be greater than or equal to 0')), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  assert.equal(formatFieldError(notSupported('spec.restartPolicy', 'always', ['Always', 'OnFailure', 'Never'])), 'spec.restartPolicy: Unsupported value: "always": supported values: "Always", "OnFailure", "Never"');
  assert.equal(formatFieldError(forbidden('spec', 'nope')), 'spec: Forbidden: nope');
  assert.equal(formatFieldError(duplicate('spec.containers[1].name', 'app')), 'spec.containers[1].name: Duplicate value: "app"');
  assert.equal(formatFieldError(notFound('spec.containers[0].volumeMounts[0].name', 'data')), 'spec.containers[0].volumeMounts[0].name: Not found: "data"');
  assert.equal(formatFieldError(tooLong('metadata.annotations', 262144)), 'metadata.annotations: Too long: may not be more than 262144 bytes');
  assert.equal(formatFieldError(tooMany('endpoints', 1001, 1000)), 'endpoints: Too many: 1001: must have at most 1000 items');
  assert.equal(formatFieldError(invalid('x', null, 'd')), 'x: Invalid value: null: d');
  assert.equal(formatFieldError(invalid('x', true, 'd')), 'x: Invalid value: true: d');
});

test('the body is the message without the path (a StatusCause message)', () => {
  assert.equal(fieldErrorBody(invalid('metadata.name', 'Foo', 'bad')), 'Invalid value: "Foo": bad');
  assert.equal(fieldErrorBody(required('spec.selector')), 'Required value');
});

test('Go values render in %#v form', () => {
  assert.equal(goStringMap({ b: '2', a: '1' }).text, 'map[string]string{"a":"1", "b":"2"}');
  assert.equal(goStringMap(undefined).text, 'map[string]string(nil)');
  assert.equal(goStringSlice(['10.0.0.1', '::1']).text, '[]string{"10.0.0.1", "::1"}');
  assert.equal(goLabelSelector({ matchLabels: { app: 'web' } }).text, 'v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}');
  assert.equal(
    goLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }).text,
    'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"tier", Operator:"In", Values:[]string{"a"}}}}',
  );
  assert.equal(goIntOrString('25%').text, 'intstr.IntOrString{Type:1, IntVal:0, StrVal:"25%"}');
  assert.equal(goIntOrString(0).text, 'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}');
  // A GoValue serialises as its JSON value, so Status causes stay plain JSON.
  assert.equal(JSON.stringify({ v: goStringMap({ a: '1' }) }), '{"v":{"a":"1"}}');
});

test('strings are quoted as strconv.Quote does', () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('tab\there\n'), '"tab\\there\\n"');
  assert.equal(goQuote('\x01\x7f'), '"\\x01\\x7f"');
  assert.equal(goQuote('héllo ☃'), '"héllo ☃"');
  assert.equal(goQuote('\u200b'), '"\\u200b"');
});

test('formatInvalidMessage: one error without brackets, several in brackets, repeats once', () => {
  const a = required('spec.selector');
  const b = invalid('spec.template.metadata.labels', goStringMap({ app: 'web' }), '`selector` does not match template `labels`');
  assert.equal(formatInvalidMessage('Deployment.apps', 'web', [a]), 'Deployment.apps "web" is invalid: spec.selector: Required value');
  assert.equal(
    formatInvalidMessage('Deployment.apps', 'web', [a, b, a]),
    'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]',
  );
  assert.equal(formatInvalidMessage('Pod', 'x', []), 'Pod "x" is invalid');
});
