// LeaseKeeper on a ManualClock with a fake renew(): every transition of the
// health state machine, the backoff schedule, and validity counted from when
// a renewal was sent.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/time/clock.js';
import {
  LeaseKeeper,
  LeaseRenewTimeoutError,
  type HealthChange,
  type LeaseKeeperOptions,
  type RenewFailureKind,
} from '../../src/time/lease-keeper.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';

class FakeRenewError extends Error {
  constructor(readonly kind: RenewFailureKind) {
    super(`renew failed: ${kind}`);
  }
}

/** A stand-in server: answers renewals as `mode` says, optionally after a delay on the same wheel. */
class FakeServer {
  mode: 'ok' | RenewFailureKind | 'hang' = 'ok';
  /** Virtual ms a successful answer takes. */
  answerDelayMs = 0;
  readonly calls: number[] = [];
  readonly aborted: number[] = [];

  constructor(private readonly wheel: TimingWheel) {}

  renew = (signal: AbortSignal): Promise<void> => {
    this.calls.push(this.wheel.clock.nowMs());
    signal.addEventListener('abort', () => this.aborted.push(this.wheel.clock.nowMs()));
    const mode = this.mode;
    if (mode === 'hang') return new Promise(() => {});
    if (mode !== 'ok') return Promise.reject(new FakeRenewError(mode));
    if (this.answerDelayMs === 0) return Promise.resolve();
    return new Promise((resolve) => this.wheel.schedule(this.answerDelayMs, () => resolve()));
  };
}

function classify(error: unknown): RenewFailureKind {
  if (error instanceof FakeRenewError) return error.kind;
  if (error instanceof LeaseRenewTimeoutError) return 'unreachable';
  throw error;
}

