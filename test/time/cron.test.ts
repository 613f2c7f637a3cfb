import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cron } from 'croner';
import { ManualClock } from '../../src/time/clock.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';
import {
  CronSchedule,
  CronScheduleError,
  CronScheduler,
  findMissedSchedules,
  parseCronSchedule,
  TOO_MANY_MISSED_WARNING,
  type CronEntry,
} from '../../src/time/cron.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const at = (text: string): number => Date.parse(text);

/** The next n fire times after a start, by repeatedly asking our schedule. */
function nextTimes(schedule: CronSchedule, fromMs: number, n: number): string[] {
  const out: string[] = [];
  for (let t = schedule.nextAfter(fromMs); t !== null && out.length < n; t = schedule.nextAfter(t)) out.push(iso(t) as string);
  return out;
}

/** A scheduler on a manual clock whose wall time starts at wallStart. */
function manualScheduler(wallStart: string) {
  const clock = new ManualClock({ wallStartMs: at(wallStart) });
  const wheel = new TimingWheel({ clock });
  const scheduler = new CronScheduler({ wheel });
  const fired: Array<{ scheduled: string; wall: string }> = [];
  const record = (scheduledWallMs: number): void => {
    fired.push({ scheduled: iso(scheduledWallMs) as string, wall: iso(clock.wallMs()) as string });
  };
  return { clock, wheel, scheduler, fired, record };
}

