// The scheduling queue, kube's three queues in simplified form:
//  - active: a heap by priority (higher first), then by when the pod entered
//    the queue (FIFO);
//  - backoff: pods that failed, waiting out 1 s doubling to 10 s per attempt;
//  - unschedulable: pods no node fits, parked until the cluster changes
//    (then they move to active, or to backoff if still backing off), or
//    until five minutes pass.
// All delays run on the timing wheel.
import type { TimerHandle, TimingWheel } from '../time/timing-wheel.js';
import type { PodInfo } from './pod-info.js';

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried after this long even without a cluster event. */
  maxUnschedulableMs?: number;
}

type Where = 'active' | 'backoff' | 'unschedulable' | 'popped';

export interface QueuedPod {
  pod: PodInfo;
  /** Scheduling attempts so far. */
  attempts: number;
  /** Monotonic time it (re-)entered the queue: FIFO order among equal priorities. */
  enqueuedAt: number;
  readonly seq: number;
  where: Where;
  heapIndex: number;
  backoffUntil: number;
  timer: TimerHandle | undefined;
}

const FLUSH_INTERVAL_MS = 30_000;

export class SchedulingQueue {
  private readonly entries = new Map<string, QueuedPod>();
  private readonly heap: QueuedPod[] = [];
  private readonly unschedulable = new Set<QueuedPod>();
  private waiters: (() => void)[] = [];
  private seq = 0;
  private closed = false;
  private flushTimer: TimerHandle | undefined;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;

  constructor(private readonly wheel: TimingWheel, opts: QueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 5 * 60_000;
    this.scheduleFlush();
  }

  private now(): number {
    return this.wheel.clock.nowMs();
  }

