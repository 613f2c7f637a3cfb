// The injectable source of time for everything in k8ts that waits.
//
// Two kinds of time are kept apart on purpose:
//  - monotonic time (nowMs) measures durations and deadlines; it never jumps when an
//    administrator or NTP steps the system clock, so a lease cannot expire early because
//    the wall clock moved;
//  - wall time (wallMs) is only for display and for cron, whose schedules are written in
//    calendar terms.
//
// A clock also provides wake-ups: a timing wheel owns exactly one, re-arms it for its next
// non-empty slot, and the clock rings it. RealClock backs a wake-up with one native timer;
// ManualClock records the requested time and rings it when a test advances the clock, so
// tests drive time deterministically and never sleep.

export interface Clock {
  /** Monotonic milliseconds (fractional). Only differences are meaningful. */
  nowMs(): number;
  /** Milliseconds since the Unix epoch, as the system reports them. */
  wallMs(): number;
  /** Creates a wake-up that calls onWake (once per arming) when the monotonic clock reaches its armed time. */
  createWakeUp(onWake: () => void, options?: WakeUpOptions): WakeUp;
}

export interface WakeUpOptions {
  /**
   * Whether an armed wake-up keeps the Node.js process alive. Off by default: a timer
   * subsystem should not stop a process that has nothing else to do from exiting.
   */
  keepProcessAlive?: boolean;
}

export interface WakeUp {
  /** Arms the wake-up for monotonic time atMs, replacing any earlier arming. A time in the past rings as soon as possible. */
  armAt(atMs: number): void;
  /** Disarms the wake-up; it will not ring until armed again. */
  disarm(): void;
  /** The monotonic time the wake-up is armed for, or undefined when disarmed. */
  readonly armedAtMs: number | undefined;
  /** Disarms the wake-up for good and lets the clock forget it. */
  dispose(): void;
}

export { RealClock, realClock } from './real-clock.js';
export { ManualClock, type ManualClockOptions } from './manual-clock.js';
