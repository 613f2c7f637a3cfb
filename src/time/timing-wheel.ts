// A hierarchical timing wheel (Varghese & Lauck) that replaces setTimeout in k8ts.
//
// Time is counted in ticks (1 ms by default) from the wheel's creation. A deadline tick is
// read as 8 base-64 digits; level L holds timers whose deadline agrees with the current tick
// on every digit above L, in the slot named by the deadline's digit L. A level-0 slot
// therefore holds timers that are all due on one tick, and a higher slot is "visited" when
// the current tick reaches its first tick: its timers then cascade down to lower levels
// (each timer cascades at most once per level). Deadlines whose upper digits differ from
// the current tick even above level 7 (2^48 ticks, ~8900 years at 1 ms) wait in an overflow
// list. Scheduling, cancelling and rescheduling are O(1): a digit comparison and a list link.
//
// One wake-up from the clock drives the whole wheel. It is armed for the next visit: the
// first occupied slot found by scanning each level's occupancy bitmap from the current
// digit, so an idle stretch costs nothing, no matter how long, and an empty wheel arms
// nothing at all.

import { realClock, type Clock, type WakeUp } from './clock.js';
import { SlotLists, SLOTS_PER_LEVEL, SLOT_BITS, SLOT_MASK } from './slot-lists.js';
import {
  NIL,
  SLOT_FIRING,
  TimerStore,
  type TimerCallback,
  type TimerHandle,
} from './timer-store.js';

export { NO_TIMER, type TimerCallback, type TimerHandle } from './timer-store.js';

export interface TimingWheelOptions {
  /** Source of time and of the wheel's single wake-up. Default: the real clock. */
  clock?: Clock;
  /** Tick length in ms: the wheel's resolution. Default 1. */
  tickMs?: number;
  /** Timers to make room for up front; the columns double as needed. Default 1024. */
  initialCapacity?: number;
  /** Whether pending timers keep the process alive. Default false (the native timer is unref'd). */
  keepProcessAlive?: boolean;
  /** Receives errors thrown by callbacks; the wheel keeps firing the others. Default: console.error. */
  onError?: (error: unknown, handle: TimerHandle) => void;
}

const LEVEL_COUNT = 8;
const OVERFLOW_SLOT = LEVEL_COUNT * SLOTS_PER_LEVEL;
/** LEVEL_SPAN[L] = ticks covered by one slot of level L; LEVEL_SPAN[LEVEL_COUNT] = whole wheel. */
const LEVEL_SPAN: readonly number[] = Array.from({ length: LEVEL_COUNT + 1 }, (_, level) => 2 ** (SLOT_BITS * level));
const WHEEL_SPAN = LEVEL_SPAN[LEVEL_COUNT];
/** Below this, ticks fit in 31 bits and digits come from cheap int32 bit operations. */
const INT31_TICKS = 2 ** 31;
/** Deadlines stay well inside exact double integers. */
const MAX_DEADLINE_TICK = 2 ** 52;
/** Guards tick arithmetic against floating-point noise (e.g. 0.3 / 0.1 = 2.9999999999999996). */
const TICK_EPSILON = 1e-6;
/**
 * A callback may schedule a timer for the tick being fired; it fires in the same pass.
 * Past this many such timers in one tick the rest move to the next tick, so a callback that
 * keeps re-arming itself with delay 0 cannot starve the event loop.
 */
const MAX_SAME_TICK_INSERTS = 100_000;

export class TimingWheel {
  readonly tickMs: number;
  /** The clock the wheel reads and is woken by; code that pairs wall time with the wheel uses it too. */
  readonly clock: Clock;
  private readonly epochMs: number;
  private readonly store: TimerStore;
  private readonly lists: SlotLists;
  private readonly wakeUp: WakeUp;
  private readonly onError: (error: unknown, handle: TimerHandle) => void;

