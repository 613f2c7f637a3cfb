import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import { CompactedError } from '../../src/store/types.js';
import { Compactor } from '../../src/apiserver/compactor.js';
import { ManualClock } from '../../src/time/clock.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Lets the tick the wheel fired (an async store round-trip) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

describe('compactor', () => {
  it('compacts to the revision seen one interval earlier', async () => {
    const store = await openStore({ backend: 'memory' });
    const clock = new ManualClock();
    const wheel = new TimingWheel({ clock });
    const compactor = new Compactor(store, wheel, 1000);
    compactor.start();
    await store.create('/a', enc('1'));
    await store.create('/b', enc('2'));
    const firstRound = await store.currentRevision();
    clock.advanceBy(1000);
    await settle();
    assert.equal(await store.compactedRevision(), 0, 'nothing to compact on the first round');
    await store.create('/c', enc('3'));
    clock.advanceBy(1000);
    await settle();
    assert.equal(await store.compactedRevision(), firstRound);
    await assert.rejects(store.range('/a', { revision: firstRound - 1 }), CompactedError);
    compactor.stop();
    wheel.close();
    await store.close();
  });
});
