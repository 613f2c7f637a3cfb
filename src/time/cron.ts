// CronJob schedules driven by the timing wheel.
//
// croner parses expressions and computes fire times (in the schedule's time zone, through
// DST changes); the waiting is one wheel timer per schedule, sharing one callback, so a
// hundred thousand CronJobs cost a hundred thousand small wheel entries rather than a
// hundred thousand native timers and closures.
//
// Fire times are wall-clock times but the wheel waits on the monotonic clock. The two are
// reconciled twice: a timer that comes due before its wall time (the wall clock was stepped
// back) waits out the difference, and a periodic check notices the wall clock being stepped
// (either way) and re-plans every schedule.

import type { Clock } from './clock.js';
import { CronSchedule, parseCronSchedule } from './cron-schedule.js';
import { NO_TIMER, TimingWheel, type TimerHandle } from './timing-wheel.js';

export { CronSchedule, CronScheduleError, parseCronSchedule, type CronScheduleOptions } from './cron-schedule.js';
export {
  findMissedSchedules,
  MAX_MISSED_SCHEDULES,
  TOO_MANY_MISSED_WARNING,
  type MissedScheduleQuery,
  type MissedScheduleReport,
} from './cron-missed.js';

/** Called with the wall time (ms since the epoch) the run was scheduled for. */
export type CronFireCallback<A> = (scheduledWallMs: number, arg: A) => void;

export interface CronEntry {
  readonly schedule: CronSchedule;
  /** Wall time of the next run, or null once the schedule has no further runs or was stopped. */
  readonly nextFireWallMs: number | null;
  readonly active: boolean;
  stop(): void;
}

export interface CronSchedulerOptions {
  /** The wheel that does the waiting; its clock supplies wall time too. Default: a new wheel on the real clock. */
  wheel?: TimingWheel;
  /** How often to look for a stepped wall clock while schedules exist. Default 10 s. */
  wallClockCheckMs?: number;
  /** A wall-clock step larger than this re-plans every schedule. Default 1 s. */
  wallClockStepToleranceMs?: number;
  /** Receives errors thrown by run callbacks; the schedule carries on. Default: console.error. */
  onError?: (error: unknown, entry: CronEntry) => void;
}

class ScheduledCron<A> implements CronEntry {
  nextFireWallMs: number | null = null;
  timer: TimerHandle = NO_TIMER;

  constructor(
    /** Index in the scheduler's entry table; also the wheel timer's argument. */
    readonly id: number,
    readonly schedule: CronSchedule,
    readonly callback: CronFireCallback<A>,
    readonly arg: A,
    private readonly owner: CronScheduler,
  ) {}

  get active(): boolean {
    return this.timer !== NO_TIMER;
  }

  stop(): void {
    this.owner.stop(this);
  }
}

export class CronScheduler {
  readonly wheel: TimingWheel;
  private readonly clock: Clock;
  // Entries live in a table indexed by id, so a wheel timer can name its entry with an int32
  // argument (stored inline by the wheel) rather than an object reference.
  private readonly entries: Array<ScheduledCron<unknown> | undefined> = [];
  private readonly freeIds: number[] = [];
  private activeCount = 0;
  private readonly wallClockCheckMs: number;
  private readonly wallClockStepToleranceMs: number;
  private readonly onError: (error: unknown, entry: CronEntry) => void;
  /** wallMs() - nowMs() when the schedules were last planned. */
  private wallOffsetMs: number;
  private wallClockCheck: TimerHandle = NO_TIMER;

  constructor(options: CronSchedulerOptions = {}) {
    this.wheel = options.wheel ?? new TimingWheel();
    this.clock = this.wheel.clock;
    this.wallClockCheckMs = options.wallClockCheckMs ?? 10_000;
    this.wallClockStepToleranceMs = options.wallClockStepToleranceMs ?? 1000;
    this.onError = options.onError ?? reportToConsole;
    this.wallOffsetMs = this.currentWallOffset();
  }

  /** Schedules that are waiting for their next run. */
  get size(): number {
    return this.activeCount;
  }

