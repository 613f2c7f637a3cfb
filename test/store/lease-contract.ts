// The lease part of the store contract, run inside runStoreContract for every
// backend. Time is a ManualClock driving the store's timing wheel, so expiry
// is tested to the millisecond without sleeping.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseExistsError, LeaseNotFoundError, type Store } from '../../src/store/types.js';
import type { ManualClock } from '../../src/time/clock.js';
import { bytes, readableEvent, succeeded, WatchRecorder } from './helpers.js';

export interface LeaseFixture {
  store: Store;
  clock: ManualClock;
}

export function runLeaseContract(fixture: () => LeaseFixture): void {
  describe('leases', () => {
    async function keys(store: Store): Promise<string[]> {
      return (await store.range('/', { prefix: true })).kvs.map((kv) => kv.key);
    }

    it('grant, time-to-live with keys, and the lease list', async () => {
      const { store, clock } = fixture();
      const lease = await store.leaseGrant(30);
      assert.ok(Number.isSafeInteger(lease.id) && lease.id > 0, `store-picked id ${lease.id}`);
      assert.equal(lease.ttlSeconds, 30);
      const other = await store.leaseGrant(50, 42);
      assert.deepEqual(other, { id: 42, ttlSeconds: 50 });
      await store.create('/b', bytes('b'), { lease: lease.id });
      await store.create('/a', bytes('a'), { lease: lease.id });
      await store.create('/c', bytes('c'));
      clock.advanceBy(10_500);
      assert.deepEqual(await store.leaseTimeToLive(lease.id, { keys: true }), {
        id: lease.id,
        ttlSeconds: 19,
        grantedTtlSeconds: 30,
        keys: ['/a', '/b'],
      });
      assert.deepEqual(await store.leaseTimeToLive(42), { id: 42, ttlSeconds: 39, grantedTtlSeconds: 50 });
      assert.deepEqual(await store.leases(), [lease, other].sort((x, y) => x.id - y.id));
      assert.deepEqual(await store.leaseTimeToLive(7), { id: 7, ttlSeconds: -1, grantedTtlSeconds: 0 });
    });

    it('deletes attached keys when the lease expires, as DELETE events at new revisions', async () => {
      const { store, clock } = fixture();
      const { id } = await store.leaseGrant(10);
      await store.create('/a', bytes('a'), { lease: id }); // 1
      await store.create('/b', bytes('b'), { lease: id }); // 2
      await store.create('/c', bytes('c')); // 3
      const watch = await WatchRecorder.start(store, '/', { prefix: true, startRevision: 4 });
      clock.advanceBy(9_999);
      assert.deepEqual(await keys(store), ['/a', '/b', '/c']);
      clock.advanceBy(1);
      assert.deepEqual(await keys(store), ['/c']);
      assert.equal(await store.currentRevision(), 5);
      await watch.waitForEvents(2);
      assert.deepEqual(watch.events.map(readableEvent).map((e) => [e.type, e.kv.key, e.kv.modRevision, e.prevKv?.value]), [
        ['DELETE', '/a', 4, 'a'],
        ['DELETE', '/b', 5, 'b'],
      ]);
      assert.equal((await store.leaseTimeToLive(id)).ttlSeconds, -1);
      assert.deepEqual(await store.leases(), []);
      await assert.rejects(store.leaseKeepAlive(id), LeaseNotFoundError);
      await assert.rejects(store.create('/d', bytes('d'), { lease: id }), LeaseNotFoundError);
      watch.watch!.cancel();
    });

    it('revoke deletes the attached keys at once; revoking an unknown lease fails', async () => {
      const { store } = fixture();
      const { id } = await store.leaseGrant(60);
      await store.create('/a', bytes('a'), { lease: id });
      await store.create('/b', bytes('b'));
      await store.leaseRevoke(id);
      assert.deepEqual(await keys(store), ['/b']);
      assert.equal(await store.currentRevision(), 3);
      assert.deepEqual(await store.leases(), []);
      await assert.rejects(store.leaseRevoke(id), LeaseNotFoundError);
    });

    it('keep-alive restarts the full TTL', async () => {
      const { store, clock } = fixture();
      const { id } = await store.leaseGrant(10);
      await store.create('/a', bytes('a'), { lease: id });
      clock.advanceBy(6_000);
      assert.equal(await store.leaseKeepAlive(id), 10);
      clock.advanceBy(6_000); // 12 s after the grant: alive only thanks to the keep-alive
      assert.deepEqual(await keys(store), ['/a']);
      assert.equal((await store.leaseTimeToLive(id)).ttlSeconds, 4);
      clock.advanceBy(4_000);
      assert.deepEqual(await keys(store), []);
    });

    it('expires on monotonic time: a wall-clock step changes nothing', async () => {
      const { store, clock } = fixture();
      const { id } = await store.leaseGrant(10);
      await store.create('/a', bytes('a'), { lease: id });
      clock.stepWallClock(3_600_000);
      clock.advanceBy(9_000);
      assert.deepEqual(await keys(store), ['/a']);
      clock.advanceBy(1_000);
      assert.deepEqual(await keys(store), []);
    });

    it('a key follows its latest write: moved to another lease, detached, or deleted and re-created', async () => {
      const { store, clock } = fixture();
      const short = await store.leaseGrant(5);
      const long = await store.leaseGrant(50);
      const moved = succeeded(await store.create('/moved', bytes('1'), { lease: short.id }));
      await store.update('/moved', bytes('2'), moved.revision, { lease: long.id });
      const detached = succeeded(await store.create('/detached', bytes('1'), { lease: short.id }));
      await store.update('/detached', bytes('2'), detached.revision);
      await store.create('/recreated', bytes('1'), { lease: short.id });
      await store.delete('/recreated');
      await store.create('/recreated', bytes('2'));
      await store.create('/leased', bytes('1'), { lease: short.id });
      clock.advanceBy(5_000);
      assert.deepEqual(await keys(store), ['/detached', '/moved', '/recreated']);
      assert.deepEqual((await store.leaseTimeToLive(long.id, { keys: true })).keys, ['/moved']);
      clock.advanceBy(45_000);
      assert.deepEqual(await keys(store), ['/detached', '/recreated']);
    });

    it('refuses writes with an unknown lease, a duplicate id and a bad TTL', async () => {
      const { store } = fixture();
      await assert.rejects(store.create('/a', bytes('a'), { lease: 99 }), LeaseNotFoundError);
      await store.create('/b', bytes('b'));
      await assert.rejects(store.update('/b', bytes('b2'), 0, { lease: 99 }), LeaseNotFoundError);
      assert.equal(await store.currentRevision(), 1);
      await store.leaseGrant(10, 99);
      await assert.rejects(store.leaseGrant(20, 99), LeaseExistsError);
      await assert.rejects(store.leaseGrant(0), RangeError);
      await assert.rejects(store.leaseGrant(1.5), RangeError);
      assert.deepEqual(await store.leases(), [{ id: 99, ttlSeconds: 10 }]);
    });
  });
}
