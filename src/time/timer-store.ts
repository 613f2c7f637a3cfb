// Column storage for pending timers.
//
// A cluster holds hundreds of thousands of timers, so a timer is not an object: it is an
// index into typed-array columns. When callers share one callback function and pass an
// int32 argument (an index into their own tables, typically), a pending timer costs 30 bytes:
//   deadline 8 + next 4 + prev 4 + slot 2 + generation 4 + callback id 4 + argument 4.
// Other arguments (objects, strings, fractions) are kept in a side map keyed by index, which
// costs more per timer but keeps the common case lean.
//
// Handles are plain numbers: generation * 2^24 + index. Freeing a timer bumps its generation,
// so a stale handle held by a caller cannot cancel whichever timer reuses the index.

import { CallbackTable } from './callback-table.js';

/** A timer handle. Never 0, so 0 can mean "no timer". */
export type TimerHandle = number;

/** A handle value that never refers to a timer. */
export const NO_TIMER: TimerHandle = 0;

export type TimerCallback<A> = (arg: A, handle: TimerHandle) => void;

/** The "no index" value for list links and the free list. */
export const NIL = -1;
/** slotOf value of a timer that is not allocated. */
export const SLOT_FREE = 0xffff;
/** slotOf value of a timer whose callback is running: allocated but in no slot list. */
export const SLOT_FIRING = 0xfffe;

const INDEX_BITS = 24;
const INDEX_SPACE = 2 ** INDEX_BITS;
const INDEX_MASK = INDEX_SPACE - 1;
/** Generations wrap below 2^29 so that handles stay exact integers (< 2^53). */
const GENERATION_LIMIT = 2 ** 29;
export const MAX_TIMERS = INDEX_SPACE;
/** argument column value meaning "the argument is in objectArgs, or undefined". */
const ARGUMENT_ELSEWHERE = -0x80000000;

export class TimerStore {
  capacity: number;
  /** Absolute deadline in wheel ticks. */
  deadlineTick: Float64Array;
  /** Next timer in the same slot list, or in the free list. */
  next: Int32Array;
  /** Previous timer in the same slot list. */
  prev: Int32Array;
  /** Which slot list the timer is in, or SLOT_FREE / SLOT_FIRING. */
  slotOf: Uint16Array;
  generation: Uint32Array;
  callbackId: Int32Array;
  argument: Int32Array;
  private readonly callbacks = new CallbackTable();
  private readonly objectArgs = new Map<number, unknown>();

  private freeHead = NIL;
  /** Indexes at or above this have never been handed out, so they need no free-list entry. */
  private neverUsedFrom = 0;

  constructor(initialCapacity: number) {
    this.capacity = Math.max(16, Math.min(MAX_TIMERS, Math.ceil(initialCapacity)));
    this.deadlineTick = new Float64Array(this.capacity);
    this.next = new Int32Array(this.capacity);
    this.prev = new Int32Array(this.capacity);
    this.slotOf = new Uint16Array(this.capacity).fill(SLOT_FREE);
    this.generation = new Uint32Array(this.capacity).fill(1);
    this.callbackId = new Int32Array(this.capacity);
    this.argument = new Int32Array(this.capacity);
  }

  /** Takes a free index, growing the columns if needed. The caller links it into a slot. */
  allocate(callback: TimerCallback<unknown>, arg: unknown): number {
    let index = this.freeHead;
    if (index !== NIL) {
      this.freeHead = this.next[index];
    } else {
      if (this.neverUsedFrom === this.capacity) this.grow();
      index = this.neverUsedFrom++;
    }
    this.callbackId[index] = this.callbacks.acquire(callback);
    if (typeof arg === 'number' && (arg | 0) === arg && arg !== ARGUMENT_ELSEWHERE) {
      this.argument[index] = arg;
    } else {
      this.argument[index] = ARGUMENT_ELSEWHERE;
      if (arg !== undefined) this.objectArgs.set(index, arg);
    }
    return index;
  }

  callbackOf(index: number): TimerCallback<unknown> {
    return this.callbacks.get(this.callbackId[index]);
  }

  argumentOf(index: number): unknown {
    const arg = this.argument[index];
    return arg !== ARGUMENT_ELSEWHERE ? arg : this.objectArgs.get(index);
  }

  /** Returns an index to the free list and invalidates every handle that refers to it. */
  release(index: number): void {
    const generation = this.generation[index] + 1;
    this.generation[index] = generation === GENERATION_LIMIT ? 1 : generation;
    this.slotOf[index] = SLOT_FREE;
    this.callbacks.release(this.callbackId[index]);
    if (this.argument[index] === ARGUMENT_ELSEWHERE && this.objectArgs.size !== 0) this.objectArgs.delete(index);
    this.next[index] = this.freeHead;
    this.freeHead = index;
  }

  handleOf(index: number): TimerHandle {
    return this.generation[index] * INDEX_SPACE + index;
  }

  /** The index a handle refers to if it is still live (pending or firing), otherwise NIL. */
  indexOf(handle: TimerHandle): number {
    // `& INDEX_MASK` reads the low bits of any integer below 2^53 exactly.
    const index = handle & INDEX_MASK;
    if (index >= this.neverUsedFrom) return NIL;
    if (this.generation[index] * INDEX_SPACE + index !== handle) return NIL;
    return this.slotOf[index] === SLOT_FREE ? NIL : index;
  }

  private grow(): void {
    if (this.capacity >= MAX_TIMERS) throw new RangeError(`timing wheel is full (${MAX_TIMERS} pending timers)`);
    const capacity = Math.min(MAX_TIMERS, this.capacity * 2);
    this.deadlineTick = grownCopy(this.deadlineTick, new Float64Array(capacity));
    this.next = grownCopy(this.next, new Int32Array(capacity));
    this.prev = grownCopy(this.prev, new Int32Array(capacity));
    this.slotOf = grownCopy(this.slotOf, new Uint16Array(capacity).fill(SLOT_FREE));
    this.generation = grownCopy(this.generation, new Uint32Array(capacity).fill(1));
    this.callbackId = grownCopy(this.callbackId, new Int32Array(capacity));
    this.argument = grownCopy(this.argument, new Int32Array(capacity));
    this.capacity = capacity;
  }
}

function grownCopy<T extends Float64Array | Int32Array | Uint16Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