describe('CronSchedule next fire times', () => {
  const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe'];
  const expressions = ['* * * * *', '*/7 * * * *', '30 2 * * *', '0 1,2,3 * * *', '15 */2 * * 1-5', '0 0 1 * *', '0 9 * * 0', '5 4 29 2 *'];
  const starts = ['2024-03-09T22:13:00Z', '2024-10-26T23:59:59.500Z', '2024-11-02T12:00:00Z', '2025-03-29T10:00:00Z'];

  it("match croner's own nextRuns for many expressions, zones and DST weekends", () => {
    let compared = 0;
    for (const timeZone of zones) {
      for (const expression of expressions) {
        const ours = parseCronSchedule(expression, { timeZone });
        const reference = new Cron(expression, { timezone: timeZone, mode: '5-part' });
        for (const start of starts) {
          const expected = reference.nextRuns(40, new Date(start)).map((d) => d.toISOString());
          assert.deepEqual(nextTimes(ours, at(start), 40), expected, `${expression} in ${timeZone} from ${start}`);
          compared += expected.length;
        }
      }
    }
    assert.ok(compared > 5000);
  });

  it('handles the spring-forward gap in America/New_York (2:00 EST -> 3:00 EDT on 2024-03-10)', () => {
    const fixedTime = parseCronSchedule('30 2 * * *', { timeZone: 'America/New_York' });
    // 02:30 does not exist that day: a fixed-time job runs at the first valid time, 03:00 EDT.
    assert.deepEqual(nextTimes(fixedTime, at('2024-03-09T00:00:00Z'), 3), [
      '2024-03-09T07:30:00.000Z', // 02:30 EST
      '2024-03-10T07:00:00.000Z', // 03:00 EDT
      '2024-03-11T06:30:00.000Z', // 02:30 EDT
    ]);
    const everyHalfHour = parseCronSchedule('*/30 * * * *', { timeZone: 'America/New_York' });
    assert.deepEqual(nextTimes(everyHalfHour, at('2024-03-10T06:15:00Z'), 3), [
      '2024-03-10T06:30:00.000Z', // 01:30 EST
      '2024-03-10T07:00:00.000Z', // 03:00 EDT
      '2024-03-10T07:30:00.000Z', // 03:30 EDT
    ]);
  });

  it('handles the fall-back repeat in America/New_York (2:00 EDT -> 1:00 EST on 2024-11-03)', () => {
    const fixedTime = parseCronSchedule('30 1 * * *', { timeZone: 'America/New_York' });
    // 01:30 happens twice; a fixed-time job runs once.
    assert.deepEqual(nextTimes(fixedTime, at('2024-11-02T12:00:00Z'), 2), ['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z']);
    const hourly = parseCronSchedule('0 * * * *', { timeZone: 'America/New_York' });
    // An interval job runs on both 01:00s.
    assert.deepEqual(nextTimes(hourly, at('2024-11-03T03:30:00Z'), 4), [
      '2024-11-03T04:00:00.000Z', // 00:00 EDT
      '2024-11-03T05:00:00.000Z', // 01:00 EDT
      '2024-11-03T06:00:00.000Z', // 01:00 EST
      '2024-11-03T07:00:00.000Z', // 02:00 EST
    ]);
  });

  it('expands the @ macros', () => {
    const from = at('2024-05-15T10:20:30Z'); // a Wednesday
    const expected: Record<string, string> = {
      '@hourly': '2024-05-15T11:00:00.000Z',
      '@daily': '2024-05-16T00:00:00.000Z',
      '@midnight': '2024-05-16T00:00:00.000Z',
      '@weekly': '2024-05-19T00:00:00.000Z',
      '@monthly': '2024-06-01T00:00:00.000Z',
      '@yearly': '2025-01-01T00:00:00.000Z',
      '@annually': '2025-01-01T00:00:00.000Z',
    };
    for (const [macro, next] of Object.entries(expected)) {
      assert.equal(iso(parseCronSchedule(macro, { timeZone: 'UTC' }).nextAfter(from)), next, macro);
    }
    // In a zone, @daily is local midnight.
    assert.equal(iso(parseCronSchedule('@daily', { timeZone: 'America/New_York' }).nextAfter(from)), '2024-05-16T04:00:00.000Z');
  });

  it('reads ? as * in the day fields, as robfig/cron does', () => {
    const question = parseCronSchedule('0 12 ? * ?', { timeZone: 'UTC' });
    assert.deepEqual(nextTimes(question, at('2024-01-01T00:00:00Z'), 3), [
      '2024-01-01T12:00:00.000Z',
      '2024-01-02T12:00:00.000Z',
      '2024-01-03T12:00:00.000Z',
    ]);
  });

  it('fires either day-of-month or day-of-week when both are restricted (Vixie cron)', () => {
    const either = parseCronSchedule('0 0 13 * 5', { timeZone: 'UTC' });
    // 2024-09-06 is a Friday; the 13th is a Friday too; 2024-09-20 and 27 are Fridays.
    assert.deepEqual(nextTimes(either, at('2024-09-05T00:00:00Z'), 4), [
      '2024-09-06T00:00:00.000Z',
      '2024-09-13T00:00:00.000Z',
      '2024-09-20T00:00:00.000Z',
      '2024-09-27T00:00:00.000Z',
    ]);
  });

  it('rejects what Kubernetes rejects, with a CronScheduleError', () => {
    for (const bad of ['', '* * * *', '* * * * * *', '61 * * * *', '* * * * MON-XYZ', '@every 5m', '@fortnightly']) {
      assert.throws(() => new CronSchedule(bad, { timeZone: 'UTC' }), CronScheduleError, bad);
    }
    assert.throws(() => new CronSchedule('* * * * *', { timeZone: 'Mars/Olympus_Mons' }), CronScheduleError);
  });

  it('returns null for a schedule that never fires, and finds the latest past fire time', () => {
    assert.equal(parseCronSchedule('0 0 31 2 *', { timeZone: 'UTC' }).nextAfter(at('2024-01-01T00:00:00Z')), null);
    const everyFive = parseCronSchedule('*/5 * * * *', { timeZone: 'UTC' });
    assert.equal(iso(everyFive.latestAtOrBefore(at('2024-01-01T10:07:00Z'))), '2024-01-01T10:05:00.000Z');
    assert.equal(iso(everyFive.latestAtOrBefore(at('2024-01-01T10:05:00Z'))), '2024-01-01T10:05:00.000Z', 'inclusive');
    assert.equal(iso(everyFive.latestAtOrBefore(at('2024-01-01T10:04:59.999Z'))), '2024-01-01T10:00:00.000Z');
  });

  it('shares one parsed schedule per expression and zone', () => {
    assert.equal(parseCronSchedule('*/3 * * * *', { timeZone: 'UTC' }), parseCronSchedule('*/3 * * * *', { timeZone: 'UTC' }));
    assert.notEqual(parseCronSchedule('*/3 * * * *', { timeZone: 'UTC' }), parseCronSchedule('*/3 * * * *', { timeZone: 'Asia/Tokyo' }));
  });
});

