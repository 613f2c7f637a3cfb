// Leader election on a coordination.k8s.io Lease, with the semantics of
// client-go's leaderelection package:
//
// - A candidate reads the Lease every retry period (jittered). It may take it
//   when nobody holds it, or when the record has not changed for a whole lease
//   duration *as measured on the candidate's own clock* from when it first saw
//   that version of the record. Clocks of different machines are never compared.
// - Taking it is a conditional update (resourceVersion), so of two candidates
//   racing for one transition exactly one wins. Each acquisition bumps
//   leaseTransitions, which is the term's fencing token.
// - The leader renews renewTime every retry period through a LeaseKeeper whose
//   validity is the renew deadline counted from when the last successful
//   renewal was sent. When that runs out (or the Lease turns out to be someone
//   else's) it steps down. Because renewDeadline < leaseDuration and any other
//   candidate starts counting only once it has seen that renewal, the old
//   leader has stepped down before anyone else may take over.
//
// Unlike client-go's Run, which returns after losing leadership, a stepped-down
// elector goes back to being a candidate: a long-lived server keeps competing.
import { classifyApiFailure } from '../client/failure-kind.js';
import { ApiStatusError } from '../client/rest-client.js';
import { LeaseKeeper, type HealthChange, type LeaseHealth, type RenewFailureKind } from '../time/lease-keeper.js';
import type { TimerHandle, TimingWheel } from '../time/timing-wheel.js';
import { microTime, type ElectionLock, type LeaderElectionRecord, type ObservedLock } from './lease-lock.js';

export interface LeaderElectorOptions {
  lock: ElectionLock;
  /** Unique among the contenders (hostname plus a random suffix). */
  identity: string;
  wheel: TimingWheel;
  /** How long a non-leader waits after the last change it saw before taking over. Default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renewal. Default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  /** On stop(), give the Lease up so that a successor need not wait out the lease duration. Default true. */
  releaseOnStop?: boolean;
  callbacks: LeaderCallbacks;
  /** [0, 1) source for jitter. */
  random?: () => number;
  /** Structured log lines; default none. */
  log?: (fields: Record<string, unknown>) => void;
}

export interface LeaderCallbacks {
  /** This elector became leader; work guarded by leadership may start. */
  onStartedLeading(term: LeadershipTerm): void;
  /** Leadership ended (deadline passed, lost, or stop()); guarded work must stop now. */
  onStoppedLeading(): void;
  /** A different holder was observed (including this elector, and '' for nobody). */
  onNewLeader?(identity: string): void;
  /** The renewal health of the current term: degraded means "finish, but start nothing new". */
  onHealthChange?(change: HealthChange): void;
}

export interface LeadershipTerm {
  identity: string;
  /** leaseTransitions of this term: strictly greater than every earlier term's. */
  fencingToken: number;
  /** Whether this term is still current (checked against the clock). */
  isLeader(): boolean;
  /** Throws NotLeaderError unless this term is still current; call it before a write made under leadership. */
  checkFence(): void;
}

export class NotLeaderError extends Error {
  constructor(identity: string, token: number | undefined) {
    super(`${identity} is not the leader${token === undefined ? '' : ` of term ${token}`}`);
    this.name = 'NotLeaderError';
  }
}

/** The Lease is held by someone else now: leadership is lost for good. */
class LeadershipLostError extends Error {}

/** client-go's JitterFactor: acquisition attempts are spread over retryPeriod * [1, 2.2). */
const JITTER_FACTOR = 1.2;

interface Term {
  token: number;
  keeper: LeaseKeeper;
}

export class LeaderElector {
  readonly identity: string;
  private readonly lock: ElectionLock;
  private readonly wheel: TimingWheel;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly random: () => number;
  private readonly log: (fields: Record<string, unknown>) => void;

