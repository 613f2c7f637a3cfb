// The time subsystem: clocks, the timing wheel that replaces setTimeout, and CronJob schedules.
export { ManualClock, RealClock, realClock, type Clock, type ManualClockOptions, type WakeUp, type WakeUpOptions } from './clock.js';
export { NO_TIMER, TimingWheel, type TimerCallback, type TimerHandle, type TimingWheelOptions } from './timing-wheel.js';
export {
  CronSchedule,
  CronScheduleError,
  CronScheduler,
  findMissedSchedules,
  MAX_MISSED_SCHEDULES,
  parseCronSchedule,
  TOO_MANY_MISSED_WARNING,
  type CronEntry,
  type CronFireCallback,
  type CronScheduleOptions,
  type CronSchedulerOptions,
  type MissedScheduleQuery,
  type MissedScheduleReport,
} from './cron.js';