describe('CronScheduler on the timing wheel', () => {
  it('fires at each scheduled wall time with the scheduled time and argument', () => {
    const { clock, scheduler } = manualScheduler('2024-01-01T00:00:30Z');
    const runs: Array<[string | null, string, string | null]> = [];
    scheduler.add(
      parseCronSchedule('*/15 * * * *', { timeZone: 'UTC' }),
      (scheduledWallMs: number, name: string) => runs.push([iso(scheduledWallMs), name, iso(clock.wallMs())]),
      'backup',
    );
    clock.advanceBy(HOUR);
    assert.deepEqual(runs, [
      ['2024-01-01T00:15:00.000Z', 'backup', '2024-01-01T00:15:00.000Z'],
      ['2024-01-01T00:30:00.000Z', 'backup', '2024-01-01T00:30:00.000Z'],
      ['2024-01-01T00:45:00.000Z', 'backup', '2024-01-01T00:45:00.000Z'],
      ['2024-01-01T01:00:00.000Z', 'backup', '2024-01-01T01:00:00.000Z'],
    ]);
  });

  it('follows croner through both New York DST changes of 2024', () => {
    for (const [expression, start, days] of [
      ['30 2 * * *', '2024-03-09T00:00:00Z', 3],
      ['0 * * * *', '2024-11-02T22:00:00Z', 1],
      ['@daily', '2024-03-08T00:00:00Z', 4],
    ] as const) {
      const { clock, scheduler, fired, record } = manualScheduler(start);
      const schedule = parseCronSchedule(expression, { timeZone: 'America/New_York' });
      scheduler.add(schedule, record);
      clock.advanceBy(days * DAY);
      const reference = new Cron(expression, { timezone: 'America/New_York', mode: '5-part' });
      const expected = reference.nextRuns(200, new Date(start)).filter((d) => d.getTime() <= at(start) + days * DAY);
      assert.ok(expected.length > 0);
      assert.deepEqual(
        fired,
        expected.map((d) => ({ scheduled: d.toISOString(), wall: d.toISOString() })),
        expression,
      );
    }
  });

  it('stops a schedule, keeps going after a throwing run, and goes idle when nothing is scheduled', () => {
    const errors: unknown[] = [];
    const clock = new ManualClock({ wallStartMs: at('2024-01-01T00:00:00Z') });
    const scheduler = new CronScheduler({ wheel: new TimingWheel({ clock }), onError: (error) => errors.push(error) });
    let flakyRuns = 0;
    let steadyRuns = 0;
    const flaky = scheduler.add('* * * * *', () => {
      flakyRuns++;
      throw new Error('job failed');
    });
    const steady: CronEntry = scheduler.add('* * * * *', () => steadyRuns++);
    clock.advanceBy(3 * MINUTE);
    assert.equal(flakyRuns, 3);
    assert.equal(errors.length, 3);
    assert.equal(steadyRuns, 3);
    steady.stop();
    assert.equal(steady.active, false);
    assert.equal(steady.nextFireWallMs, null);
    clock.advanceBy(2 * MINUTE);
    assert.equal(steadyRuns, 3);
    assert.equal(flakyRuns, 5);
    assert.equal(flaky.active, true);
    scheduler.stopAll();
    assert.equal(scheduler.size, 0);
    assert.equal(clock.armedWakeUpCount, 0, 'no wake-up while no schedule is active');
  });

  it('lets a run stop its own schedule', () => {
    const { clock, scheduler } = manualScheduler('2024-01-01T00:00:00Z');
    let runs = 0;
    const entry = scheduler.add('* * * * *', () => {
      if (++runs === 2) entry.stop();
    });
    clock.advanceBy(10 * MINUTE);
    assert.equal(runs, 2);
    assert.equal(scheduler.size, 0);
  });

  it('never activates a schedule with no future fire time', () => {
    const { clock, scheduler } = manualScheduler('2024-01-01T00:00:00Z');
    const entry = scheduler.add('0 0 31 2 *', () => assert.fail('must not run'));
    assert.equal(entry.active, false);
    assert.equal(scheduler.size, 0);
    assert.equal(clock.armedWakeUpCount, 0);
  });

  it('does not run early when the wall clock is stepped back', () => {
    const { clock, scheduler, fired, record } = manualScheduler('2024-01-01T00:00:00Z');
    scheduler.add(parseCronSchedule('0 * * * *', { timeZone: 'UTC' }), record);
    clock.advanceBy(30 * MINUTE);
    clock.stepWallClock(-10 * MINUTE); // wall now reads 00:20
    clock.advanceBy(39 * MINUTE); // wall 00:59
    assert.equal(fired.length, 0);
    clock.advanceBy(MINUTE);
    assert.deepEqual(fired, [{ scheduled: '2024-01-01T01:00:00.000Z', wall: '2024-01-01T01:00:00.000Z' }]);
  });

  it('notices the wall clock being stepped forward and runs what came due', () => {
    const { clock, scheduler, fired, record } = manualScheduler('2024-01-01T00:00:00Z');
    scheduler.add(parseCronSchedule('0 * * * *', { timeZone: 'UTC' }), record);
    clock.advanceBy(10 * MINUTE);
    clock.stepWallClock(2 * HOUR); // wall now reads 02:10; 01:00 was due long ago
    clock.advanceBy(10_000); // one wall-clock check period
    assert.deepEqual(fired, [{ scheduled: '2024-01-01T01:00:00.000Z', wall: '2024-01-01T02:10:10.000Z' }]);
    clock.advanceBy(50 * MINUTE);
    assert.equal(fired[1]?.scheduled, '2024-01-01T03:00:00.000Z');
    assert.equal(fired[1]?.wall, '2024-01-01T03:00:00.000Z');
  });
});

