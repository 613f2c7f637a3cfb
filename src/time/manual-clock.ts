import type { Clock, WakeUp } from './clock.js';

export interface ManualClockOptions {
  /** Initial monotonic time. Default 0. */
  startMs?: number;
  /** Initial wall time (ms since the Unix epoch). Default 2024-01-01T00:00:00Z. */
  wallStartMs?: number;
}

const DEFAULT_WALL_START_MS = Date.UTC(2024, 0, 1);

// A wake-up that rings again and again without time moving means some owner re-arms in the
// past forever; failing loudly beats hanging the test run.
const MAX_RINGS_WITHOUT_PROGRESS = 1_000_000;

/**
 * A clock that moves only when told to. Advancing it rings every wake-up that falls due, one
 * at a time in time order, with the clock set to that wake-up's time, so a timing wheel bound
 * to it fires each timer synchronously at exactly its deadline.
 *
 * Wall time moves together with monotonic time; stepWallClock() simulates an administrator
 * or NTP stepping the system clock, which monotonic time ignores.
 */
export class ManualClock implements Clock {
  private monotonicMs: number;
  private wallOffsetMs: number;
  private readonly wakeUps: ManualWakeUp[] = [];

  constructor(options: ManualClockOptions = {}) {
    this.monotonicMs = options.startMs ?? 0;
    this.wallOffsetMs = (options.wallStartMs ?? DEFAULT_WALL_START_MS) - this.monotonicMs;
  }

  nowMs(): number {
    return this.monotonicMs;
  }

  wallMs(): number {
    return this.monotonicMs + this.wallOffsetMs;
  }

  createWakeUp(onWake: () => void): WakeUp {
    const wakeUp = new ManualWakeUp(onWake, (disposed) => this.wakeUps.splice(this.wakeUps.indexOf(disposed), 1));
    this.wakeUps.push(wakeUp);
    return wakeUp;
  }

  /** Moves time forward by deltaMs, ringing due wake-ups on the way. advanceBy(0) rings those already due. */
  advanceBy(deltaMs: number): void {
    if (!(deltaMs >= 0)) throw new RangeError(`ManualClock cannot move backwards (delta ${deltaMs} ms)`);
    this.advanceTo(this.monotonicMs + deltaMs);
  }

  /** Moves time forward to targetMs, ringing due wake-ups in time order (ties in creation order). */
  advanceTo(targetMs: number): void {
    if (!(targetMs >= this.monotonicMs)) {
      throw new RangeError(`ManualClock cannot move backwards (from ${this.monotonicMs} to ${targetMs} ms)`);
    }
    let ringsWithoutProgress = 0;
    for (let due = this.earliestDueWakeUp(targetMs); due !== undefined; due = this.earliestDueWakeUp(targetMs)) {
      const atMs = due.armedAtMs as number;
      if (atMs > this.monotonicMs) {
        this.monotonicMs = atMs;
        ringsWithoutProgress = 0;
      } else if (++ringsWithoutProgress > MAX_RINGS_WITHOUT_PROGRESS) {
        throw new Error(`ManualClock: a wake-up re-armed itself at ${atMs} ms ${MAX_RINGS_WITHOUT_PROGRESS} times`);
      }
      due.ring();
    }
    this.monotonicMs = targetMs;
  }

  /** Steps the wall clock (as NTP or an administrator would); monotonic time is unaffected. */
  stepWallClock(deltaMs: number): void {
    this.wallOffsetMs += deltaMs;
  }

  /** How many wake-ups are armed; an idle timing wheel leaves this at zero. */
  get armedWakeUpCount(): number {
    let count = 0;
    for (const wakeUp of this.wakeUps) if (wakeUp.armedAtMs !== undefined) count++;
    return count;
  }

  /** The earliest armed wake-up time, or undefined when nothing is armed. */
  nextWakeUpAtMs(): number | undefined {
    return this.earliestDueWakeUp(Infinity)?.armedAtMs;
  }

  private earliestDueWakeUp(limitMs: number): ManualWakeUp | undefined {
    let earliest: ManualWakeUp | undefined;
    for (const wakeUp of this.wakeUps) {
      const atMs = wakeUp.armedAtMs;
      if (atMs === undefined || atMs > limitMs) continue;
      if (earliest === undefined || atMs < (earliest.armedAtMs as number)) earliest = wakeUp;
    }
    return earliest;
  }
}

class ManualWakeUp implements WakeUp {
  armedAtMs: number | undefined;
  private disposed = false;

  constructor(
    private readonly onWake: () => void,
    private readonly forget: (wakeUp: ManualWakeUp) => void,
  ) {}

  armAt(atMs: number): void {
    this.armedAtMs = atMs;
  }

  disarm(): void {
    this.armedAtMs = undefined;
  }

  dispose(): void {
    this.armedAtMs = undefined;
    if (!this.disposed) {
      this.disposed = true;
      this.forget(this);
    }
  }

  ring(): void {
    this.armedAtMs = undefined;
    this.onWake();
  }
}