  get activeLength(): number {
    return this.heap.length;
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  where(key: string): Where | undefined {
    return this.entries.get(key)?.where;
  }

  /**
   * A new pending pod, or a newer copy of one. `changed` (spec, labels or
   * annotations differ, not just status) makes a parked pod worth another try.
   */
  addOrUpdate(pod: PodInfo, changed = true): void {
    if (this.closed) return;
    const existing = this.entries.get(pod.key);
    if (!existing) {
      const qp: QueuedPod = { pod, attempts: 0, enqueuedAt: this.now(), seq: this.seq++, where: 'active', heapIndex: -1, backoffUntil: 0, timer: undefined };
      this.entries.set(pod.key, qp);
      this.pushActive(qp);
      return;
    }
    const priorityChanged = existing.pod.priority !== pod.priority;
    existing.pod = pod;
    if (existing.where === 'active' && priorityChanged) this.fix(existing.heapIndex);
    else if (existing.where === 'unschedulable' && changed) this.moveOut(existing);
  }

  delete(key: string): void {
    const qp = this.entries.get(key);
    if (!qp) return;
    this.entries.delete(key);
    this.detach(qp);
  }

  /** Takes the most important active pod; it stays known to the queue until done() or a requeue. */
  pop(): QueuedPod | undefined {
    if (this.heap.length === 0) return undefined;
    const qp = this.removeAt(0);
    qp.where = 'popped';
    qp.attempts++;
    return qp;
  }

  /** Resolves once a pod is active (or the queue closed). */
  whenActive(): Promise<void> {
    if (this.heap.length > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The pod was assumed onto a node: the queue forgets it. */
  done(qp: QueuedPod): void {
    if (this.entries.get(qp.pod.key) === qp) this.entries.delete(qp.pod.key);
  }

  /** No node fits: park until the cluster changes. */
  requeueUnschedulable(qp: QueuedPod): void {
    if (this.entries.get(qp.pod.key) !== qp || qp.where !== 'popped') return;
    qp.backoffUntil = this.now() + this.backoffDuration(qp.attempts);
    qp.enqueuedAt = this.now();
    qp.where = 'unschedulable';
    this.unschedulable.add(qp);
  }

  /** An error (e.g. a failed binding): retry after the back-off. */
  requeueBackoff(qp: QueuedPod): void {
    if (this.entries.get(qp.pod.key) !== qp || qp.where !== 'popped') return;
    qp.backoffUntil = this.now() + this.backoffDuration(qp.attempts);
    qp.enqueuedAt = this.now();
    this.toBackoff(qp);
  }

  /** Re-adds a pod whose binding failed after the queue forgot it. */
  retryAfterBindFailure(pod: PodInfo, attempts: number): void {
    if (this.closed || this.entries.has(pod.key)) return;
    const qp: QueuedPod = { pod, attempts, enqueuedAt: this.now(), seq: this.seq++, where: 'popped', heapIndex: -1, backoffUntil: 0, timer: undefined };
    this.entries.set(pod.key, qp);
    this.requeueBackoff(qp);
  }

  /** The cluster changed (node added or updated, a pod left): parked pods may fit now. */
  moveAllToActiveOrBackoff(): void {
    if (this.unschedulable.size === 0) return;
    for (const qp of [...this.unschedulable]) this.moveOut(qp);
  }

  close(): void {
    this.closed = true;
    if (this.flushTimer !== undefined) this.wheel.cancel(this.flushTimer);
    for (const qp of this.entries.values()) if (qp.timer !== undefined) this.wheel.cancel(qp.timer);
    this.wake();
  }

  backoffDuration(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return d;
  }

  private moveOut(qp: QueuedPod): void {
    this.unschedulable.delete(qp);
    if (qp.backoffUntil > this.now()) this.toBackoff(qp);
    else this.pushActive(qp);
  }

  private toBackoff(qp: QueuedPod): void {
    qp.where = 'backoff';
    if (qp.timer !== undefined) this.wheel.cancel(qp.timer);
    qp.timer = this.wheel.schedule(Math.max(0, qp.backoffUntil - this.now()), () => {
      qp.timer = undefined;
      if (this.entries.get(qp.pod.key) === qp && qp.where === 'backoff') this.pushActive(qp);
    });
  }

  private detach(qp: QueuedPod): void {
    if (qp.timer !== undefined) {
      this.wheel.cancel(qp.timer);
      qp.timer = undefined;
    }
    if (qp.where === 'active') this.removeAt(qp.heapIndex);
    else if (qp.where === 'unschedulable') this.unschedulable.delete(qp);
  }

  private scheduleFlush(): void {
    this.flushTimer = this.wheel.schedule(FLUSH_INTERVAL_MS, () => {
      if (this.closed) return;
      const cutoff = this.now() - this.maxUnschedulableMs;
      for (const qp of [...this.unschedulable]) if (qp.enqueuedAt <= cutoff) this.moveOut(qp);
      this.scheduleFlush();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  // ---- the active heap ----

  private before(a: QueuedPod, b: QueuedPod): boolean {
    if (a.pod.priority !== b.pod.priority) return a.pod.priority > b.pod.priority;
    if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt < b.enqueuedAt;
    return a.seq < b.seq;
  }

  private pushActive(qp: QueuedPod): void {
    qp.where = 'active';
    qp.heapIndex = this.heap.length;
    this.heap.push(qp);
    this.up(qp.heapIndex);
    this.wake();
  }

  private removeAt(index: number): QueuedPod {
    const heap = this.heap;
    const removed = heap[index];
    const last = heap.pop()!;
    if (index < heap.length) {
      heap[index] = last;
      last.heapIndex = index;
      this.fix(index);
    }
    removed.heapIndex = -1;
    return removed;
  }

  private fix(index: number): void {
    if (!this.up(index)) this.down(index);
  }

  private up(index: number): boolean {
    const heap = this.heap;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i], heap[parent])) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== index;
  }

  private down(index: number): void {
    const heap = this.heap;
    let i = index;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < heap.length && this.before(heap[l], heap[best])) best = l;
      if (r < heap.length && this.before(heap[r], heap[best])) best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }

  private swap(i: number, j: number): void {
    const heap = this.heap;
    const a = heap[i];
    heap[i] = heap[j];
    heap[j] = a;
    heap[i].heapIndex = i;
    heap[j].heapIndex = j;
  }
}
