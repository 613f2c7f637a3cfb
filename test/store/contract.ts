// The store contract (src/store/types.ts) as one suite, run against every backend.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  CompactedError,
  FutureRevisionError,
  StoreClosedError,
  type Store,
  type Watch,
} from '../../src/store/types.js';
import type { StoreTimeOptions } from '../../src/store/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';
import { bytes, failed, readable, readableEvent, succeeded, text, WatchRecorder } from './helpers.js';
import { runLeaseContract } from './lease-contract.js';

/** Makes a fresh, empty store for each test, its leases timed by `time`. */
export type StoreFactory = (time: StoreTimeOptions) => Promise<Store>;

export function runStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let wheel: TimingWheel;

    beforeEach(async () => {
      wheel = new TimingWheel({ clock: new ManualClock() });
      store = await makeStore({ wheel });
    });

    afterEach(async () => {
      await store.close();
      wheel.close();
    });

    async function put(key: string, value: string): Promise<number> {
      const current = (await store.range(key)).kvs[0];
      const result = current
        ? await store.update(key, bytes(value), current.modRevision)
        : await store.create(key, bytes(value));
      return succeeded(result).revision;
    }

    async function keysOf(prefix: string, opts: { revision?: number; fromKey?: string; limit?: number } = {}) {
      return (await store.range(prefix, { prefix: true, ...opts })).kvs.map((kv) => kv.key);
    }

    describe('writes and revisions', () => {
      it('starts empty at revision 0', async () => {
        assert.equal(await store.currentRevision(), 0);
        assert.equal(await store.compactedRevision(), 0);
        assert.deepEqual(await store.range('/a'), { kvs: [], revision: 0, more: false, count: 0 });
      });

      it('bumps the revision once per successful write', async () => {
        assert.equal(succeeded(await store.create('/a', bytes('1'))).revision, 1);
        assert.equal(succeeded(await store.create('/b', bytes('1'))).revision, 2);
        assert.equal(succeeded(await store.update('/a', bytes('2'), 1)).revision, 3);
        assert.equal(succeeded(await store.delete('/b', 2)).revision, 4);
        assert.equal(await store.currentRevision(), 4);
      });

      it('create returns the new kv with create/mod revision, version 1 and lease', async () => {
        await store.create('/other', bytes('x'));
        await store.leaseGrant(60, 7);
        const result = succeeded(await store.create('/a', bytes('hello'), { lease: 7 }));
        assert.deepEqual(readable(result.kv), {
          key: '/a',
          value: 'hello',
          createRevision: 2,
          modRevision: 2,
          version: 1,
          lease: 7,
        });
        assert.equal(result.prevKv, undefined);
        assert.deepEqual(readable((await store.range('/a')).kvs[0]), readable(result.kv));
      });

      it('create of an existing key fails with its current kv and changes nothing', async () => {
        await store.create('/a', bytes('first'));
        const result = failed(await store.create('/a', bytes('second')));
        assert.equal(result.revision, 1);
        assert.deepEqual(readable(result.current), {
          key: '/a',
          value: 'first',
          createRevision: 1,
          modRevision: 1,
          version: 1,
          lease: 0,
        });
        assert.equal(await store.currentRevision(), 1);
        assert.equal(text((await store.range('/a')).kvs[0].value), 'first');
      });

      it('update with the right modRevision bumps version and keeps createRevision', async () => {
        await store.create('/a', bytes('v1'));
        await store.create('/b', bytes('x'));
        const second = succeeded(await store.update('/a', bytes('v2'), 1));
        assert.deepEqual(readable(second.kv), {
          key: '/a',
          value: 'v2',
          createRevision: 1,
          modRevision: 3,
          version: 2,
          lease: 0,
        });
        assert.deepEqual(readable(second.prevKv), {
          key: '/a',
          value: 'v1',
          createRevision: 1,
          modRevision: 1,
          version: 1,
          lease: 0,
        });
        const third = succeeded(await store.update('/a', bytes('v3'), 3));
        assert.equal(third.kv?.version, 3);
        assert.equal(third.kv?.modRevision, 4);
      });

      it('update with a wrong modRevision fails with the current kv and changes nothing', async () => {
        await store.create('/a', bytes('v1'));
        await store.update('/a', bytes('v2'), 1);
        const result = failed(await store.update('/a', bytes('v3'), 1));
        assert.equal(result.revision, 2);
        assert.equal(text(result.current!.value), 'v2');
        assert.equal(result.current!.modRevision, 2);
        assert.equal(await store.currentRevision(), 2);
        const kv = (await store.range('/a')).kvs[0];
        assert.deepEqual([text(kv.value), kv.version, kv.modRevision], ['v2', 2, 2]);
      });

      it('update with modRevision 0 is unconditional but needs the key to exist', async () => {
        const missing = failed(await store.update('/a', bytes('v'), 0));
        assert.equal(missing.current, undefined);
        assert.equal(await store.currentRevision(), 0);
        await store.create('/a', bytes('v1'));
        await store.update('/a', bytes('v2'), 0);
        assert.equal(succeeded(await store.update('/a', bytes('v3'), 0)).kv?.version, 3);
      });

      it('update without a lease detaches the key from its lease, as an etcd put does', async () => {
        await store.leaseGrant(60, 5);
        await store.leaseGrant(60, 6);
        await store.create('/a', bytes('v1'), { lease: 5 });
        assert.equal(succeeded(await store.update('/a', bytes('v2'), 1, { lease: 6 })).kv?.lease, 6);
        assert.equal(succeeded(await store.update('/a', bytes('v3'), 2)).kv?.lease, 0);
      });

      it('delete with a wrong modRevision fails and changes nothing', async () => {
        await store.create('/a', bytes('v1'));
        await store.update('/a', bytes('v2'), 1);
        const result = failed(await store.delete('/a', 1));
        assert.equal(result.revision, 2);
        assert.equal(result.current?.modRevision, 2);
        assert.equal(await store.currentRevision(), 2);
        assert.equal((await store.range('/a')).count, 1);
      });

      it('delete with the right or no modRevision removes the key and returns prevKv', async () => {
        await store.create('/a', bytes('a'));
        await store.create('/b', bytes('b'));
        const deleteA = succeeded(await store.delete('/a', 1));
        assert.equal(deleteA.revision, 3);
        assert.equal(deleteA.kv, undefined);
        assert.deepEqual(readable(deleteA.prevKv), {
          key: '/a',
          value: 'a',
          createRevision: 1,
          modRevision: 1,
          version: 1,
          lease: 0,
        });
        assert.equal(succeeded(await store.delete('/b')).revision, 4);
        assert.deepEqual(await keysOf('/'), []);
      });

      it('delete of an absent key fails without a current kv', async () => {
        await store.create('/a', bytes('a'));
        const result = failed(await store.delete('/b'));
        assert.equal(result.current, undefined);
        assert.equal(result.revision, 1);
        assert.equal(await store.currentRevision(), 1);
      });

      it('a deleted and re-created key gets a fresh createRevision and version 1', async () => {
        await store.create('/a', bytes('v1'));
        await store.update('/a', bytes('v2'), 1);
        await store.delete('/a');
        const recreated = succeeded(await store.create('/a', bytes('again')));
        assert.deepEqual(readable(recreated.kv), {
          key: '/a',
          value: 'again',
          createRevision: 4,
          modRevision: 4,
          version: 1,
          lease: 0,
        });
        assert.equal(recreated.prevKv, undefined);
      });

      it('stores a copy of the value, not the caller buffer', async () => {
        const value = bytes('abc');
        await store.create('/a', value);
        value[0] = 'z'.charCodeAt(0);
        assert.equal(text((await store.range('/a')).kvs[0].value), 'abc');
      });

      it('rejects an empty key and negative revisions', async () => {
        await assert.rejects(store.create('', bytes('x')), RangeError);
        await assert.rejects(store.range('/a', { revision: -1 }), RangeError);
        await assert.rejects(store.update('/a', bytes('x'), 1.5), RangeError);
        assert.equal(await store.currentRevision(), 0);
      });
    });

    describe('range', () => {
      it('matches a prefix exactly as a string prefix, never siblings', async () => {
        for (const key of [
          '/registry/pods/default2/c',
          '/registry/pods/default/b',
          '/registry/pods/default',
          '/registry/pods/defaul',
          '/registry/pods/default/a',
          '/registry/pods/default/a/sub',
        ]) {
          await store.create(key, bytes(key));
        }
        assert.deepEqual(await keysOf('/registry/pods/default/'), [
          '/registry/pods/default/a',
          '/registry/pods/default/a/sub',
          '/registry/pods/default/b',
        ]);
        assert.deepEqual(await keysOf('/registry/pods/default'), [
          '/registry/pods/default',
          '/registry/pods/default/a',
          '/registry/pods/default/a/sub',
          '/registry/pods/default/b',
          '/registry/pods/default2/c',
        ]);
        assert.deepEqual(await keysOf('/registry/pods/nothing/'), []);
      });

      it('without prefix reads exactly one key', async () => {
        await store.create('/a', bytes('1'));
        await store.create('/a/b', bytes('2'));
        await store.create('/ab', bytes('3'));
        const result = await store.range('/a');
        assert.deepEqual(result.kvs.map(readable).map((kv) => [kv.key, kv.value]), [['/a', '1']]);
        assert.equal(result.count, 1);
        const atPast = await store.range('/a', { revision: 2 });
        assert.deepEqual(atPast.kvs.map((kv) => kv.key), ['/a']);
      });

      it('returns keys in key order whatever the write order', async () => {
        for (const key of ['/k/c', '/k/a', '/k/e', '/k/b', '/k/d']) await store.create(key, bytes(key));
        assert.deepEqual(await keysOf('/k/'), ['/k/a', '/k/b', '/k/c', '/k/d', '/k/e']);
      });

      it('orders keys by code point (UTF-8 bytes), as etcd and SQLite do', async () => {
        // U+FF5E sorts before U+1F600 by code point, but after it by UTF-16 code unit.
        for (const key of ['/u/\u{1F600}', '/u/\uFF5E', '/u/z']) await store.create(key, bytes('x'));
        assert.deepEqual(await keysOf('/u/'), ['/u/z', '/u/\uFF5E', '/u/\u{1F600}']);
        assert.deepEqual(await keysOf('/u/\uFF5E'), ['/u/\uFF5E']);
      });

      it('limits results, reporting more and the total count', async () => {
        for (const name of ['a', 'b', 'c', 'd', 'e']) await store.create(`/k/${name}`, bytes(name));
        await store.create('/l/x', bytes('outside'));
        const limited = await store.range('/k/', { prefix: true, limit: 2 });
        assert.deepEqual(limited.kvs.map((kv) => kv.key), ['/k/a', '/k/b']);
        assert.equal(limited.more, true);
        assert.equal(limited.count, 5);
        assert.equal(limited.revision, 6);
        const exact = await store.range('/k/', { prefix: true, limit: 5 });
        assert.deepEqual([exact.kvs.length, exact.more, exact.count], [5, false, 5]);
        const unlimited = await store.range('/k/', { prefix: true });
        assert.deepEqual([unlimited.kvs.length, unlimited.more, unlimited.count], [5, false, 5]);
      });

      it('counts only when asked to', async () => {
        for (const name of ['a', 'b', 'c']) await store.create(`/k/${name}`, bytes(name));
        await store.delete('/k/b');
        const result = await store.range('/k/', { prefix: true, countOnly: true });
        assert.deepEqual(result, { kvs: [], revision: 4, more: false, count: 2 });
      });

      it('pages with fromKey and limit, counting what remains from fromKey', async () => {
        const all = ['a', 'b', 'c', 'd', 'e'].map((name) => `/k/${name}`);
        for (const key of [...all].reverse()) await store.create(key, bytes(key));
        await store.create('/k0', bytes('sibling after the prefix'));
        const seen: string[] = [];
        const counts: number[] = [];
        let fromKey: string | undefined;
        for (;;) {
          const page = await store.range('/k/', { prefix: true, limit: 2, fromKey });
          seen.push(...page.kvs.map((kv) => kv.key));
          counts.push(page.count);
          if (!page.more) break;
          fromKey = page.kvs.at(-1)!.key + '\0';
        }
        assert.deepEqual(seen, all);
        assert.deepEqual(counts, [5, 3, 1]);
        assert.deepEqual(await keysOf('/k/', { fromKey: '/k/c' }), ['/k/c', '/k/d', '/k/e']);
        assert.deepEqual(await keysOf('/k/', { fromKey: '/a' }), all, 'a fromKey below the prefix does not widen it');
        assert.deepEqual(await keysOf('/k/', { fromKey: '/k/z' }), []);
      });

      it('reads at a past revision, including keys deleted since', async () => {
        await store.create('/k/a', bytes('a1')); // 1
        await store.update('/k/a', bytes('a2'), 1); // 2
        await store.create('/k/b', bytes('b1')); // 3
        await store.delete('/k/a'); // 4
        await store.create('/k/a', bytes('a3')); // 5
        const at = async (revision: number) =>
          (await store.range('/k/', { prefix: true, revision })).kvs.map(readable).map((kv) => ({
            key: kv.key,
            value: kv.value,
            createRevision: kv.createRevision,
            modRevision: kv.modRevision,
            version: kv.version,
          }));
        assert.deepEqual(await at(1), [{ key: '/k/a', value: 'a1', createRevision: 1, modRevision: 1, version: 1 }]);
        assert.deepEqual(await at(2), [{ key: '/k/a', value: 'a2', createRevision: 1, modRevision: 2, version: 2 }]);
        assert.deepEqual(await at(3), [
          { key: '/k/a', value: 'a2', createRevision: 1, modRevision: 2, version: 2 },
          { key: '/k/b', value: 'b1', createRevision: 3, modRevision: 3, version: 1 },
        ]);
        assert.deepEqual(await at(4), [{ key: '/k/b', value: 'b1', createRevision: 3, modRevision: 3, version: 1 }]);
        assert.deepEqual(await at(5), [
          { key: '/k/a', value: 'a3', createRevision: 5, modRevision: 5, version: 1 },
          { key: '/k/b', value: 'b1', createRevision: 3, modRevision: 3, version: 1 },
        ]);
        const single = await store.range('/k/a', { revision: 2 });
        assert.equal(text(single.kvs[0].value), 'a2');
        assert.equal(single.revision, 5, 'the result carries the current revision, not the one read at');
        assert.deepEqual((await store.range('/k/a', { revision: 4 })).kvs, []);
      });

      it('rejects a future revision with FutureRevisionError', async () => {
        await store.create('/a', bytes('1'));
        await assert.rejects(store.range('/a', { revision: 2 }), (err: unknown) => {
          assert.ok(err instanceof FutureRevisionError);
          assert.deepEqual([err.requestedRevision, err.currentRevision], [2, 1]);
          return true;
        });
        await assert.rejects(store.compact(2), FutureRevisionError);
      });
    });

    describe('compaction', () => {
      async function writeHistory(): Promise<void> {
        await store.create('/k/a', bytes('a1')); // 1
        await store.create('/k/gone', bytes('g')); // 2
        await store.update('/k/a', bytes('a2'), 1); // 3
        await store.delete('/k/gone'); // 4
        await store.create('/k/b', bytes('b1')); // 5
        await store.update('/k/a', bytes('a3'), 3); // 6
      }

      it('rejects reads below the compacted revision and keeps the state at it', async () => {
        await writeHistory();
        await store.compact(5);
        assert.equal(await store.compactedRevision(), 5);
        await assert.rejects(store.range('/k/', { prefix: true, revision: 4 }), (err: unknown) => {
          assert.ok(err instanceof CompactedError);
          assert.deepEqual([err.requestedRevision, err.compactRevision], [4, 5]);
          return true;
        });
        await assert.rejects(store.range('/k/a', { revision: 1 }), CompactedError);
        const atCompaction = await store.range('/k/', { prefix: true, revision: 5 });
        assert.deepEqual(
          atCompaction.kvs.map(readable).map((kv) => [kv.key, kv.value, kv.version]),
          [
            ['/k/a', 'a2', 2],
            ['/k/b', 'b1', 1],
          ],
        );
        assert.deepEqual(
          (await store.range('/k/', { prefix: true })).kvs.map(readable).map((kv) => [kv.key, kv.value, kv.version]),
          [
            ['/k/a', 'a3', 3],
            ['/k/b', 'b1', 1],
          ],
        );
      });

      it('keeps revisions and writes working after compaction', async () => {
        await writeHistory();
        await store.compact(6);
        assert.equal(await store.currentRevision(), 6);
        const next = succeeded(await store.update('/k/a', bytes('a4'), 6));
        assert.deepEqual([next.revision, next.kv?.version, next.kv?.createRevision], [7, 4, 1]);
        assert.equal(succeeded(await store.create('/k/gone', bytes('back'))).kv?.createRevision, 8);
        assert.deepEqual(await keysOf('/k/', { revision: 6 }), ['/k/a', '/k/b']);
      });

      it('is a no-op at or below the compacted revision', async () => {
        await writeHistory();
        await store.compact(4);
        await store.compact(3);
        await store.compact(4);
        assert.equal(await store.compactedRevision(), 4);
        assert.deepEqual(await keysOf('/k/', { revision: 4 }), ['/k/a']);
      });
    });

    describe('watch', () => {
      it('delivers PUT and DELETE events with prevKv for keys under the prefix only', async () => {
        const recorder = await WatchRecorder.start(store, '/registry/pods/default/', { prefix: true });
        await store.create('/registry/pods/default/a', bytes('v1')); // 1
        await store.create('/registry/pods/default2/a', bytes('sibling')); // 2
        await store.update('/registry/pods/default/a', bytes('v2'), 1); // 3
        await store.delete('/registry/pods/default/a'); // 4
        await recorder.waitForEvents(3);
        const kv = (value: string, modRevision: number, version: number) => ({
          key: '/registry/pods/default/a',
          value,
          createRevision: 1,
          modRevision,
          version,
          lease: 0,
        });
        assert.deepEqual(recorder.events.map(readableEvent), [
          { type: 'PUT', kv: kv('v1', 1, 1) },
          { type: 'PUT', kv: kv('v2', 3, 2), prevKv: kv('v1', 1, 1) },
          {
            type: 'DELETE',
            kv: { key: '/registry/pods/default/a', value: '', createRevision: 0, modRevision: 4, version: 0, lease: 0 },
            prevKv: kv('v2', 3, 2),
          },
        ]);
      });

      it('watches a single key without prefix', async () => {
        const recorder = await WatchRecorder.start(store, '/a', {});
        await store.create('/a/b', bytes('child'));
        await store.create('/ab', bytes('sibling'));
        await store.create('/a', bytes('me'));
        await recorder.waitForEvents(1);
        await store.create('/b', bytes('other'));
        await store.update('/a', bytes('me again'), 3);
        await recorder.waitForEvents(2);
        assert.deepEqual(recorder.revisions, [3, 5]);
      });

      it('replays history from a past revision, then continues live without gaps or duplicates', async () => {
        await store.create('/k/a', bytes('a1')); // 1
        await store.create('/k/b', bytes('b1')); // 2
        await store.update('/k/a', bytes('a2'), 1); // 3
        await store.create('/other', bytes('x')); // 4
        await store.delete('/k/b'); // 5
        const recorder = await WatchRecorder.start(store, '/k/', { prefix: true, startRevision: 2 });
        await store.create('/k/c', bytes('c1')); // 6
        await store.delete('/k/a'); // 7
        await recorder.waitForEvents(5);
        assert.deepEqual(recorder.revisions, [2, 3, 5, 6, 7]);
        assert.deepEqual(
          recorder.events.map((event) => [event.type, event.kv.key, event.prevKv && text(event.prevKv.value)]),
          [
            ['PUT', '/k/b', undefined],
            ['PUT', '/k/a', 'a1'],
            ['DELETE', '/k/b', 'b1'],
            ['PUT', '/k/c', undefined],
            ['DELETE', '/k/a', 'a2'],
          ],
        );
      });

      it('replays and continues without gaps or duplicates while writes race the watch', async () => {
        for (let i = 0; i < 20; i++) await store.create(`/k/${i}`, bytes('x'));
        // Writes issued before, alongside and after the watch call, none awaited before it.
        const writes: Promise<unknown>[] = [];
        for (let i = 0; i < 10; i++) writes.push(store.update(`/k/${i}`, bytes('y'), 0));
        const watching = WatchRecorder.start(store, '/k/', { prefix: true, startRevision: 5 });
        for (let i = 10; i < 20; i++) writes.push(store.update(`/k/${i}`, bytes('y'), 0));
        const recorder = await watching;
        for (let i = 0; i < 10; i++) writes.push(store.delete(`/k/${i}`));
        await Promise.all(writes);
        const last = await store.currentRevision();
        assert.equal(last, 50);
        await recorder.waitForEvents(last - 5 + 1);
        assert.deepEqual(
          recorder.revisions,
          Array.from({ length: last - 4 }, (_, i) => 5 + i),
        );
      });

      it('starts after the current revision when no startRevision is given', async () => {
        await store.create('/k/a', bytes('1'));
        const recorder = await WatchRecorder.start(store, '/k/', { prefix: true });
        await store.create('/k/b', bytes('2'));
        await recorder.waitForEvents(1);
        assert.deepEqual(recorder.revisions, [2]);
      });

      it('waits for a future startRevision', async () => {
        await store.create('/k/a', bytes('1'));
        const recorder = await WatchRecorder.start(store, '/k/', { prefix: true, startRevision: 3 });
        await store.create('/k/b', bytes('2')); // 2: before the start
        await store.create('/k/c', bytes('3')); // 3
        await recorder.waitForEvents(1);
        assert.deepEqual(recorder.revisions, [3]);
      });

      it('rejects a start below the compacted revision, and replays from the compacted revision itself', async () => {
        await store.create('/k/a', bytes('a1')); // 1
        await store.update('/k/a', bytes('a2'), 1); // 2
        await store.update('/k/a', bytes('a3'), 2); // 3
        await store.compact(3);
        await assert.rejects(store.watch('/k/', { prefix: true, startRevision: 2 }, { onEvents: () => {} }), (err: unknown) => {
          assert.ok(err instanceof CompactedError);
          assert.deepEqual([err.requestedRevision, err.compactRevision], [2, 3]);
          return true;
        });
        const recorder = await WatchRecorder.start(store, '/k/', { prefix: true, startRevision: 3 });
        await recorder.waitForEvents(1);
        assert.deepEqual(recorder.events.map(readableEvent), [
          {
            type: 'PUT',
            kv: { key: '/k/a', value: 'a3', createRevision: 1, modRevision: 3, version: 3, lease: 0 },
            prevKv: { key: '/k/a', value: 'a2', createRevision: 1, modRevision: 2, version: 2, lease: 0 },
          },
        ]);
      });

      it('stops delivering after cancel', async () => {
        const cancelled = await WatchRecorder.start(store, '/k/', { prefix: true });
        const control = await WatchRecorder.start(store, '/k/', { prefix: true });
        await store.create('/k/a', bytes('1'));
        await cancelled.waitForEvents(1);
        cancelled.watch!.cancel();
        cancelled.watch!.cancel();
        await store.create('/k/b', bytes('2'));
        // Registered first, the cancelled watcher would have been served before the control.
        await control.waitForEvents(2);
        assert.deepEqual(cancelled.revisions, [1]);
        assert.deepEqual(control.revisions, [1, 2]);
        assert.deepEqual(cancelled.errors, []);
      });

      it('delivers nothing before watch() has resolved', async () => {
        await store.create('/k/a', bytes('1'));
        let watch: Watch | undefined;
        const handleKnown: boolean[] = [];
        watch = await store.watch('/k/', { prefix: true, startRevision: 1 }, {
          onEvents: () => handleKnown.push(watch !== undefined),
        });
        const control = await WatchRecorder.start(store, '/k/', { prefix: true, startRevision: 1 });
        await control.waitForEvents(1);
        assert.deepEqual(handleKnown, [true]);
      });

      it('ends watches with StoreClosedError on close, and later calls reject', async () => {
        const recorder = await WatchRecorder.start(store, '/k/', { prefix: true });
        await store.create('/k/a', bytes('1'));
        await store.close();
        const err = await recorder.waitForError();
        assert.ok(err instanceof StoreClosedError);
        assert.deepEqual(recorder.revisions, [1], 'events committed before close are still delivered');
        await assert.rejects(store.range('/k/a'), StoreClosedError);
        await assert.rejects(store.create('/k/b', bytes('2')), StoreClosedError);
      });
    });

    runLeaseContract(() => ({ store, clock: wheel.clock as ManualClock }));
  });
}