  /**
   * Calls callback(scheduledWallMs, arg) at every fire time of the schedule from now on.
   * A run that comes due while the process is stalled fires once, late, and the schedule
   * resumes after the current time (like cron, it does not replay every missed run; see
   * findMissedSchedules for a controller's view of what was missed).
   */
  add(schedule: CronSchedule | string, callback: CronFireCallback<undefined>): CronEntry;
  add<A>(schedule: CronSchedule | string, callback: CronFireCallback<A>, arg: A): CronEntry;
  add<A>(schedule: CronSchedule | string, callback: CronFireCallback<A>, arg?: A): CronEntry {
    // A string is parsed in the local time zone; parse with parseCronSchedule for spec.timeZone.
    const parsed = typeof schedule === 'string' ? parseCronSchedule(schedule) : schedule;
    const id = this.freeIds.pop() ?? this.entries.length;
    const entry = new ScheduledCron<unknown>(id, parsed, callback as CronFireCallback<unknown>, arg, this);
    this.entries[id] = entry;
    this.activeCount++;
    if (this.plan(entry, this.clock.wallMs())) this.startWallClockCheck();
    return entry;
  }

  /** Stops one schedule; the same as entry.stop(). */
  stop(entry: CronEntry): void {
    const scheduled = entry as ScheduledCron<unknown>;
    if (scheduled.timer === NO_TIMER) return;
    this.wheel.cancel(scheduled.timer);
    this.finish(scheduled);
  }

  stopAll(): void {
    for (const entry of this.entries) if (entry !== undefined) this.stop(entry);
  }

  /** Arms the entry's timer for its first fire time after afterWallMs; false if there is none. */
  private plan(entry: ScheduledCron<unknown>, afterWallMs: number): boolean {
    const next = entry.schedule.nextAfter(afterWallMs);
    if (next === null) {
      this.finish(entry);
      return false;
    }
    entry.nextFireWallMs = next;
    const delayMs = next - this.clock.wallMs();
    if (entry.timer === NO_TIMER) entry.timer = this.wheel.schedule(delayMs, this.fire, entry.id);
    else this.wheel.reschedule(entry.timer, delayMs);
    return true;
  }

  private finish(entry: ScheduledCron<unknown>): void {
    entry.timer = NO_TIMER;
    entry.nextFireWallMs = null;
    this.entries[entry.id] = undefined;
    this.freeIds.push(entry.id);
    this.activeCount--;
    if (this.activeCount === 0 && this.wallClockCheck !== NO_TIMER) {
      this.wheel.cancel(this.wallClockCheck);
      this.wallClockCheck = NO_TIMER;
    }
  }

  // One function for every schedule's timer; the entry id rides along as the timer argument.
  private readonly fire = (id: number, handle: TimerHandle): void => {
    const entry = this.entries[id] as ScheduledCron<unknown>;
    const scheduledMs = entry.nextFireWallMs as number;
    const wallNow = this.clock.wallMs();
    if (wallNow < scheduledMs) {
      // The monotonic wait is over but the wall clock is behind: it was stepped back.
      this.wheel.reschedule(handle, scheduledMs - wallNow);
      return;
    }
    try {
      entry.callback(scheduledMs, entry.arg);
    } catch (error) {
      try {
        this.onError(error, entry);
      } catch {
        // A failing error hook must not stop the schedule.
      }
    }
    if (entry.timer === handle) this.plan(entry, Math.max(wallNow, scheduledMs));
  };

  private startWallClockCheck(): void {
    if (this.wallClockCheck === NO_TIMER) {
      this.wallClockCheck = this.wheel.schedule(this.wallClockCheckMs, this.checkWallClock);
    }
  }

  private readonly checkWallClock = (_arg: undefined, handle: TimerHandle): void => {
    const offset = this.currentWallOffset();
    if (Math.abs(offset - this.wallOffsetMs) > this.wallClockStepToleranceMs) {
      this.wallOffsetMs = offset;
      this.replanAll();
    }
    this.wheel.reschedule(handle, this.wallClockCheckMs);
  };

  /** Re-derives every timer's monotonic delay from its wall-clock fire time. */
  private replanAll(): void {
    const wallNow = this.clock.wallMs();
    for (const entry of this.entries) {
      if (entry !== undefined) this.wheel.reschedule(entry.timer, (entry.nextFireWallMs as number) - wallNow);
    }
  }

  private currentWallOffset(): number {
    return this.clock.wallMs() - this.clock.nowMs();
  }
}

function reportToConsole(error: unknown, entry: CronEntry): void {
  console.error(`k8ts time: run of cron schedule ${JSON.stringify(entry.schedule.expression)} threw`, error);
}
