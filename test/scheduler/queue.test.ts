// The scheduling queue on a manual clock: priority then FIFO order, back-off
// doubling from 1 s to 10 s, parking until a cluster event, and the
// five-minute retry of parked pods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/time/manual-clock.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';
import { SchedulingQueue } from '../../src/scheduler/queue.js';
import { info, pod } from './fixtures.js';

function setup() {
  const clock = new ManualClock();
  const wheel = new TimingWheel({ clock });
  return { clock, wheel, queue: new SchedulingQueue(wheel) };
}

function popAll(queue: SchedulingQueue): string[] {
  const out: string[] = [];
  for (let qp = queue.pop(); qp; qp = queue.pop()) {
    out.push(qp.pod.name);
    queue.done(qp);
  }
  return out;
}

test('higher priority first, then first in first out', () => {
  const { queue, clock, wheel } = setup();
  queue.addOrUpdate(info(pod('low-1', { priority: 1 })));
  clock.advanceBy(1);
  queue.addOrUpdate(info(pod('high', { priority: 100 })));
  clock.advanceBy(1);
  queue.addOrUpdate(info(pod('low-2', { priority: 1 })));
  queue.addOrUpdate(info(pod('mid', { priority: 50 })));
  assert.deepEqual(popAll(queue), ['high', 'mid', 'low-1', 'low-2']);
  // A priority raised while waiting reorders the heap.
  queue.addOrUpdate(info(pod('a', { priority: 1 })));
  queue.addOrUpdate(info(pod('b', { priority: 2 })));
  queue.addOrUpdate(info(pod('a', { priority: 3 })));
  assert.deepEqual(popAll(queue), ['a', 'b']);
  queue.close();
  wheel.close();
});

test('back-off doubles from 1 s and stops at 10 s', () => {
  const { queue, wheel } = setup();
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => queue.backoffDuration(n)), [1000, 2000, 4000, 8000, 10_000, 10_000]);
  queue.close();
  wheel.close();
});

test('unschedulable pods wait for a cluster event, then their back-off', () => {
  const { queue, clock, wheel } = setup();
  queue.addOrUpdate(info(pod('p')));
  let qp = queue.pop()!;
  queue.requeueUnschedulable(qp);
  assert.equal(queue.where('default/p'), 'unschedulable');
  clock.advanceBy(5000);
  assert.equal(queue.pop(), undefined, 'no event yet, so no retry even after the back-off');
  queue.moveAllToActiveOrBackoff();
  qp = queue.pop()!;
  assert.equal(qp.pod.name, 'p');

  // Second failure: 2 s back-off; an event inside it moves the pod to backoff, not active.
  queue.requeueUnschedulable(qp);
  queue.moveAllToActiveOrBackoff();
  assert.equal(queue.where('default/p'), 'backoff');
  clock.advanceBy(1999);
  assert.equal(queue.pop(), undefined);
  clock.advanceBy(1);
  assert.equal(queue.pop()?.pod.name, 'p');
  queue.close();
  wheel.close();
});

test('a spec change moves a parked pod; a status-only update does not', () => {
  const { queue, clock, wheel } = setup();
  queue.addOrUpdate(info(pod('p')));
  queue.requeueUnschedulable(queue.pop()!);
  clock.advanceBy(1500);
  queue.addOrUpdate(info(pod('p')), false);
  assert.equal(queue.where('default/p'), 'unschedulable');
  queue.addOrUpdate(info(pod('p', { labels: { fixed: 'yes' } })), true);
  assert.equal(queue.where('default/p'), 'active');
  queue.close();
  wheel.close();
});

test('parked pods are retried after five minutes without events; deleted pods are dropped', () => {
  const { queue, clock, wheel } = setup();
  queue.addOrUpdate(info(pod('p')));
  queue.addOrUpdate(info(pod('gone')));
  queue.requeueUnschedulable(queue.pop()!);
  queue.delete('default/gone');
  clock.advanceBy(4 * 60_000);
  assert.equal(queue.where('default/p'), 'unschedulable');
  clock.advanceBy(90_000);
  assert.equal(queue.where('default/p'), 'active');
  assert.deepEqual(popAll(queue), ['p']);
  queue.close();
  wheel.close();
});
