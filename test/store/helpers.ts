// Small helpers shared by the store tests.

import assert from 'node:assert/strict';
import type { KeyValue, Store, TxnResult, Watch, WatchEvent, WatchOptions } from '../../src/store/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function text(value: Uint8Array): string {
  return decoder.decode(value);
}

/** A kv with its value as text, so results from any backend compare with deepEqual. */
export interface ReadableKv {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  version: number;
  lease: number;
}

export function readable<T extends KeyValue | undefined>(kv: T): T extends KeyValue ? ReadableKv : ReadableKv | undefined;
export function readable(kv: KeyValue | undefined): ReadableKv | undefined {
  return kv && { ...kv, value: text(kv.value) };
}

export interface ReadableEvent {
  type: WatchEvent['type'];
  kv: ReadableKv;
  prevKv?: ReadableKv;
}

export function readableEvent(event: WatchEvent): ReadableEvent {
  const out: ReadableEvent = { type: event.type, kv: readable(event.kv) };
  if (event.prevKv) out.prevKv = readable(event.prevKv);
  return out;
}

export type Succeeded = Extract<TxnResult, { succeeded: true }>;
export type Failed = Extract<TxnResult, { succeeded: false }>;

export function succeeded(result: TxnResult): Succeeded {
  assert.equal(result.succeeded, true, `expected the write to succeed: ${JSON.stringify(result)}`);
  return result as Succeeded;
}

export function failed(result: TxnResult): Failed {
  assert.equal(result.succeeded, false, `expected the write to fail: ${JSON.stringify(result)}`);
  return result as Failed;
}

/** Records a watch's events and errors, and lets a test wait until enough arrived. */
export class WatchRecorder {
  readonly events: WatchEvent[] = [];
  readonly batches: WatchEvent[][] = [];
  readonly errors: Error[] = [];
  watch: Watch | undefined;
  private waiters: Array<() => void> = [];

  static async start(store: Store, key: string, opts: WatchOptions): Promise<WatchRecorder> {
    const recorder = new WatchRecorder();
    recorder.watch = await store.watch(key, opts, {
      onEvents: (events) => recorder.record(events),
      onError: (err) => {
        recorder.errors.push(err);
        recorder.wake();
      },
    });
    return recorder;
  }

  get revisions(): number[] {
    return this.events.map((event) => event.kv.modRevision);
  }

  /** Resolves once `count` events have arrived (the test runner's timeout catches a hang). */
  async waitForEvents(count: number): Promise<void> {
    while (this.events.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async waitForError(): Promise<Error> {
    while (this.errors.length === 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.errors[0];
  }

  private record(events: WatchEvent[]): void {
    this.batches.push(events);
    this.events.push(...events);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
