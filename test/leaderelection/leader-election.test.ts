// Leader election over a real `k8ts server`: electors in this process, each
// with its own connection. A paused elector is cut off from the server (its
// requests hang), which is what a stopped process or a partition looks like
// from everyone else's side.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, afterEach, before, describe, it } from 'node:test';
import { loadKubeconfig, type ClusterAccess } from '../../src/client/kubeconfig.js';
import { NotLeaderError } from '../../src/leaderelection/leader-elector.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';
import { removeDir, startServer, waitFor, type ServerProcess } from '../e2e/harness.js';
import { currentLeaders, LeaderSampler, makeContender, TIMINGS, type Contender, type ElectionEvent } from './support.js';

describe('leader election on coordination.k8s.io Leases', () => {
  let server: ServerProcess;
  let access: ClusterAccess;
  let wheel: TimingWheel;
  let contenders: Contender[] = [];
  let sampler: LeaderSampler | undefined;
  let leaseCount = 0;

  before(async () => {
    server = await startServer();
    access = loadKubeconfig(server.kubeconfig);
    wheel = new TimingWheel();
  });

  after(async () => {
    await server.stop();
    removeDir(server.dataDir);
    wheel.close();
  });

  afterEach(async () => {
    sampler?.stop();
    for (const c of contenders) {
      c.lock.resume();
      await c.elector.stop();
      c.client.close();
    }
    contenders = [];
  });

  /** Contenders for a Lease of their own, so tests do not see each other's terms. */
  function contend(count: number, events: ElectionEvent[]): Contender[] {
    const leaseName = `election-${++leaseCount}`;
    contenders = Array.from({ length: count }, (_, i) => makeContender(`replica-${i}`, access, wheel, events, leaseName));
    sampler = new LeaderSampler(contenders);
    for (const c of contenders) c.elector.start();
    return contenders;
  }

  async function soleLeader(among: Contender[], what = 'a leader'): Promise<Contender> {
    return waitFor(what, () => {
      const leaders = currentLeaders(among);
      return leaders.length === 1 ? leaders[0] : undefined;
    }, 10_000, 10);
  }

  /**
   * Pauses the leader and waits until another takes over. Checks that the old
   * one stepped down before the new term's acquiring write was even sent.
   */
  async function pauseLeaderUntilTakeover(all: Contender[], events: ElectionEvent[]): Promise<{ old: Contender; next: Contender }> {
    const old = await soleLeader(all);
    const pausedAt = performance.now();
    old.lock.pause();
    const next = await soleLeader(all.filter((c) => c !== old), 'a new leader');
    const stepDown = events.find((e) => e.type === 'stopped' && e.identity === old.identity && e.atMs >= pausedAt);
    const acquireSent = events.find((e) => e.type === 'acquire-sent' && e.identity === next.identity && e.atMs >= pausedAt);
    assert.ok(stepDown, `${old.identity} never stepped down`);
    assert.ok(acquireSent, `no acquiring write by ${next.identity} was recorded`);
    assert.ok(stepDown.atMs < acquireSent.atMs, `old leader stepped down at ${stepDown.atMs}, after the takeover write at ${acquireSent.atMs}`);
    // It stepped down at its renew deadline, not at some later time.
    assert.ok(stepDown.atMs - pausedAt <= TIMINGS.renewDeadlineMs + TIMINGS.retryPeriodMs + 100, `stepped down ${stepDown.atMs - pausedAt} ms after the pause`);
    assert.equal(old.elector.isLeader(), false);
    return { old, next };
  }

  function tokens(events: ElectionEvent[]): number[] {
    return events.flatMap((e) => (e.type === 'started' ? [e.token] : []));
  }

  it('two electors: exactly one leads; a paused leader steps down before the other takes over', async () => {
    const events: ElectionEvent[] = [];
    const all = contend(2, events);
    const first = await soleLeader(all);
    const firstToken = first.elector.checkFence();
    const { old, next } = await pauseLeaderUntilTakeover(all, events);
    assert.equal(old, first);
    const nextToken = next.elector.checkFence();
    assert.ok(nextToken > firstToken, `token ${nextToken} after ${firstToken}`);
    assert.throws(() => old.elector.checkFence(), NotLeaderError);
    assert.throws(() => old.elector.checkFence(firstToken), NotLeaderError);
    assert.deepEqual(old.health.map((h) => `${h.health}:${h.cause}`), ['degraded:unreachable', 'failed:expired']);

    // Back from the pause, the old leader sees the new one and stays a follower.
    old.lock.resume();
    await waitFor('the old leader to see the new one', () => old.elector.observedLeader === next.identity, 5_000, 10);
    assert.deepEqual(currentLeaders(all), [next]);
    assert.equal(next.elector.checkFence(), nextToken, 'the term did not change');
    sampler!.stop();
    assert.ok(sampler!.samples > 100, `only ${sampler!.samples} samples`);
    assert.deepEqual(sampler!.overlaps, []);
  });

  it('three electors: every change of leader raises the fencing token; stop() hands over at once', async () => {
    const events: ElectionEvent[] = [];
    const all = contend(3, events);
    const first = await pauseLeaderUntilTakeover(all, events);
    const second = await pauseLeaderUntilTakeover(all.filter((c) => c !== first.old), events);
    first.old.lock.resume();
    second.old.lock.resume();

    // A graceful stop releases the Lease: the successor need not wait out the lease duration.
    const leader = await soleLeader(all);
    const stoppedAt = performance.now();
    await leader.elector.stop();
    const successor = await soleLeader(all.filter((c) => c !== leader), 'a successor after release');
    const handover = performance.now() - stoppedAt;
    assert.ok(handover < TIMINGS.leaseDurationMs, `handover took ${handover.toFixed(0)} ms`);

    const seen = tokens(events);
    assert.equal(seen.length, 4, `terms: ${JSON.stringify(events.filter((e) => e.type === 'started'))}`);
    assert.ok(seen.every((token, i) => i === 0 || token > seen[i - 1]), `tokens must increase: ${seen}`);
    assert.equal(successor.elector.fencingToken, seen.at(-1));
    const leaders = events.filter((e) => e.type === 'started').map((e) => (e as { identity: string }).identity);
    assert.ok(leaders.every((id, i) => i === 0 || id !== leaders[i - 1]), `each term has a new leader: ${leaders}`);
    sampler!.stop();
    assert.deepEqual(sampler!.overlaps, []);
  });
});