  /** The last record seen and when (monotonic) it was first seen: the base of the takeover countdown. */
  private observedRecord: LeaderElectionRecord | undefined;
  private observedAtMs = 0;
  private reportedLeader: string | undefined;
  private term: Term | undefined;
  private retryTimer: TimerHandle | undefined;
  private running = false;
  private attemptInFlight: AbortController | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.identity = options.identity;
    this.lock = options.lock;
    this.wheel = options.wheel;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.random = options.random ?? Math.random;
    this.log = options.log ?? (() => {});
    if (!this.identity) throw new RangeError('leader election needs a non-empty identity');
    if (!(this.leaseDurationMs > this.renewDeadlineMs)) throw new RangeError('leaseDuration must be greater than renewDeadline');
    if (!(this.renewDeadlineMs > JITTER_FACTOR * this.retryPeriodMs)) throw new RangeError('renewDeadline must exceed retryPeriod * 1.2');
  }

  /**
   * Starts competing. The first attempt is made at once; the promise settles
   * when it has (leading or not), so a caller can tell whether it won right away.
   */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    return this.tryAcquire();
  }

  /**
   * Stops competing. A leader first stops leading (onStoppedLeading), then,
   * with releaseOnStop, clears holderIdentity so a successor can take over at once.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.retryTimer !== undefined) this.wheel.cancel(this.retryTimer);
    this.attemptInFlight?.abort();
    const term = this.term;
    if (!term) return;
    const stillValid = term.keeper.isValid();
    this.endTerm();
    if (stillValid && (this.options.releaseOnStop ?? true)) await this.release(term.token);
  }

  /** Whether this elector leads now: it holds the Lease and its renew deadline has not passed. */
  isLeader(): boolean {
    return this.term?.keeper.isValid() ?? false;
  }

  /** The current term's fencing token (leaseTransitions), undefined when not leading. */
  get fencingToken(): number | undefined {
    return this.isLeader() ? this.term!.token : undefined;
  }

  /** Throws NotLeaderError unless leading (in term `token`, when given). Returns the current token. */
  checkFence(token?: number): number {
    const current = this.fencingToken;
    if (current === undefined || (token !== undefined && token !== current)) throw new NotLeaderError(this.identity, token);
    return current;
  }

  /** The renewal health of the current term, undefined when not leading. */
  get health(): LeaseHealth | undefined {
    return this.term?.keeper.health;
  }

  /** The holder last observed ('' for nobody, undefined before the first read). */
  get observedLeader(): string | undefined {
    return this.observedRecord?.holderIdentity;
  }

  private scheduleAttempt(delayMs: number): void {
    if (!this.running) return;
    this.retryTimer = this.wheel.schedule(delayMs, () => {
      this.retryTimer = undefined;
      void this.tryAcquire();
    });
  }

  private jitteredRetryMs(): number {
    return this.retryPeriodMs * (1 + JITTER_FACTOR * this.random());
  }

  private async tryAcquire(): Promise<void> {
    const controller = new AbortController();
    this.attemptInFlight = controller;
    // Counted from before the write is sent: the earliest the server can have applied it.
    const sentAtMs = this.wheel.clock.nowMs();
    try {
      const acquired = await this.acquireOnce(controller.signal);
      if (!this.running) {
        // stop() came while the write was in flight: give back what we may just have taken.
        if (acquired) await this.release(acquired.record.leaseTransitions);
        return;
      }
      if (acquired) {
        this.beginTerm(acquired, sentAtMs);
        return;
      }
    } catch (error) {
      if (!(error instanceof ApiStatusError && error.code === 409)) {
        this.log({ level: 'info', msg: 'leader election attempt failed', lock: this.lock.describe(), error: String(error) });
      }
    } finally {
      if (this.attemptInFlight === controller) this.attemptInFlight = undefined;
    }
    this.scheduleAttempt(this.jitteredRetryMs());
  }

  /** One read-and-maybe-write; returns the Lease as written when this elector took it. */
  private async acquireOnce(signal: AbortSignal): Promise<ObservedLock | undefined> {
    const current = await this.lock.get(signal);
    if (!current) {
      const created = await this.lock.create(this.recordForNewTerm(0), signal);
      this.observe(created.record);
      return created;
    }
    this.observe(current.record);
    const holder = current.record.holderIdentity;
    // Wait out the longer of our own and the holder's declared duration.
    const waitMs = Math.max(this.leaseDurationMs, current.record.leaseDurationSeconds * 1000);
    if (holder !== '' && holder !== this.identity && this.wheel.clock.nowMs() < this.observedAtMs + waitMs) return undefined;
    // Every acquisition opens a new term, even one recorded under our own name
    // (after we stepped down): writes fenced by the old token must fail.
    const written = await this.lock.update(current, this.recordForNewTerm(current.record.leaseTransitions + 1), signal);
    this.observe(written.record);
    return written;
  }

  private recordForNewTerm(token: number): LeaderElectionRecord {
    const now = microTime(this.wheel.clock.wallMs());
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: token,
    };
  }

  /** Restarts the takeover countdown whenever the record differs from the last one seen. */
  private observe(record: LeaderElectionRecord): void {
    if (!this.observedRecord || !sameRecord(this.observedRecord, record)) {
      this.observedRecord = record;
      this.observedAtMs = this.wheel.clock.nowMs();
    }
    if (record.holderIdentity !== this.reportedLeader) {
      this.reportedLeader = record.holderIdentity;
      this.options.callbacks.onNewLeader?.(record.holderIdentity);
    }
  }

  private beginTerm(acquired: ObservedLock, sentAtMs: number): void {
    const token = acquired.record.leaseTransitions;
    const keeper = new LeaseKeeper({
      wheel: this.wheel,
      validFromMs: sentAtMs,
      validForMs: this.renewDeadlineMs,
      renewIntervalMs: this.retryPeriodMs,
      // One retry period per attempt: several attempts fit in the renew deadline,
      // so a leader that cannot reach the server shows up as degraded before it fails.
      attemptTimeoutMs: this.retryPeriodMs,
      random: this.random,
      renew: (signal) => this.renewTerm(term, signal),
      classify: (error) => classifyRenewal(error),
      onHealthChange: (change) => this.onTermHealth(term, change),
    });
    const term: Term = { token, keeper };
    if (!keeper.isValid()) {
      // The acquiring write took longer than the renew deadline: the term is over before it began.
      keeper.stop();
      this.scheduleAttempt(this.jitteredRetryMs());
      return;
    }
    this.term = term;
    keeper.start();
    this.log({ level: 'info', msg: 'became leader', lock: this.lock.describe(), identity: this.identity, fencingToken: token });
    this.options.callbacks.onStartedLeading({
      identity: this.identity,
      fencingToken: token,
      isLeader: () => this.term === term && keeper.isValid(),
      checkFence: () => {
        if (!(this.term === term && keeper.isValid())) throw new NotLeaderError(this.identity, token);
      },
    });
  }

  /** Renewal: re-read, make sure the term is still ours, and move renewTime. */
  private async renewTerm(term: Term, signal: AbortSignal): Promise<void> {
    const current = await this.lock.get(signal);
    if (!current) throw new LeadershipLostError('the Lease was deleted');
    this.observe(current.record);
    if (current.record.holderIdentity !== this.identity || current.record.leaseTransitions !== term.token) {
      throw new LeadershipLostError(`the Lease is held by ${current.record.holderIdentity || 'nobody'} now`);
    }
    const renewed = { ...current.record, renewTime: microTime(this.wheel.clock.wallMs()) };
    const written = await this.lock.update(current, renewed, signal);
    this.observe(written.record);
  }

  private onTermHealth(term: Term, change: HealthChange): void {
    if (this.term !== term) return;
    this.options.callbacks.onHealthChange?.(change);
    if (change.health !== 'failed') return;
    this.log({ level: 'info', msg: 'stopped leading', lock: this.lock.describe(), identity: this.identity, cause: change.cause });
    this.endTerm();
    this.scheduleAttempt(this.jitteredRetryMs());
  }

  private endTerm(): void {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    term.keeper.stop();
    this.options.callbacks.onStoppedLeading();
  }

  /** Clears the holder (client-go's ReleaseOnCancel); the token stays, so the next term still counts up. */
  private async release(token: number): Promise<void> {
    try {
      const current = await this.lock.get();
      if (!current || current.record.holderIdentity !== this.identity || current.record.leaseTransitions !== token) return;
      await this.lock.update(current, { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: token });
    } catch (error) {
      this.log({ level: 'info', msg: 'could not release the lease', lock: this.lock.describe(), error: String(error) });
    }
  }
}

function classifyRenewal(error: unknown): RenewFailureKind {
  return error instanceof LeadershipLostError ? 'gone' : classifyApiFailure(error);
}

function sameRecord(a: LeaderElectionRecord, b: LeaderElectionRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}
