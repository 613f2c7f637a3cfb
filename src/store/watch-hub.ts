// In-process watch fan-out: every committed write is published here and
// queued for each watcher whose range covers its key.
//
// No gap, no duplicate: a watcher is registered in the same synchronous step
// that read its history backlog (see EngineStore.watch), so every revision is
// either in the backlog or published after registration, never both. A start
// revision beyond the current one is honoured by skipping earlier publications.
//
// Delivery is asynchronous so a handler never runs inside a write (a handler
// that writes, throws or is slow cannot disturb the writer). The first
// delivery waits for a macrotask so the code awaiting `watch()` has its Watch
// handle before any event arrives; after that, events follow by microtask.
// Queues are unbounded: watchers live in-process and are expected to keep up.

import { inRange, type KeyRange } from './key-range.js';
import type { Watch, WatchEvent, WatchHandlers } from './types.js';

export class WatchHub {
  private readonly watchers = new Set<QueuedWatcher>();

  /** `currentRevision` answers progress requests: events are published synchronously at commit, so all up to it are queued. */
  constructor(private readonly currentRevision: () => number) {}

  add(range: KeyRange, startRevision: number, backlog: WatchEvent[], handlers: WatchHandlers): Watch {
    const watcher = new QueuedWatcher(range, startRevision, handlers, () => this.watchers.delete(watcher), this.currentRevision);
    this.watchers.add(watcher);
    watcher.enqueue(backlog);
    return watcher;
  }

  publish(event: WatchEvent): void {
    for (const watcher of this.watchers) {
      if (watcher.wants(event)) watcher.enqueue([event]);
    }
  }

  /** End every watch: each gets its queued events, then onError(reason). */
  endAll(reason: Error): void {
    for (const watcher of [...this.watchers]) watcher.end(reason);
  }
}

/** A queued progress notification: delivered after the events queued before it. */
interface ProgressMarker {
  progress: number;
}

type QueueEntry = WatchEvent | ProgressMarker;

function isProgress(entry: QueueEntry): entry is ProgressMarker {
  return (entry as ProgressMarker).progress !== undefined;
}

class QueuedWatcher implements Watch {
  private queue: QueueEntry[] = [];
  private started = false;
  private drainScheduled = false;
  private stopped = false;
  private endReason: Error | undefined;

  constructor(
    private readonly range: KeyRange,
    private readonly startRevision: number,
    private readonly handlers: WatchHandlers,
    private readonly detach: () => void,
    private readonly currentRevision: () => number,
  ) {
    setImmediate(() => {
      this.started = true;
      this.drain();
    });
  }

  wants(event: WatchEvent): boolean {
    return event.kv.modRevision >= this.startRevision && inRange(this.range, event.kv.key);
  }

  enqueue(events: WatchEvent[]): void {
    if (this.stopped || events.length === 0) return;
    this.queue.push(...events);
    this.scheduleDrain();
  }

  requestProgress(): void {
    if (this.stopped) return;
    this.queue.push({ progress: this.currentRevision() });
    this.scheduleDrain();
  }

  cancel(): void {
    this.stop();
    this.queue = [];
    this.endReason = undefined;
  }

  end(reason: Error): void {
    if (this.stopped) return;
    this.stop();
    this.endReason = reason;
    this.scheduleDrain();
  }

  private stop(): void {
    this.stopped = true;
    this.detach();
  }

  private scheduleDrain(): void {
    if (!this.started || this.drainScheduled) return;
    this.drainScheduled = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.drainScheduled = false;
    const entries = this.queue;
    this.queue = [];
    let batch: WatchEvent[] = [];
    for (const entry of entries) {
      if (this.stopped && !this.endReason) return;
      if (!isProgress(entry)) {
        batch.push(entry);
        continue;
      }
      if (!this.deliver(batch)) return;
      batch = [];
      this.handlers.onProgress?.(entry.progress);
    }
    if (!this.deliver(batch)) return;
    const reason = this.endReason;
    if (reason) {
      this.endReason = undefined;
      this.handlers.onError?.(reason);
    }
  }

  /** Hands a batch to the handler; false if the handler failed and the watch ended. */
  private deliver(events: WatchEvent[]): boolean {
    if (events.length > 0) {
      try {
        this.handlers.onEvents(events);
      } catch (err) {
        // A failing handler has lost events it cannot get back: end the watch
        // so its owner re-lists rather than silently running on with a gap.
        // Without an onError there is nobody to tell: rethrow so the bug surfaces.
        this.cancel();
        const error = err instanceof Error ? err : new Error(String(err));
        if (this.handlers.onError) this.handlers.onError(error);
        else throw error;
        return false;
      }
    }
    return true;
  }
}
