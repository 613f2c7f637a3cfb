// A parsed CronJob schedule: the expression and time zone of a Kubernetes CronJob spec,
// parsed by croner and asked for fire times. Waiting is not done here (see cron.ts).

import { Cron } from 'croner';

export interface CronScheduleOptions {
  /**
   * IANA time zone (spec.timeZone). Default: the process's local zone, as Kubernetes reads a
   * CronJob without spec.timeZone in the kube-controller-manager's zone.
   */
  timeZone?: string;
  /** Accept a leading seconds field (6 fields). Kubernetes does not; benchmarks and tests do. */
  withSeconds?: boolean;
}

export class CronScheduleError extends Error {
  constructor(expression: string, reason: string) {
    super(`invalid cron schedule ${JSON.stringify(expression)}: ${reason}`);
    this.name = 'CronScheduleError';
  }
}

export class CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  private readonly cron: Cron;
  // The last answer of nextAfter: it holds for every time from the question up to the answer,
  // and a schedule shared by many CronJobs is asked about the same moment again and again.
  private askedAfterMs = NaN;
  private answeredMs = NaN;

  constructor(expression: string, options: CronScheduleOptions = {}) {
    this.expression = expression;
    this.timeZone = options.timeZone ?? localTimeZone();
    const pattern = expression.trim();
    if (/^@every\b/i.test(pattern)) throw new CronScheduleError(expression, '@every is not supported');
    try {
      this.cron = new Cron(toCronerPattern(pattern), {
        mode: options.withSeconds ? '6-part' : '5-part',
        timezone: this.timeZone,
        // Vixie cron (and Kubernetes, through robfig/cron) fires when either the day of month
        // or the day of week matches, if both are restricted.
        domAndDow: false,
      });
      // croner checks the time zone lazily; ask once so a bad zone fails here, not at fire time.
      this.cron.nextRun(new Date(0));
    } catch (error) {
      throw new CronScheduleError(expression, error instanceof Error ? error.message : String(error));
    }
  }

  /** The first fire time strictly after wallMs (ms since the epoch), or null if it never fires again. */
  nextAfter(wallMs: number): number | null {
    if (wallMs >= this.askedAfterMs && wallMs < this.answeredMs) return this.answeredMs;
    const next = this.cron.nextRun(new Date(wallMs))?.getTime() ?? null;
    if (next !== null) {
      this.askedAfterMs = wallMs;
      this.answeredMs = next;
    }
    return next;
  }

  /** The last fire time at or before wallMs, or null if there is none. */
  latestAtOrBefore(wallMs: number): number | null {
    // croner's previousRuns excludes a run exactly at the reference, so look from 1 ms later.
    const [latest] = this.cron.previousRuns(1, new Date(wallMs + 1));
    return latest === undefined ? null : latest.getTime();
  }
}

function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * robfig/cron reads `?` as `*` in the day fields; croner would substitute the current time's
 * value, so translate it first.
 */
function toCronerPattern(pattern: string): string {
  return pattern.replace(/\?/g, '*');
}

// CronJobs overwhelmingly share a handful of expressions ("*/5 * * * *", "@daily"), and a
// parsed croner pattern is a few kilobytes, so parsed schedules are shared. The cache is
// bounded by simply starting over when it fills: schedules already handed out stay valid.
const SCHEDULE_CACHE_LIMIT = 10_000;
const scheduleCache = new Map<string, CronSchedule>();

/** Parses (or reuses) a schedule. Throws CronScheduleError for an invalid expression or time zone. */
export function parseCronSchedule(expression: string, options: CronScheduleOptions = {}): CronSchedule {
  const key = `${options.timeZone ?? localTimeZone()}\u0000${options.withSeconds ? 6 : 5}\u0000${expression}`;
  let schedule = scheduleCache.get(key);
  if (schedule === undefined) {
    schedule = new CronSchedule(expression, options);
    if (scheduleCache.size >= SCHEDULE_CACHE_LIMIT) scheduleCache.clear();
    scheduleCache.set(key, schedule);
  }
  return schedule;
}