describe('findMissedSchedules (Kubernetes CronJob controller semantics)', () => {
  const everyMinute = parseCronSchedule('* * * * *', { timeZone: 'UTC' });
  const hourly = parseCronSchedule('0 * * * *', { timeZone: 'UTC' });

  it('reports nothing missed before the first fire time after creation', () => {
    const report = findMissedSchedules({
      schedule: everyMinute,
      creationTimestampMs: at('2024-01-01T10:00:30Z'),
      nowMs: at('2024-01-01T10:00:59Z'),
    });
    assert.equal(report.mostRecentMs, null);
    assert.equal(report.missedCount, 0);
    assert.equal(report.withinStartingDeadline, false);
    assert.equal(report.tooManyMissed, false);
    assert.equal(iso(report.nextAfterNowMs), '2024-01-01T10:01:00.000Z');
  });

  it('counts from lastScheduleTime when the CronJob has run, from creation otherwise', () => {
    const creationTimestampMs = at('2024-01-01T00:00:00Z');
    const nowMs = at('2024-01-01T10:30:00Z');
    const fromCreation = findMissedSchedules({ schedule: hourly, creationTimestampMs, nowMs });
    assert.equal(fromCreation.missedCount, 10);
    const fromLastRun = findMissedSchedules({ schedule: hourly, creationTimestampMs, lastScheduleTimeMs: at('2024-01-01T08:00:00Z'), nowMs });
    assert.equal(fromLastRun.missedCount, 2);
    assert.equal(iso(fromLastRun.mostRecentMs), '2024-01-01T10:00:00.000Z');
    assert.equal(fromLastRun.withinStartingDeadline, true);
    const upToDate = findMissedSchedules({ schedule: hourly, creationTimestampMs, lastScheduleTimeMs: at('2024-01-01T10:00:00Z'), nowMs });
    assert.equal(upToDate.missedCount, 0);
    assert.equal(upToDate.mostRecentMs, null, 'the last scheduled time itself is not missed');
  });

  it('counts a fire time exactly at now as missed', () => {
    const report = findMissedSchedules({
      schedule: everyMinute,
      creationTimestampMs: at('2024-01-01T10:00:00Z'),
      nowMs: at('2024-01-01T10:01:00Z'),
    });
    assert.equal(report.missedCount, 1);
    assert.equal(iso(report.mostRecentMs), '2024-01-01T10:01:00.000Z');
  });

  it('warns past 100 missed start times and stops counting there', () => {
    const lastScheduleTimeMs = at('2024-01-01T00:00:00Z');
    const exactly100 = findMissedSchedules({ schedule: everyMinute, creationTimestampMs: 0, lastScheduleTimeMs, nowMs: lastScheduleTimeMs + 100 * MINUTE });
    assert.equal(exactly100.missedCount, 100);
    assert.equal(exactly100.tooManyMissed, false);
    assert.equal(exactly100.warning, null);
    const nowMs = lastScheduleTimeMs + 3 * HOUR + 30_000;
    const many = findMissedSchedules({ schedule: everyMinute, creationTimestampMs: 0, lastScheduleTimeMs, nowMs });
    assert.equal(many.missedCount, 101);
    assert.equal(many.tooManyMissed, true);
    assert.equal(many.warning, TOO_MANY_MISSED_WARNING);
    // The most recent one is still found and startable (Kubernetes starts it and warns).
    assert.equal(iso(many.mostRecentMs), '2024-01-01T03:00:00.000Z');
    assert.equal(many.withinStartingDeadline, true);
  });

  it('only counts what startingDeadlineSeconds still allows, which silences the warning', () => {
    const lastScheduleTimeMs = at('2024-01-01T00:00:00Z');
    const nowMs = lastScheduleTimeMs + 3 * HOUR + 30_000; // 03:00:30
    const report = findMissedSchedules({ schedule: everyMinute, creationTimestampMs: 0, lastScheduleTimeMs, nowMs, startingDeadlineSeconds: 200 });
    // The window is (02:57:10, 03:00:30]: 02:58, 02:59 and 03:00.
    assert.equal(report.missedCount, 3);
    assert.equal(report.tooManyMissed, false);
    assert.equal(iso(report.mostRecentMs), '2024-01-01T03:00:00.000Z');
    assert.equal(report.withinStartingDeadline, true);
  });

  it('reports a most recent time older than startingDeadlineSeconds as too late to start', () => {
    const report = findMissedSchedules({
      schedule: hourly,
      creationTimestampMs: 0,
      lastScheduleTimeMs: at('2024-01-01T09:00:00Z'),
      nowMs: at('2024-01-01T10:30:00Z'),
      startingDeadlineSeconds: 600,
    });
    assert.equal(iso(report.mostRecentMs), '2024-01-01T10:00:00.000Z');
    assert.equal(report.withinStartingDeadline, false);
    assert.equal(report.missedCount, 0, 'nothing within the deadline window');
    assert.equal(iso(report.nextAfterNowMs), '2024-01-01T11:00:00.000Z');
  });

  it('treats a start exactly startingDeadlineSeconds late as still in time', () => {
    const base = {
      schedule: hourly,
      creationTimestampMs: 0,
      lastScheduleTimeMs: at('2024-01-01T09:00:00Z'),
      startingDeadlineSeconds: 600,
    };
    assert.equal(findMissedSchedules({ ...base, nowMs: at('2024-01-01T10:10:00Z') }).withinStartingDeadline, true);
    assert.equal(findMissedSchedules({ ...base, nowMs: at('2024-01-01T10:10:00.001Z') }).withinStartingDeadline, false);
  });

  it('counts uneven schedules exactly (weekdays only, across a weekend)', () => {
    const weekdays = parseCronSchedule('0 9 * * 1-5', { timeZone: 'UTC' });
    const report = findMissedSchedules({
      schedule: weekdays,
      creationTimestampMs: 0,
      lastScheduleTimeMs: at('2024-01-05T09:00:00Z'), // Friday
      nowMs: at('2024-01-10T08:00:00Z'), // next Wednesday, before 9:00
    });
    assert.equal(report.missedCount, 2); // Monday and Tuesday
    assert.equal(iso(report.mostRecentMs), '2024-01-09T09:00:00.000Z');
  });

  it('uses the schedule time zone', () => {
    const nineInTokyo = parseCronSchedule('0 9 * * *', { timeZone: 'Asia/Tokyo' });
    const report = findMissedSchedules({
      schedule: nineInTokyo,
      creationTimestampMs: at('2024-01-01T00:30:00Z'), // 09:30 in Tokyo
      nowMs: at('2024-01-03T01:00:00Z'), // 10:00 in Tokyo, two days later
    });
    assert.equal(report.missedCount, 2);
    assert.equal(iso(report.mostRecentMs), '2024-01-03T00:00:00.000Z');
  });
});
