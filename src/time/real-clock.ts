import { performance } from 'node:perf_hooks';
import type { Clock, WakeUp, WakeUpOptions } from './clock.js';

/**
 * The production clock: performance.now() for deadlines, Date.now() for wall time, and one
 * native timer per wake-up.
 */
export class RealClock implements Clock {
  nowMs(): number {
    return performance.now();
  }

  wallMs(): number {
    return Date.now();
  }

  createWakeUp(onWake: () => void, options: WakeUpOptions = {}): WakeUp {
    return new NativeWakeUp(onWake, options.keepProcessAlive ?? false);
  }
}

/** One shared instance is enough: the real clock has no state. */
export const realClock: Clock = new RealClock();

// Node's setTimeout counts whole milliseconds from libuv's cached loop time, which can lag
// performance.now() by up to a millisecond (more after a long synchronous stretch). A native
// timer can therefore ring slightly before the monotonic deadline. Rather than make every
// wake-up owner cope with that, the wake-up checks the time itself and waits out the
// remainder: with setTimeout when at least a millisecond is left, otherwise with
// setImmediate, which yields to I/O and costs at most a millisecond of polling.
//
// That immediate is never unref'd: an unref'd immediate does not stop libuv from blocking
// in its poll phase, so it would only run when some other event woke the loop (measured:
// hundreds of ms late). A ref'd one keeps the process alive for under a millisecond.
const SUB_MILLISECOND_WAIT_MS = 1;

class NativeWakeUp implements WakeUp {
  private timeout: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private targetMs: number | undefined;

  constructor(
    private readonly onWake: () => void,
    private readonly keepProcessAlive: boolean,
  ) {}

  get armedAtMs(): number | undefined {
    return this.targetMs;
  }

  armAt(atMs: number): void {
    this.targetMs = atMs;
    this.startNativeTimer();
  }

  disarm(): void {
    this.targetMs = undefined;
    this.stopNativeTimer();
  }

  dispose(): void {
    this.disarm();
  }

  private startNativeTimer(): void {
    this.stopNativeTimer();
    const remainingMs = (this.targetMs as number) - performance.now();
    if (remainingMs >= SUB_MILLISECOND_WAIT_MS) {
      this.timeout = setTimeout(this.ring, Math.ceil(remainingMs));
      if (!this.keepProcessAlive) this.timeout.unref();
    } else {
      this.immediate = setImmediate(this.ring);
    }
  }

  private stopNativeTimer(): void {
    if (this.timeout !== undefined) {
      clearTimeout(this.timeout);
      this.timeout = undefined;
    }
    if (this.immediate !== undefined) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
  }

  // An arrow property so the native timer gets a stable function and `this` stays bound.
  private readonly ring = (): void => {
    this.timeout = undefined;
    this.immediate = undefined;
    const targetMs = this.targetMs;
    if (targetMs === undefined) return;
    if (performance.now() < targetMs) {
      this.startNativeTimer();
      return;
    }
    this.targetMs = undefined;
    this.onWake();
  };
}
