import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalQuantity, parseQuantity } from '../../src/api/validation/index.js';
import { compareQuantities, ErrFormatWrong, ErrSuffix, quantityError, roundUp, formatQuantity } from '../../src/api/validation/quantity.js';

test('canonical forms match resource.Quantity.String()', () => {
  const cases: Array<[string | number, string]> = [
    ['100m', '100m'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1000m', '1'],
    ['1000', '1k'],
    ['1000000', '1M'],
    ['1024', '1024'],
    ['1Ki', '1Ki'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['1e3', '1e3'],
    ['12e6', '12e6'],
    ['5e-3', '5e-3'],
    ['0.0001', '100u'],
    ['0.1n', '1n'],
    ['-1', '-1'],
    ['+1', '1'],
    ['0', '0'],
    [2, '2'],
    [0.25, '250m'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, `canonical of ${input}`);
});

test('malformed quantities fail with Kubernetes messages', () => {
  assert.equal(quantityError('abc'), ErrFormatWrong);
  assert.equal(quantityError('1.2.3'), ErrFormatWrong);
  assert.equal(quantityError(''), ErrFormatWrong);
  assert.equal(quantityError('1e'), ErrSuffix);
  assert.equal(quantityError('1Kb'), ErrFormatWrong);
  assert.equal(quantityError('10Gi'), undefined);
  assert.equal(ErrFormatWrong, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
});

test('comparison and rounding are exact', () => {
  assert.equal(compareQuantities(parseQuantity('1Gi'), parseQuantity('1024Mi')), 0);
  assert.equal(compareQuantities(parseQuantity('1G'), parseQuantity('1Gi')), -1);
  assert.equal(compareQuantities(parseQuantity('500m'), parseQuantity('0.4')), 1);
  assert.equal(formatQuantity(roundUp(parseQuantity('0.0001'), -3)), '1m');
  assert.equal(formatQuantity(roundUp(parseQuantity('1.0001'), -3)), '1001m');
});
