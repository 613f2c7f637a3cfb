// Electors in this process contending over a real `k8ts server`, each with
// its own connection, and a lock wrapper that can cut one off (a partition:
// its requests hang until resumed, or until the caller gives up on them).
import { performance } from 'node:perf_hooks';
import { RestClient, UnreachableError } from '../../src/client/rest-client.js';
import { LeaderElector } from '../../src/leaderelection/leader-elector.js';
import { LeaseLock, type ElectionLock, type LeaderElectionRecord, type ObservedLock } from '../../src/leaderelection/lease-lock.js';
import type { HealthChange } from '../../src/time/lease-keeper.js';
import type { TimingWheel } from '../../src/time/timing-wheel.js';

/** Short durations so the suite stays fast; same ratios as the 15/10/2 s defaults' spirit. */
export const TIMINGS = { leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 300 };

export type ElectionEvent =
  | { type: 'started'; identity: string; token: number; atMs: number }
  | { type: 'stopped'; identity: string; atMs: number }
  /** An acquiring write (a new term) was sent. */
  | { type: 'acquire-sent'; identity: string; token: number; atMs: number };

export class PausableLock implements ElectionLock {
  private paused: Promise<void> | undefined;
  private resumePaused: (() => void) | undefined;

  constructor(
    private readonly inner: ElectionLock,
    private readonly identity: string,
    private readonly events: ElectionEvent[],
  ) {}

  pause(): void {
    this.paused ??= new Promise((resolve) => (this.resumePaused = resolve));
  }

  resume(): void {
    this.resumePaused?.();
    this.paused = undefined;
  }

  async get(signal?: AbortSignal): Promise<ObservedLock | undefined> {
    await this.gate(signal);
    return this.inner.get(signal);
  }

  async create(record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedLock> {
    await this.gate(signal);
    this.events.push({ type: 'acquire-sent', identity: this.identity, token: record.leaseTransitions, atMs: performance.now() });
    return this.inner.create(record, signal);
  }

  async update(observed: ObservedLock, record: LeaderElectionRecord, signal?: AbortSignal): Promise<ObservedLock> {
    await this.gate(signal);
    if (record.holderIdentity === this.identity && record.leaseTransitions !== observed.record.leaseTransitions) {
      this.events.push({ type: 'acquire-sent', identity: this.identity, token: record.leaseTransitions, atMs: performance.now() });
    }
    return this.inner.update(observed, record, signal);
  }

  describe(): string {
    return this.inner.describe();
  }

  /** While paused, a call waits for resume() or fails as a timed-out request would once its caller aborts. */
  private async gate(signal?: AbortSignal): Promise<void> {
    while (this.paused) {
      const paused = this.paused;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(new UnreachableError('partitioned', 'ABORTED'));
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        void paused.then(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }
}

export interface Contender {
  identity: string;
  elector: LeaderElector;
  lock: PausableLock;
  client: RestClient;
  health: HealthChange[];
}

export function makeContender(
  name: string,
  access: { server: string; caPem?: string; token?: string },
  wheel: TimingWheel,
  events: ElectionEvent[],
  leaseName: string,
): Contender {
  const identity = `${name}_${Math.random().toString(16).slice(2, 8)}`;
  const client = new RestClient({ ...access, wheel, timeoutMs: 1_000 });
  const lock = new PausableLock(new LeaseLock(client, 'kube-system', leaseName), identity, events);
  const health: HealthChange[] = [];
  const elector = new LeaderElector({
    lock,
    identity,
    wheel,
    ...TIMINGS,
    callbacks: {
      onStartedLeading: (term) => events.push({ type: 'started', identity, token: term.fencingToken, atMs: performance.now() }),
      onStoppedLeading: () => events.push({ type: 'stopped', identity, atMs: performance.now() }),
      onHealthChange: (change) => health.push(change),
    },
  });
  return { identity, elector, lock, client, health };
}

/** Samples isLeader() of every contender until stopped; records every moment two led at once. */
export class LeaderSampler {
  readonly overlaps: string[] = [];
  samples = 0;
  private timer: NodeJS.Timeout;

  constructor(private readonly contenders: Contender[]) {
    this.timer = setInterval(() => this.sample(), 2);
  }

  sample(): void {
    this.samples++;
    const leaders = this.contenders.filter((c) => c.elector.isLeader()).map((c) => c.identity);
    if (leaders.length > 1) this.overlaps.push(`${performance.now().toFixed(0)}: ${leaders.join(', ')}`);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export function currentLeaders(contenders: Contender[]): Contender[] {
  return contenders.filter((c) => c.elector.isLeader());
}
