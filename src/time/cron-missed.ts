// How a CronJob controller decides what it missed, following Kubernetes'
// pkg/controller/cronjob/utils.go (mostRecentScheduleTime / nextScheduleTime) and the
// startingDeadlineSeconds check in syncCronJob:
//
//  - the schedule is examined from status.lastScheduleTime, or from the CronJob's
//    creationTimestamp if it never ran;
//  - with spec.startingDeadlineSeconds, times older than now - deadline are not counted:
//    the controller would not start them anyway, which is why Kubernetes advises setting
//    the deadline when it complains;
//  - more than 100 missed times is reported as "too many missed start times" (the job is
//    still started for the most recent time).
//
// Two deliberate differences from Kubernetes' arithmetic:
//  - Kubernetes estimates the count as elapsed time / (gap between the first two fire
//    times); that is exact for evenly spaced schedules but not for, say, weekdays-only
//    ones. Here the fire times are counted one by one, stopping past 100 as the original
//    controller did, so missedCount is exact up to 100 and 101 means "more than 100".
//  - Kubernetes' search for the most recent time starts from that estimate and can come
//    back empty for uneven schedules; here it is asked of the schedule directly.

import type { CronSchedule } from './cron-schedule.js';

/** Kubernetes warns past this many missed start times. */
export const MAX_MISSED_SCHEDULES = 100;

export const TOO_MANY_MISSED_WARNING =
  'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew';

export interface MissedScheduleQuery {
  schedule: CronSchedule;
  /** metadata.creationTimestamp, in ms since the epoch. */
  creationTimestampMs: number;
  /** status.lastScheduleTime, in ms since the epoch, if the CronJob ever ran. */
  lastScheduleTimeMs?: number | null;
  /** The current wall time, in ms since the epoch. */
  nowMs: number;
  /** spec.startingDeadlineSeconds, if set. */
  startingDeadlineSeconds?: number | null;
}

export interface MissedScheduleReport {
  /** The latest fire time after the last schedule (or creation) and at or before now; null if none. */
  mostRecentMs: number | null;
  /**
   * Fire times after the last schedule (or creation), at or before now, and not older than
   * startingDeadlineSeconds. Counting stops past MAX_MISSED_SCHEDULES (so at most 101).
   */
  missedCount: number;
  /** missedCount exceeds MAX_MISSED_SCHEDULES: Kubernetes records a TooManyMissedTimes warning. */
  tooManyMissed: boolean;
  /** The warning to record when tooManyMissed. */
  warning: string | null;
  /**
   * mostRecentMs exists and is no older than startingDeadlineSeconds (any age, without a
   * deadline): a controller should start a job for it now.
   */
  withinStartingDeadline: boolean;
  /** The first fire time after now, for requeueing; null if the schedule never fires again. */
  nextAfterNowMs: number | null;
}

export function findMissedSchedules(query: MissedScheduleQuery): MissedScheduleReport {
  const { schedule, nowMs } = query;
  const lastKnownMs = query.lastScheduleTimeMs ?? query.creationTimestampMs;
  const deadlineMs = query.startingDeadlineSeconds == null ? null : query.startingDeadlineSeconds * 1000;
  // The controller will not start anything scheduled before this point.
  const countFromMs = deadlineMs === null ? lastKnownMs : Math.max(lastKnownMs, nowMs - deadlineMs);

  const missedCount = countFireTimes(schedule, countFromMs, nowMs, MAX_MISSED_SCHEDULES + 1);
  const latest = schedule.latestAtOrBefore(nowMs);
  const mostRecentMs = latest !== null && latest > lastKnownMs ? latest : null;
  const withinStartingDeadline = mostRecentMs !== null && (deadlineMs === null || mostRecentMs + deadlineMs >= nowMs);
  const tooManyMissed = missedCount > MAX_MISSED_SCHEDULES;
  return {
    mostRecentMs,
    missedCount,
    tooManyMissed,
    warning: tooManyMissed ? TOO_MANY_MISSED_WARNING : null,
    withinStartingDeadline,
    nextAfterNowMs: schedule.nextAfter(nowMs),
  };
}

/** Counts fire times in (afterMs, untilMs], stopping once `limit` are found. */
function countFireTimes(schedule: CronSchedule, afterMs: number, untilMs: number, limit: number): number {
  let count = 0;
  for (let t = schedule.nextAfter(afterMs); t !== null && t <= untilMs && count < limit; t = schedule.nextAfter(t)) count++;
  return count;
}
