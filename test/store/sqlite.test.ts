import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore, type StoreTimeOptions } from '../../src/store/index.js';
import { ManualClock } from '../../src/time/clock.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';
import type { Store } from '../../src/store/types.js';
import { runStoreContract } from './contract.js';
import { bytes, succeeded, text } from './helpers.js';

let dir: string;
let databases = 0;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-store-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function freshPath(): string {
  return join(dir, `store-${++databases}.db`);
}

runStoreContract('sqlite', (time) => openStore({ backend: 'sqlite', path: freshPath() }, time));

describe('sqlite store on disk', () => {
  let path: string;
  const open: Store[] = [];

  async function openAt(time: StoreTimeOptions = {}): Promise<Store> {
    const store = await openStore({ backend: 'sqlite', path }, time);
    open.push(store);
    return store;
  }

  beforeEach(() => {
    path = freshPath();
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  it('keeps data and revisions across reopen, and keeps counting up', async () => {
    const first = await openAt();
    await first.create('/k/a', bytes('a1')); // 1
    await first.update('/k/a', bytes('a2'), 1); // 2
    await first.create('/k/b', bytes('b1')); // 3
    await first.close();

    const second = await openAt();
    assert.equal(await second.currentRevision(), 3);
    const kvs = (await second.range('/k/', { prefix: true })).kvs;
    assert.deepEqual(kvs.map((kv) => [kv.key, text(kv.value), kv.modRevision, kv.version]), [
      ['/k/a', 'a2', 2, 2],
      ['/k/b', 'b1', 3, 1],
    ]);
    assert.equal(text((await second.range('/k/a', { revision: 1 })).kvs[0].value), 'a1');
    assert.equal(succeeded(await second.create('/k/c', bytes('c1'))).revision, 4);
  });

  it('keeps revisions strictly increasing across reopen after compactions emptied the store', async () => {
    const first = await openAt();
    await first.create('/k/a', bytes('a')); // 1
    await first.delete('/k/a'); // 2
    await first.create('/k/b', bytes('b')); // 3
    await first.delete('/k/b'); // 4
    await first.create('/k/c', bytes('c')); // 5
    await first.delete('/k/c'); // 6
    await first.compact(6);
    await first.close();

    const second = await openAt();
    assert.equal(await second.currentRevision(), 6);
    assert.equal(await second.compactedRevision(), 6);
    await assert.rejects(second.range('/k/', { prefix: true, revision: 5 }), /compacted/);
    assert.equal(succeeded(await second.create('/k/d', bytes('d'))).revision, 7);
    await second.compact(7);
    await second.delete('/k/d'); // 8
    await second.compact(8);
    await second.close();

    const third = await openAt();
    assert.equal(await third.currentRevision(), 8);
    assert.equal(succeeded(await third.create('/k/e', bytes('e'))).revision, 9);
    assert.deepEqual((await third.range('/k/', { prefix: true })).kvs.map((kv) => kv.key), ['/k/e']);
  });

  describe('leases across reopen', () => {
    const WALL_START = Date.UTC(2024, 0, 1);
    const wheels: TimingWheel[] = [];

    /** A store on a manual clock whose wall time starts at wallStartMs, as a restarted process would see it. */
    async function openAtWallTime(wallStartMs: number): Promise<{ store: Store; clock: ManualClock }> {
      const clock = new ManualClock({ startMs: 5_000, wallStartMs });
      const wheel = new TimingWheel({ clock });
      wheels.push(wheel);
      return { store: await openAt({ wheel }), clock };
    }

    afterEach(() => {
      for (const wheel of wheels.splice(0)) wheel.close();
    });

    async function keys(store: Store): Promise<string[]> {
      return (await store.range('/k/', { prefix: true })).kvs.map((kv) => kv.key);
    }

    it("deletes an expired lease's keys on open and keeps a live one's for the time it has left", async () => {
      const first = await openAtWallTime(WALL_START);
      const short = await first.store.leaseGrant(5);
      const long = await first.store.leaseGrant(60);
      await first.store.create('/k/short', bytes('s'), { lease: short.id });
      await first.store.create('/k/long', bytes('l'), { lease: long.id });
      await first.store.create('/k/plain', bytes('p'));
      await first.store.close();

      // Reopened 10 s of wall time later: the short lease ran out while the store was closed.
      const second = await openAtWallTime(WALL_START + 10_000);
      assert.deepEqual(await keys(second.store), ['/k/long', '/k/plain']);
      assert.equal(await second.store.currentRevision(), 4, 'the expiry is a DELETE at a new revision');
      assert.deepEqual(await second.store.leases(), [long]);
      assert.equal((await second.store.leaseTimeToLive(long.id)).ttlSeconds, 50);
      second.clock.advanceBy(49_999);
      assert.deepEqual(await keys(second.store), ['/k/long', '/k/plain']);
      second.clock.advanceBy(1);
      assert.deepEqual(await keys(second.store), ['/k/plain']);
      await second.store.close();

      const third = await openAtWallTime(WALL_START + 120_000);
      assert.deepEqual(await third.store.leases(), []);
      assert.deepEqual(await keys(third.store), ['/k/plain']);
    });

    it('persists keep-alives: a renewed lease survives a reopen past its first deadline', async () => {
      const first = await openAtWallTime(WALL_START);
      const { id } = await first.store.leaseGrant(5);
      await first.store.create('/k/a', bytes('a'), { lease: id });
      first.clock.advanceBy(4_000);
      await first.store.leaseKeepAlive(id); // now due at WALL_START + 9 s
      await first.store.close();

      const second = await openAtWallTime(WALL_START + 8_000);
      assert.deepEqual(await keys(second.store), ['/k/a']);
      second.clock.advanceBy(1_000);
      assert.deepEqual(await keys(second.store), []);
    });
  });

  it('refuses a second owner of the same file while it is open', async () => {
    const owner = await openAt();
    await owner.create('/k/a', bytes('a'));
    await assert.rejects(openStore({ backend: 'sqlite', path }), /locked/);
  });

  it('keeps every acknowledged write when the writing process is killed', { timeout: 60_000 }, async (t) => {
    const acknowledged = await killWriterAfterAcks(path, 300, t.signal);
    assert.ok(acknowledged.length >= 300, `expected at least 300 acks, got ${acknowledged.length}`);
    const store = await openAt();
    const present = new Set((await store.range('/crash/', { prefix: true })).kvs.map((kv) => kv.key));
    const missing = acknowledged.filter((key) => !present.has(key));
    assert.deepEqual(missing, []);
    assert.ok(await store.currentRevision() >= acknowledged.length);
  });
});

const crashWriter = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));

/**
 * Runs the crash writer, SIGKILLs it once `acks` keys were acknowledged, and
 * returns every acknowledged key. `abort` (the test's timeout) kills it too,
 * so a writer that stalls fails the test instead of outliving it.
 */
async function killWriterAfterAcks(path: string, acks: number, abort: AbortSignal): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', crashWriter, path], {
    stdio: ['ignore', 'pipe', 'pipe'],
    signal: abort,
    killSignal: 'SIGKILL',
  });
  child.on('error', () => {}); // An abort also surfaces as 'error'; the exit below tells the story.
  const acknowledged: string[] = [];
  let partialLine = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    // Only complete lines are acknowledgements; a key cut short by the kill is not.
    const lines = (partialLine + chunk).split('\n');
    partialLine = lines.pop()!;
    acknowledged.push(...lines);
    if (acknowledged.length >= acks) child.kill('SIGKILL');
  });
  const { code, signal } = await exited;
  assert.equal(signal, 'SIGKILL', `the writer exited on its own (code ${code}): ${stderr}`);
  assert.ok(!abort.aborted, `the writer stalled after ${acknowledged.length} acks: ${stderr}`);
  return acknowledged;
}