  /** Every tick before this one has been processed; slots are placed relative to it. */
  private currentTick = 0;
  /** No slot is visited before this tick (a lower bound: cancellations do not raise it). */
  private nextVisitTick = Infinity;
  private pendingCount = 0;
  private dispatching = false;
  private sameTickInserts = 0;
  private closed = false;

  constructor(options: TimingWheelOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.tickMs = options.tickMs ?? 1;
    if (!(this.tickMs > 0) || !Number.isFinite(this.tickMs)) throw new RangeError(`tickMs must be positive, got ${this.tickMs}`);
    this.epochMs = this.clock.nowMs();
    this.store = new TimerStore(options.initialCapacity ?? 1024);
    this.lists = new SlotLists(this.store, LEVEL_COUNT, 1);
    this.onError = options.onError ?? reportToConsole;
    this.wakeUp = this.clock.createWakeUp(() => this.runDue(), { keepProcessAlive: options.keepProcessAlive ?? false });
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get size(): number {
    return this.pendingCount;
  }

  /**
   * Calls callback(arg, handle) once, no earlier than delayMs from now. Timers due on the
   * same tick fire in scheduling order. Pass a shared callback and a per-timer argument
   * rather than a fresh closure: that is what keeps a million pending timers cheap (an int32
   * argument is stored inline in 4 bytes; any other value goes to a side table).
   */
  schedule(delayMs: number, callback: TimerCallback<undefined>): TimerHandle;
  schedule<A>(delayMs: number, callback: TimerCallback<A>, arg: A): TimerHandle;
  schedule<A>(delayMs: number, callback: TimerCallback<A>, arg?: A): TimerHandle {
    if (this.closed) throw new Error('timing wheel is closed');
    const deadline = this.deadlineTickAfter(delayMs);
    const index = this.store.allocate(callback as TimerCallback<unknown>, arg);
    this.place(index, deadline);
    this.pendingCount++;
    return this.store.handleOf(index);
  }

  /**
   * Stops a timer. Returns false if the handle is stale (already fired or cancelled).
   * Cancelling a timer from inside its own callback prevents nothing further but is harmless.
   */
  cancel(handle: TimerHandle): boolean {
    const store = this.store;
    const index = store.indexOf(handle);
    if (index === NIL) return false;
    if (store.slotOf[index] !== SLOT_FIRING) {
      this.lists.unlink(index);
      this.pendingCount--;
    }
    store.release(index);
    if (this.pendingCount === 0 && !this.dispatching) this.goIdle();
    return true;
  }

  /**
   * Moves a pending timer's deadline to delayMs from now, keeping its handle, callback and
   * argument. Called on a timer from inside its own callback, it re-arms it (a periodic
   * timer without a new allocation). Returns false if the handle is stale.
   */
  reschedule(handle: TimerHandle, delayMs: number): boolean {
    const store = this.store;
    const index = store.indexOf(handle);
    if (index === NIL || this.closed) return false;
    const deadline = this.deadlineTickAfter(delayMs);
    if (store.slotOf[index] === SLOT_FIRING) this.pendingCount++;
    else this.lists.unlink(index);
    this.place(index, deadline);
    return true;
  }

  /** Whether the handle refers to a timer that has yet to fire. */
  isPending(handle: TimerHandle): boolean {
    const index = this.store.indexOf(handle);
    return index !== NIL && this.store.slotOf[index] !== SLOT_FIRING;
  }

  /** The monotonic time (clock.nowMs() scale) at which a pending timer is due, or undefined. */
  deadlineMsOf(handle: TimerHandle): number | undefined {
    if (!this.isPending(handle)) return undefined;
    return this.msOfTick(this.store.deadlineTick[this.store.indexOf(handle)]);
  }

  /** Cancels every timer and releases the wake-up; the wheel refuses new timers afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let slot = 0; slot <= OVERFLOW_SLOT; slot++) {
      for (let index = this.lists.detachAll(slot); index !== NIL; ) {
        const following = this.store.next[index];
        this.store.release(index);
        index = following;
      }
    }
    this.pendingCount = 0;
    this.goIdle();
    this.wakeUp.dispose();
  }

  private deadlineTickAfter(delayMs: number): number {
    if (!(delayMs >= 0)) {
      if (delayMs < 0) delayMs = 0;
      else throw new RangeError(`timer delay must be a number of ms, got ${delayMs}`);
    }
    const sinceEpochMs = this.clock.nowMs() - this.epochMs;
    this.catchUp(Math.floor(sinceEpochMs / this.tickMs + TICK_EPSILON));
    let deadline = Math.ceil((sinceEpochMs + delayMs) / this.tickMs - TICK_EPSILON);
    if (!(deadline <= MAX_DEADLINE_TICK)) throw new RangeError(`timer delay ${delayMs} ms is too far in the future`);
    if (deadline <= this.currentTick) {
      deadline = this.currentTick;
      if (this.dispatching && ++this.sameTickInserts > MAX_SAME_TICK_INSERTS) deadline++;
    }
    return deadline;
  }

  /**
   * Moves the current tick up to now when no slot falls due before then. Placing timers
   * relative to an up-to-date tick keeps them low in the wheel, so they cascade less and a
   * freshly armed wake-up is not for a slot long in the past.
   */
  private catchUp(nowTick: number): void {
    if (nowTick > this.currentTick && nowTick < this.nextVisitTick && !this.dispatching) this.currentTick = nowTick;
  }

  /** Links a timer into the slot for its deadline (>= currentTick) and pulls the wake-up earlier if needed. */
  private place(index: number, deadline: number): void {
    this.store.deadlineTick[index] = deadline;
    const current = this.currentTick;
    let slot: number;
    let visit: number;
    if (deadline < INT31_TICKS) {
      // Both ticks fit in 31 bits: the highest differing bit names the level.
      const differing = deadline ^ current;
      if (differing <= SLOT_MASK) {
        slot = deadline & SLOT_MASK;
        visit = deadline;
      } else {
        const level = ((31 - Math.clz32(differing)) / SLOT_BITS) | 0;
        const shift = level * SLOT_BITS;
        slot = level * SLOTS_PER_LEVEL + ((deadline >>> shift) & SLOT_MASK);
        visit = (deadline >>> shift) << shift;
      }
    } else {
      slot = OVERFLOW_SLOT;
      visit = (Math.floor(current / WHEEL_SPAN) + 1) * WHEEL_SPAN;
      for (let level = 0; level < LEVEL_COUNT; level++) {
        const upperSpan = LEVEL_SPAN[level + 1];
        if (Math.floor(deadline / upperSpan) === Math.floor(current / upperSpan)) {
          const span = LEVEL_SPAN[level];
          slot = level * SLOTS_PER_LEVEL + (Math.floor(deadline / span) & SLOT_MASK);
          visit = deadline - (deadline % span);
          break;
        }
      }
    }
    this.lists.append(slot, index);
    if (visit < this.nextVisitTick) {
      this.nextVisitTick = visit;
      if (!this.dispatching) this.wakeUp.armAt(this.msOfTick(visit));
    }
  }

  /** The wake-up handler: visits every due slot in tick order, then re-arms for the next one. */
  private runDue(): void {
    if (this.dispatching) return;
    const nowTick = Math.floor((this.clock.nowMs() - this.epochMs) / this.tickMs + TICK_EPSILON);
    this.dispatching = true;
    try {
      for (let visit = this.findNextVisit(); visit <= nowTick; visit = this.findNextVisit()) {
        this.currentTick = visit;
        this.sameTickInserts = 0;
        this.cascadeAt(visit);
        this.fireSlot(visit < INT31_TICKS ? visit & SLOT_MASK : visit % SLOTS_PER_LEVEL);
      }
    } finally {
      this.dispatching = false;
      this.rearm(nowTick);
    }
  }

  private rearm(nowTick: number): void {
    const visit = this.findNextVisit();
    if (visit === Infinity) {
      this.goIdle();
      return;
    }
    if (nowTick > this.currentTick && nowTick < visit) this.currentTick = nowTick;
    this.nextVisitTick = visit;
    this.wakeUp.armAt(this.msOfTick(visit));
  }

  private goIdle(): void {
    this.nextVisitTick = Infinity;
    this.wakeUp.disarm();
  }

  /**
   * The first tick >= currentTick at which an occupied slot is visited. A slot of a lower
   * level is always visited before any slot of a higher level (it lies before the next
   * boundary of the level above), so the first level with an occupied slot decides.
   */
  private findNextVisit(): number {
    if (this.pendingCount === 0) return Infinity;
    const current = this.currentTick;
    for (let level = 0; level < LEVEL_COUNT; level++) {
      const span = LEVEL_SPAN[level];
      const currentDigit = current < INT31_TICKS ? (current >>> (level * SLOT_BITS)) & SLOT_MASK : Math.floor(current / span) & SLOT_MASK;
      // Level 0's current slot may hold timers due now; a higher level's current slot was
      // cascaded when the current tick reached it, so the search starts after it.
      const found = this.lists.firstOccupiedFrom(level, level === 0 ? currentDigit : currentDigit + 1);
      if (found >= 0) {
        const upperSpan = LEVEL_SPAN[level + 1];
        return Math.floor(current / upperSpan) * upperSpan + found * span;
      }
    }
    if (!this.lists.isEmpty(OVERFLOW_SLOT)) return (Math.floor(current / WHEEL_SPAN) + 1) * WHEEL_SPAN;
    return Infinity;
  }

  /** Re-places the timers of every higher slot first visited at this tick, top level first. */
  private cascadeAt(visit: number): void {
    if (visit % WHEEL_SPAN === 0) this.cascadeSlot(OVERFLOW_SLOT);
    for (let level = LEVEL_COUNT - 1; level >= 1; level--) {
      const span = LEVEL_SPAN[level];
      if (visit % span !== 0) continue;
      this.cascadeSlot(level * SLOTS_PER_LEVEL + (Math.floor(visit / span) & SLOT_MASK));
    }
  }

  private cascadeSlot(slot: number): void {
    const store = this.store;
    // No callback runs while cascading, so the detached chain cannot change under us.
    for (let index = this.lists.detachAll(slot); index !== NIL; ) {
      const following = store.next[index];
      this.place(index, store.deadlineTick[index]);
      index = following;
    }
  }

  /**
   * Fires a level-0 slot: every timer in it is due. Timers are taken one at a time from the
   * head, so callbacks may cancel or reschedule any timer (including ones later in this
   * slot) and timers they schedule for this tick fire in this same pass.
   */
  private fireSlot(slot: number): void {
    const store = this.store;
    const lists = this.lists;
    for (let index = lists.head(slot); index !== NIL; index = lists.head(slot)) {
      lists.unlink(index);
      store.slotOf[index] = SLOT_FIRING;
      this.pendingCount--;
      const handle = store.handleOf(index);
      const callback = store.callbackOf(index);
      try {
        callback(store.argumentOf(index), handle);
      } catch (error) {
        this.reportError(error, handle);
      }
      // Unless the callback rescheduled or cancelled it, the timer is done.
      if (store.slotOf[index] === SLOT_FIRING && store.handleOf(index) === handle) store.release(index);
    }
  }

  private reportError(error: unknown, handle: TimerHandle): void {
    try {
      this.onError(error, handle);
    } catch {
      // An error hook that throws must not take the wheel down with it.
    }
  }

  private msOfTick(tick: number): number {
    return this.epochMs + tick * this.tickMs;
  }
}

function reportToConsole(error: unknown, handle: TimerHandle): void {
  console.error(`k8ts time: callback of timer ${handle} threw`, error);
}
