import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIntOrString, formatOptionalQuantity, formatQuantity } from '../../src/api/tables/quantity.js';

describe('formatQuantity (canonical Quantity.String())', () => {
  const cases: Array<[unknown, string]> = [
    ['10Gi', '10Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Ki', '1536'],
    ['512Ki', '512Ki'],
    ['1000M', '1G'],
    ['1500M', '1500M'],
    ['2000', '2k'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['100m', '100m'],
    ['0Gi', '0'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['-2Gi', '-2Gi'],
    // No binary suffix exists past Ei, so larger values stay in Ei.
    ['2048Ei', '2048Ei'],
    [5, '5'],
    [undefined, '0'],
    ['garbage', 'garbage'],
  ];
  for (const [input, expected] of cases) {
    it(`${String(input)} -> ${expected}`, () => assert.equal(formatQuantity(input), expected));
  }

  it('prints an absent pointer quantity as <nil>', () => {
    assert.equal(formatOptionalQuantity(undefined), '<nil>');
    assert.equal(formatOptionalQuantity('250m'), '250m');
  });

  it('formats IntOrString values', () => {
    assert.equal(formatIntOrString(2), '2');
    assert.equal(formatIntOrString('50%'), '50%');
  });
});
