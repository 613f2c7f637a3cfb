import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronScheduleError } from '../../src/api/validation/index.js';

test('valid schedules and descriptors parse', () => {
  for (const s of ['*/5 * * * *', '0 0 * * MON-FRI', '0 12 1 jan,jul *', '@hourly', '@every 1h30m', 'TZ=UTC 0 * * * *']) {
    assert.equal(cronScheduleError(s), undefined, s);
  }
});

test('invalid schedules report robfig/cron errors', () => {
  assert.equal(cronScheduleError('0 0 * *'), 'expected exactly 5 fields, found 4: [0 0 * *]');
  assert.equal(cronScheduleError('60 * * * *'), 'end of range (60) above maximum (59): 60');
  assert.equal(cronScheduleError('* * 0 * *'), 'beginning of range (0) below minimum (1): 0');
  assert.equal(cronScheduleError('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
  assert.equal(cronScheduleError('*/0 * * * *'), 'step of range should be a positive number: */0');
  assert.equal(cronScheduleError('a * * * *'), 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax');
  assert.equal(cronScheduleError('1-2-3 * * * *'), 'too many hyphens: 1-2-3');
  assert.equal(cronScheduleError('@often'), 'unrecognized descriptor: @often');
  assert.equal(cronScheduleError('@every x'), 'failed to parse duration @every x: time: invalid duration "x"');
  assert.equal(cronScheduleError('TZ=Mars/Base 0 * * * *'), 'provided bad location Mars/Base: unknown time zone Mars/Base');
});
