import { NIL, type TimerStore } from './timer-store.js';

// The wheel's slots: one intrusive doubly-linked list of timer indexes per slot, threaded
// through the store's next/prev columns, so linking and unlinking is O(1) and allocates
// nothing. Lists are FIFO, which keeps timers with the same deadline in scheduling order.
//
// Each level of 64 slots also keeps a 64-bit occupancy bitmap (two 32-bit words) so the
// wheel finds its next non-empty slot with a couple of bit operations instead of a scan.

export const SLOT_BITS = 6;
export const SLOTS_PER_LEVEL = 1 << SLOT_BITS;
export const SLOT_MASK = SLOTS_PER_LEVEL - 1;

export class SlotLists {
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly occupancy: Uint32Array;

  /**
   * @param levelCount levels of 64 bitmap-indexed slots
   * @param extraSlots further slots after the levels, without a bitmap (e.g. an overflow list)
   */
  constructor(
    private readonly store: TimerStore,
    levelCount: number,
    extraSlots: number,
  ) {
    const slotCount = levelCount * SLOTS_PER_LEVEL + extraSlots;
    this.heads = new Int32Array(slotCount).fill(NIL);
    this.tails = new Int32Array(slotCount).fill(NIL);
    this.occupancy = new Uint32Array(levelCount * 2);
  }

  head(slot: number): number {
    return this.heads[slot];
  }

  isEmpty(slot: number): boolean {
    return this.heads[slot] === NIL;
  }

  append(slot: number, index: number): void {
    const store = this.store;
    const tail = this.tails[slot];
    store.prev[index] = tail;
    store.next[index] = NIL;
    store.slotOf[index] = slot;
    if (tail === NIL) {
      this.heads[slot] = index;
      this.markOccupied(slot);
    } else {
      store.next[tail] = index;
    }
    this.tails[slot] = index;
  }

  /** Removes a timer from whichever list it is in. The caller sets its new slotOf. */
  unlink(index: number): void {
    const store = this.store;
    const slot = store.slotOf[index];
    const before = store.prev[index];
    const after = store.next[index];
    if (before === NIL) this.heads[slot] = after;
    else store.next[before] = after;
    if (after === NIL) this.tails[slot] = before;
    else store.prev[after] = before;
    if (this.heads[slot] === NIL) this.markEmpty(slot);
  }

  /**
   * Empties a slot in one step and returns the first index of its former list; the rest
   * follows through store.next. The detached timers still carry the old slotOf, so the
   * caller must relink each one before running any code that could unlink them.
   */
  detachAll(slot: number): number {
    const first = this.heads[slot];
    this.heads[slot] = NIL;
    this.tails[slot] = NIL;
    this.markEmpty(slot);
    return first;
  }

  /** The first occupied slot number (0..63) at or after `from` within a level, or -1. */
  firstOccupiedFrom(level: number, from: number): number {
    if (from < 32) {
      const low = this.occupancy[level * 2] & (-1 << from);
      if (low !== 0) return lowestSetBit(low);
      const high = this.occupancy[level * 2 + 1];
      return high === 0 ? -1 : 32 + lowestSetBit(high);
    }
    if (from >= SLOTS_PER_LEVEL) return -1;
    const high = this.occupancy[level * 2 + 1] & (-1 << (from - 32));
    return high === 0 ? -1 : 32 + lowestSetBit(high);
  }

  private markOccupied(slot: number): void {
    const word = slot >>> 5;
    if (word < this.occupancy.length) this.occupancy[word] |= 1 << (slot & 31);
  }

  private markEmpty(slot: number): void {
    const word = slot >>> 5;
    if (word < this.occupancy.length) this.occupancy[word] &= ~(1 << (slot & 31));
  }
}

function lowestSetBit(word: number): number {
  return 31 - Math.clz32(word & -word);
}