describe('LeaseKeeper', () => {
  let clock: ManualClock;
  let wheel: TimingWheel;
  let server: FakeServer;
  let changes: Array<HealthChange & { atMs: number }>;
  let keeper: LeaseKeeper | undefined;

  beforeEach(() => {
    clock = new ManualClock();
    wheel = new TimingWheel({ clock });
    server = new FakeServer(wheel);
    changes = [];
  });

  afterEach(() => {
    keeper?.stop();
    wheel.close();
  });

  function startKeeper(overrides: Partial<LeaseKeeperOptions> = {}): LeaseKeeper {
    keeper = new LeaseKeeper({
      wheel,
      renew: server.renew,
      classify,
      validForMs: 5_000,
      renewIntervalMs: 1_000,
      random: () => 0.5, // jitter pinned at +10%
      onHealthChange: (change) => changes.push({ ...change, atMs: clock.nowMs() }),
      ...overrides,
    });
    keeper.start();
    return keeper;
  }

  /** Moves virtual time in small steps, letting renew() promises settle at the time they would. */
  async function advance(ms: number, stepMs = 5): Promise<void> {
    const target = clock.nowMs() + ms;
    while (clock.nowMs() < target) {
      clock.advanceTo(Math.min(target, clock.nowMs() + stepMs));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  function healthSequence(): string[] {
    return changes.map((c) => (c.cause ? `${c.health}:${c.cause}` : c.health));
  }

  it('stays healthy while renewals succeed, renewing every interval and extending validity', async () => {
    const lease = startKeeper();
    await advance(3_500);
    assert.deepEqual(server.calls, [1_000, 2_000, 3_000]);
    assert.equal(lease.health, 'healthy');
    assert.equal(lease.validUntilMs, 8_000);
    assert.ok(lease.isValid());
    assert.deepEqual(changes, []);
  });

  it('goes degraded after two consecutive failures, backs off exponentially, and recovers before expiry', async () => {
    const lease = startKeeper({ validForMs: 20_000 });
    await advance(1_000); // first renewal succeeds: valid until 21 s
    server.mode = 'unreachable';
    await advance(1_000); // 2 s: failure 1, retry in 110 ms
    assert.equal(lease.health, 'healthy', 'one failure is not yet degraded');
    await advance(110); // 2.11 s: failure 2
    assert.equal(lease.health, 'degraded');
    assert.equal(changes[0].cause, 'unreachable');
    await advance(220 + 440 + 880);
    const gaps = server.calls.slice(1).map((t, i) => Math.round(t - server.calls[i]));
    assert.deepEqual(gaps, [1_000, 110, 220, 440, 880]);
    assert.ok(lease.isValid(), 'still valid while degraded');
    server.mode = 'ok';
    await advance(1_760); // the next retry (1.76 s after the last failure) succeeds
    assert.equal(lease.health, 'healthy');
    assert.deepEqual(healthSequence(), ['degraded:unreachable', 'healthy']);
    const recoveredAt = server.calls.at(-1)!;
    assert.equal(lease.validUntilMs, recoveredAt + 20_000);
    assert.equal(lease.consecutiveFailures, 0);
  });

  it('caps the backoff at 5 s', async () => {
    startKeeper({ validForMs: 60_000, random: () => 0.999 });
    server.mode = 'conflict';
    await advance(45_000, 50);
    const gaps = server.calls.slice(1).map((t, i) => Math.round(t - server.calls[i]));
    assert.ok(gaps.length >= 10, `expected many retries, got ${gaps.length}`);
    assert.ok(gaps.slice(0, 3).every((gap, i) => gap > 100 * 2 ** i && gap <= 120 * 2 ** i + 50), `early gaps ${gaps}`);
    assert.ok(gaps.slice(-3).every((gap) => gap >= 5_000 && gap <= 5_050), `late gaps are capped: ${gaps}`);
  });

  it('fails when validity runs out while renewals keep failing, and then stops renewing', async () => {
    const lease = startKeeper({ validForMs: 3_000 });
    server.mode = 'unreachable';
    await advance(2_999);
    assert.equal(lease.health, 'degraded');
    assert.ok(lease.isValid());
    await advance(1);
    assert.equal(lease.health, 'failed');
    assert.equal(lease.isValid(), false);
    assert.deepEqual(healthSequence(), ['degraded:unreachable', 'failed:expired']);
    assert.equal(changes.at(-1)!.atMs, 3_000);
    const callsAtFailure = server.calls.length;
    server.mode = 'ok';
    await advance(10_000, 100);
    assert.equal(server.calls.length, callsAtFailure, 'no renewal after failing');
    assert.equal(lease.health, 'failed', 'failed is final');
  });

  it('fails at once when the server says the lease is gone', async () => {
    const lease = startKeeper();
    server.mode = 'gone';
    await advance(1_000);
    assert.equal(lease.health, 'failed');
    assert.deepEqual(healthSequence(), ['failed:gone']);
    assert.ok(changes[0].error instanceof FakeRenewError);
    assert.equal(lease.isValid(), false);
  });

  it('times out a hanging renewal as unreachable, and aborts the one in flight at expiry', async () => {
    // Attempts at 1 s, 1.41 s and 1.93 s, each abandoned 300 ms later; expiry at 2.1 s falls inside the third.
    const lease = startKeeper({ validForMs: 2_100, attemptTimeoutMs: 300 });
    server.mode = 'hang';
    await advance(1_300);
    assert.deepEqual(server.aborted, [1_300], 'the attempt sent at 1 s was abandoned at 1.3 s');
    await advance(800);
    assert.equal(lease.health, 'failed');
    assert.deepEqual(healthSequence(), ['degraded:unreachable', 'failed:expired']);
    assert.deepEqual(server.calls, [1_000, 1_410, 1_930]);
    assert.deepEqual(server.aborted, [1_300, 1_710, 2_100], 'the attempt still in flight at expiry was aborted');
  });

  it('counts validity from when the successful renewal was sent, not when it was answered', async () => {
    const lease = startKeeper({ validForMs: 2_000 });
    server.answerDelayMs = 700;
    await advance(1_800);
    assert.deepEqual(server.calls, [1_000]);
    assert.equal(lease.validUntilMs, 3_000);
  });

  it('says nothing and renews nothing after stop()', async () => {
    const lease = startKeeper({ validForMs: 2_000 });
    server.mode = 'unreachable';
    await advance(1_000);
    lease.stop();
    await advance(5_000, 100);
    assert.deepEqual(server.calls, [1_000]);
    assert.deepEqual(changes, []);
    assert.equal(lease.isValid(), false);
    assert.equal(wheel.size, 0, 'every timer of the keeper is gone');
  });
});
