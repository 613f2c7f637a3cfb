import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/time/clock.js';
import type { Clock, WakeUp } from '../../src/time/clock.js';
import { TimingWheel, type TimerHandle } from '../../src/time/timing-wheel.js';
import { seededRandom } from './support/seeded-random.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Firing {
  label: number;
  atMs: number;
}

/** A wheel on a manual clock that records (label, time) for every firing. */
function recordingWheel(options: { startMs?: number; tickMs?: number } = {}) {
  const clock = new ManualClock({ startMs: options.startMs ?? 0 });
  const wheel = new TimingWheel({ clock, tickMs: options.tickMs });
  const fired: Firing[] = [];
  const record = (label: number): void => {
    fired.push({ label, atMs: clock.nowMs() });
  };
  return { clock, wheel, fired, record };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

// Deadlines on and around every level boundary (64^k ticks), plus calendar-sized ones.
const BOUNDARY_DELAYS = [
  1, 2, 63, 64, 65, 127, 128, 4095, 4096, 4097, 262_143, 262_144, 262_145, 16_777_215, 16_777_216, 16_777_217,
  MINUTE, HOUR, DAY, 7 * DAY, 29 * DAY + 23 * HOUR + 59 * MINUTE + 59 * SECOND + 999, 30 * DAY,
];

describe('TimingWheel firing order and timing', () => {
  it('fires each timer exactly at its deadline, in deadline order, from 1 ms to 30 days', () => {
    const random = seededRandom(1);
    const { clock, wheel, fired, record } = recordingWheel({ startMs: 12_345 });
    const delays = shuffled([...BOUNDARY_DELAYS, ...Array.from({ length: 2000 }, () => 1 + Math.floor(random() * 30 * DAY))], random);
    delays.forEach((delay) => wheel.schedule(delay, record, delay));
    assert.equal(wheel.size, delays.length);

    clock.advanceBy(30 * DAY + 1);

    assert.equal(fired.length, delays.length);
    for (const { label, atMs } of fired) assert.equal(atMs, 12_345 + label, `timer for ${label} ms fired at +${atMs - 12_345}`);
    const firedDelays = fired.map((f) => f.label);
    assert.deepEqual(firedDelays, [...delays].sort((a, b) => a - b));
    assert.equal(wheel.size, 0);
  });

  it('never fires a timer early, even across a level boundary', () => {
    for (const delay of BOUNDARY_DELAYS) {
      const { clock, wheel, fired, record } = recordingWheel({ startMs: 7 });
      wheel.schedule(delay, record, delay);
      clock.advanceBy(delay - 1);
      assert.equal(fired.length, 0, `timer for ${delay} ms fired early`);
      clock.advanceBy(1);
      assert.deepEqual(fired, [{ label: delay, atMs: 7 + delay }]);
    }
  });

  it('keeps scheduling order for timers due on the same tick, whatever level they waited in', () => {
    const { clock, wheel, fired, record } = recordingWheel();
    wheel.schedule(5000, record, 1); // starts high in the wheel
    clock.advanceBy(4000);
    wheel.schedule(1000, record, 2); // same deadline, scheduled later, placed lower
    clock.advanceBy(990);
    wheel.schedule(10, record, 3);
    clock.advanceBy(10);
    assert.deepEqual(fired.map((f) => f.label), [1, 2, 3]);
    assert.ok(fired.every((f) => f.atMs === 5000));
  });

  it('fires timers scheduled at different times, with the clock advanced in uneven steps', () => {
    const random = seededRandom(7);
    const { clock, wheel, fired, record } = recordingWheel();
    const expected: Array<{ label: number; dueMs: number }> = [];
    let label = 0;
    while (clock.nowMs() < 2 * DAY) {
      for (let n = Math.floor(random() * 5); n > 0; n--) {
        const delay = Math.floor(random() ** 3 * DAY);
        expected.push({ label, dueMs: clock.nowMs() + delay });
        wheel.schedule(delay, record, label++);
      }
      clock.advanceBy(Math.floor(random() ** 4 * 10 * MINUTE));
    }
    clock.advanceBy(DAY);
    expected.sort((a, b) => a.dueMs - b.dueMs || a.label - b.label);
    assert.deepEqual(fired.map((f) => [f.label, f.atMs]), expected.map((e) => [e.label, e.dueMs]));
  });

  it('rounds deadlines up to whole ticks when the tick is coarser than 1 ms', () => {
    const { clock, wheel, fired, record } = recordingWheel({ tickMs: 10 });
    wheel.schedule(15, record, 15);
    wheel.schedule(20, record, 20);
    wheel.schedule(21, record, 21);
    clock.advanceBy(19);
    assert.equal(fired.length, 0);
    clock.advanceBy(1);
    assert.deepEqual(fired, [
      { label: 15, atMs: 20 },
      { label: 20, atMs: 20 },
    ]);
    clock.advanceBy(10);
    assert.deepEqual(fired[2], { label: 21, atMs: 30 });
  });

  it('parks deadlines beyond the top level (2^48 ticks) in the overflow list and still fires them on time', () => {
    // A binary-fraction tick keeps ms <-> tick conversions exact; 2^48 ticks is then ~74.6 h.
    const { clock, wheel, fired, record } = recordingWheel({ tickMs: 2 ** -20 });
    const delays = [1, 75 * HOUR, 100 * HOUR, 2 ** 28, 2 ** 28 + 1, 149 * HOUR];
    delays.forEach((delay) => wheel.schedule(delay, record, delay));
    clock.advanceBy(150 * HOUR);
    assert.deepEqual(
      fired.map((f) => [f.label, f.atMs]),
      [...delays].sort((a, b) => a - b).map((d) => [d, d]),
    );
  });

  it('fires a zero or negative delay on the next advance, at the current time', () => {
    const { clock, wheel, fired, record } = recordingWheel({ startMs: 100 });
    wheel.schedule(0, record, 0);
    wheel.schedule(-5, record, -5);
    assert.equal(fired.length, 0, 'never fires synchronously inside schedule()');
    clock.advanceBy(0);
    assert.deepEqual(fired, [
      { label: 0, atMs: 100 },
      { label: -5, atMs: 100 },
    ]);
  });

  it('passes any argument through unchanged, inline or not', () => {
    const clock = new ManualClock();
    const wheel = new TimingWheel({ clock });
    const received: unknown[] = [];
    const collect = (arg: unknown): void => {
      received.push(arg);
    };
    const payload = { pod: 'web-0' };
    const args: unknown[] = [0, 7, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 1.5, 'lease', payload, null, undefined];
    args.forEach((arg, i) => wheel.schedule(i + 1, collect, arg));
    const cancelled = wheel.schedule(3, collect, { cancelled: true });
    wheel.cancel(cancelled);
    clock.advanceBy(args.length);
    assert.equal(received.length, args.length);
    args.forEach((arg, i) => assert.equal(received[i], arg, `argument #${i}`));
  });

  it('rejects delays that are not numbers of milliseconds', () => {
    const { wheel, record } = recordingWheel();
    assert.throws(() => wheel.schedule(Number.NaN, record, 1), RangeError);
    assert.throws(() => wheel.schedule(Infinity, record, 1), RangeError);
    assert.equal(wheel.size, 0);
  });
});

describe('TimingWheel cancel and reschedule', () => {
  it('cancels a pending timer exactly once', () => {
    const { clock, wheel, fired, record } = recordingWheel();
    const keep = wheel.schedule(10, record, 1);
    const drop = wheel.schedule(10, record, 2);
    assert.equal(wheel.cancel(drop), true);
    assert.equal(wheel.cancel(drop), false);
    assert.equal(wheel.isPending(drop), false);
    assert.equal(wheel.isPending(keep), true);
    assert.equal(wheel.size, 1);
    clock.advanceBy(10);
    assert.deepEqual(fired.map((f) => f.label), [1]);
    assert.equal(wheel.cancel(keep), false, 'a fired timer cannot be cancelled');
  });

  it('does not let a stale handle cancel the timer that reused its storage', () => {
    const { clock, wheel, fired, record } = recordingWheel();
    const stale = wheel.schedule(5, record, 1);
    wheel.cancel(stale);
    const reused = wheel.schedule(5, record, 2);
    assert.notEqual(reused, stale);
    assert.equal(wheel.cancel(stale), false);
    assert.equal(wheel.isPending(reused), true);
    clock.advanceBy(5);
    assert.deepEqual(fired.map((f) => f.label), [2]);
  });

  it('ignores handles that never existed', () => {
    const { wheel } = recordingWheel();
    for (const bogus of [0, -1, 1.5, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      assert.equal(wheel.cancel(bogus), false);
      assert.equal(wheel.reschedule(bogus, 5), false);
    }
  });

  it('reschedules later and earlier, keeping the handle', () => {
    const { clock, wheel, fired, record } = recordingWheel();
    const later = wheel.schedule(10, record, 1);
    const earlier = wheel.schedule(DAY, record, 2);
    assert.equal(wheel.reschedule(later, HOUR), true);
    assert.equal(wheel.reschedule(earlier, 5), true);
    assert.equal(wheel.deadlineMsOf(earlier), 5);
    clock.advanceBy(HOUR);
    assert.deepEqual(fired, [
      { label: 2, atMs: 5 },
      { label: 1, atMs: HOUR },
    ]);
    assert.equal(wheel.reschedule(later, 5), false, 'a fired timer cannot be rescheduled');
  });

  it('lets a callback re-arm its own timer (a periodic timer without reallocation)', () => {
    const { clock, wheel } = recordingWheel();
    const ticks: number[] = [];
    const handles = new Set<TimerHandle>();
    wheel.schedule(100, (_arg, handle) => {
      ticks.push(clock.nowMs());
      handles.add(handle);
      if (ticks.length < 5) assert.equal(wheel.reschedule(handle, 100), true);
    });
    clock.advanceBy(HOUR);
    assert.deepEqual(ticks, [100, 200, 300, 400, 500]);
    assert.equal(handles.size, 1, 'the handle stays the same across re-arms');
    assert.equal(wheel.size, 0);
  });

  it('lets a callback cancel or reschedule timers due on the same tick', () => {
    const { clock, wheel, fired, record } = recordingWheel();
    let victim = 0;
    let postponed = 0;
    wheel.schedule(10, () => {
      fired.push({ label: 0, atMs: clock.nowMs() });
      assert.equal(wheel.cancel(victim), true);
      assert.equal(wheel.reschedule(postponed, 5), true);
    });
    victim = wheel.schedule(10, record, 1);
    postponed = wheel.schedule(10, record, 2);
    wheel.schedule(10, record, 3);
    clock.advanceBy(100);
    assert.deepEqual(fired, [
      { label: 0, atMs: 10 },
      { label: 3, atMs: 10 },
      { label: 2, atMs: 15 },
    ]);
  });

  it('cancelling its own timer inside the callback is harmless', () => {
    const { clock, wheel } = recordingWheel();
    let calls = 0;
    wheel.schedule(10, (_arg, handle) => {
      calls++;
      assert.equal(wheel.cancel(handle), true);
      assert.equal(wheel.cancel(handle), false);
    });
    clock.advanceBy(100);
    assert.equal(calls, 1);
    assert.equal(wheel.size, 0);
  });

  it('fires timers a callback schedules for the current tick in the same pass', () => {
    const { clock, wheel, fired, record } = recordingWheel();
    wheel.schedule(50, () => {
      wheel.schedule(0, record, 1);
      wheel.schedule(1, record, 2);
      wheel.schedule(64, record, 3);
    });
    clock.advanceBy(50);
    assert.deepEqual(fired, [{ label: 1, atMs: 50 }]);
    clock.advanceBy(HOUR);
    assert.deepEqual(fired.slice(1), [
      { label: 2, atMs: 51 },
      { label: 3, atMs: 114 },
    ]);
  });

  it('moves a self-rescheduling zero-delay timer to the next tick instead of spinning forever', () => {
    const { clock, wheel } = recordingWheel();
    let calls = 0;
    wheel.schedule(1, (_arg, handle) => {
      calls++;
      wheel.reschedule(handle, 0);
    });
    clock.advanceBy(1);
    assert.ok(calls > 1000 && calls < 200_000, `calls on the first tick: ${calls}`);
    const afterFirstTick = calls;
    clock.advanceBy(1);
    assert.ok(calls > afterFirstTick, 'keeps firing on later ticks');
  });
});

describe('TimingWheel errors and idleness', () => {
  it('reports a throwing callback to onError and keeps firing the others', () => {
    const clock = new ManualClock();
    const errors: Array<[unknown, TimerHandle]> = [];
    const wheel = new TimingWheel({ clock, onError: (error, handle) => errors.push([error, handle]) });
    const fired: number[] = [];
    wheel.schedule(10, (n: number) => fired.push(n), 1);
    const bad = wheel.schedule(10, () => {
      throw new Error('boom');
    });
    wheel.schedule(10, (n: number) => fired.push(n), 3);
    wheel.schedule(20, (n: number) => fired.push(n), 4);
    clock.advanceBy(20);
    assert.deepEqual(fired, [1, 3, 4]);
    assert.equal(errors.length, 1);
    assert.equal((errors[0][0] as Error).message, 'boom');
    assert.equal(errors[0][1], bad);
  });

  it('survives an onError hook that throws', () => {
    const clock = new ManualClock();
    const wheel = new TimingWheel({
      clock,
      onError: () => {
        throw new Error('hook failed');
      },
    });
    let fired = false;
    wheel.schedule(1, () => {
      throw new Error('boom');
    });
    wheel.schedule(2, () => {
      fired = true;
    });
    clock.advanceBy(2);
    assert.equal(fired, true);
  });

  it('arms no wake-up while idle and exactly one while timers are pending', () => {
    const { clock, wheel, record } = recordingWheel();
    assert.equal(clock.armedWakeUpCount, 0);
    const a = wheel.schedule(HOUR, record, 1);
    const b = wheel.schedule(MINUTE, record, 2);
    assert.equal(clock.armedWakeUpCount, 1);
    wheel.cancel(a);
    wheel.cancel(b);
    assert.equal(clock.armedWakeUpCount, 0, 'cancelling the last timer disarms');
    wheel.schedule(10, record, 3);
    clock.advanceBy(10);
    assert.equal(clock.armedWakeUpCount, 0, 'firing the last timer disarms');
  });

  it('sleeps until the next non-empty slot instead of ticking', () => {
    const inner = new ManualClock();
    let rings = 0;
    const counting: Clock = {
      nowMs: () => inner.nowMs(),
      wallMs: () => inner.wallMs(),
      createWakeUp: (onWake): WakeUp =>
        inner.createWakeUp(() => {
          rings++;
          onWake();
        }),
    };
    const wheel = new TimingWheel({ clock: counting });
    let firedAt = -1;
    wheel.schedule(30 * DAY, () => {
      firedAt = inner.nowMs();
    });
    // The wake-up is armed for the slot that holds the timer, never before now.
    assert.ok((inner.nextWakeUpAtMs() as number) > 0);
    inner.advanceBy(31 * DAY);
    assert.equal(firedAt, 30 * DAY);
    assert.ok(rings <= 8, `one wake-up per level at most, got ${rings}`);
  });

  it('drives several wheels on one manual clock in global deadline order', () => {
    const clock = new ManualClock();
    const coarse = new TimingWheel({ clock, tickMs: 10 });
    const fine = new TimingWheel({ clock });
    const fired: Array<[string, number]> = [];
    const record = (label: string): void => {
      fired.push([label, clock.nowMs()]);
    };
    coarse.schedule(30, record, 'coarse-30');
    fine.schedule(25, record, 'fine-25');
    fine.schedule(30, record, 'fine-30');
    coarse.schedule(5, record, 'coarse-5 (rounded up to 10)');
    fine.schedule(7, record, 'fine-7');
    clock.advanceBy(100);
    assert.deepEqual(fired, [
      ['fine-7', 7],
      ['coarse-5 (rounded up to 10)', 10],
      ['fine-25', 25],
      ['coarse-30', 30],
      ['fine-30', 30],
    ]);
  });

  it('close() cancels everything and refuses new timers', () => {
    const { clock, wheel, fired, record } = recordingWheel();
    const handle = wheel.schedule(10, record, 1);
    wheel.schedule(DAY, record, 2);
    wheel.close();
    assert.equal(wheel.size, 0);
    assert.equal(wheel.isPending(handle), false);
    assert.equal(clock.armedWakeUpCount, 0);
    clock.advanceBy(2 * DAY);
    assert.equal(fired.length, 0);
    assert.throws(() => wheel.schedule(1, record, 3));
  });
});

describe('TimingWheel against a reference model', () => {
  it('matches a sorted-list model under random schedule, cancel, reschedule and advance', () => {
    const random = seededRandom(42);
    const { clock, wheel, fired, record } = recordingWheel({ startMs: 3 });
    // The model: label -> [due time, scheduling sequence number]; live handles by label.
    const model = new Map<number, { dueMs: number; sequence: number }>();
    const handles = new Map<number, TimerHandle>();
    const expected: Array<[number, number]> = [];
    let sequence = 0;
    let nextLabel = 0;
    const randomDelay = (): number => Math.floor(random() ** 4 * 40 * DAY) % (30 * DAY);
    const fireModelUpTo = (limitMs: number): void => {
      const due = [...model.entries()].filter(([, t]) => t.dueMs <= limitMs);
      due.sort(([, a], [, b]) => a.dueMs - b.dueMs || a.sequence - b.sequence);
      for (const [label, t] of due) {
        expected.push([label, t.dueMs]);
        model.delete(label);
        handles.delete(label);
      }
    };
    for (let step = 0; step < 20_000; step++) {
      const roll = random();
      const labels = [...handles.keys()];
      if (roll < 0.5 || labels.length === 0) {
        const delay = randomDelay();
        const label = nextLabel++;
        handles.set(label, wheel.schedule(delay, record, label));
        model.set(label, { dueMs: clock.nowMs() + delay, sequence: sequence++ });
      } else if (roll < 0.65) {
        const label = labels[Math.floor(random() * labels.length)];
        assert.equal(wheel.cancel(handles.get(label) as number), true);
        handles.delete(label);
        model.delete(label);
      } else if (roll < 0.8) {
        const label = labels[Math.floor(random() * labels.length)];
        const delay = randomDelay();
        assert.equal(wheel.reschedule(handles.get(label) as number, delay), true);
        model.set(label, { dueMs: clock.nowMs() + delay, sequence: sequence++ });
      } else {
        const target = clock.nowMs() + Math.floor(random() ** 6 * 5 * DAY);
        fireModelUpTo(target);
        clock.advanceTo(target);
      }
      assert.equal(wheel.size, model.size);
    }
    const end = clock.nowMs() + 31 * DAY;
    fireModelUpTo(end);
    clock.advanceTo(end);
    assert.equal(fired.length, expected.length);
    assert.deepEqual(
      fired.map((f) => [f.label, f.atMs]),
      expected,
    );
  });

  it('handles 200,000 timers and reuses their storage', () => {
    const { clock, wheel } = recordingWheel();
    let count = 0;
    let lastDue = -1;
    let outOfOrder = 0;
    const onFire = (due: number): void => {
      count++;
      if (due < lastDue) outOfOrder++;
      lastDue = due;
      if (clock.nowMs() !== due) outOfOrder++;
    };
    const random = seededRandom(9);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 100_000; i++) {
        const delay = 1 + Math.floor(random() * MINUTE);
        wheel.schedule(delay, onFire, clock.nowMs() + delay);
      }
      lastDue = -1;
      clock.advanceBy(MINUTE);
    }
    assert.equal(count, 200_000);
    assert.equal(outOfOrder, 0);
    assert.equal(wheel.size, 0);
  });
});
