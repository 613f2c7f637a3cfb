import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { humanDuration, shortHumanDuration } from '../../src/api/tables/index.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration (apimachinery HumanDuration)', () => {
  const cases: Array<[number, string]> = [
    [-2 * s, '<invalid>'],
    [-1 * s, '0s'],
    [-999, '0s'],
    [0, '0s'],
    [59 * s, '59s'],
    [90 * s, '90s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [5 * m, '5m'],
    [5 * m + 30 * s, '5m30s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [3 * h + 5 * m, '3h5m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 3 * h, '2d3h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d + 5 * h, '8d'],
    [729 * d, '729d'],
    [2 * y, '2y'],
    [3 * y, '3y'],
    [3 * y + 40 * d, '3y40d'],
    [8 * y + 40 * d, '8y'],
  ];
  for (const [ms, expected] of cases) {
    it(`${ms}ms -> ${expected}`, () => assert.equal(humanDuration(ms), expected));
  }
});

describe('shortHumanDuration (apimachinery ShortHumanDuration)', () => {
  const cases: Array<[number, string]> = [
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [59 * s, '59s'],
    [90 * s, '1m'],
    [59 * m, '59m'],
    [23 * h, '23h'],
    [2 * d + 3 * h, '2d'],
    [364 * d, '364d'],
    [3 * y, '3y'],
  ];
  for (const [ms, expected] of cases) {
    it(`${ms}ms -> ${expected}`, () => assert.equal(shortHumanDuration(ms), expected));
  }
});
