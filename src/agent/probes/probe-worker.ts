// Runs one probe of one container on the timing wheel with Kubernetes'
// timing: first after initialDelaySeconds, then every periodSeconds; the
// result flips after successThreshold successes or failureThreshold failures.
import type { TimingWheel, TimerHandle } from '../../time/timing-wheel.js';
import type { ProbeSpec } from '../pods/pod-spec.js';
import type { ProbeOutcome } from './probe-runner.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export class ProbeWorker {
  /** Readiness and startup start false (not ready, not started), liveness true (not failed). */
  result: boolean;
  /** A startup probe that reached failureThreshold: the container is restarted. */
  failed = false;
  lastMessage = '';
  private successes = 0;
  private failures = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;

  constructor(
    readonly kind: ProbeKind,
    private readonly spec: ProbeSpec,
    private readonly wheel: TimingWheel,
    private readonly attempt: () => Promise<ProbeOutcome>,
    private readonly onChange: (worker: ProbeWorker) => void,
    /** Probes wait while this says no (liveness and readiness until startup succeeded). */
    private readonly gate: () => boolean = () => true,
  ) {
    this.result = kind === 'liveness';
  }

  start(): void {
    this.schedule((this.spec.initialDelaySeconds ?? 0) * 1000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.wheel.cancel(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.wheel.schedule(ms, () => void this.tick());
  }

  private async tick(): Promise<void> {
    const period = (this.spec.periodSeconds ?? 10) * 1000;
    if (!this.gate()) {
      this.schedule(period);
      return;
    }
    const outcome = await this.attempt();
    if (this.stopped) return;
    this.lastMessage = outcome.message;
    if (outcome.ok) {
      this.failures = 0;
      this.successes++;
      if (!this.result && this.successes >= (this.spec.successThreshold ?? 1)) this.set(true);
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= (this.spec.failureThreshold ?? 3)) {
        if (this.kind === 'startup') {
          this.failed = true;
          this.onChange(this);
          return;
        }
        if (this.result) this.set(false);
      }
    }
    // A startup probe stops once it succeeded; the others keep going.
    if (this.kind === 'startup' && this.result && this.successes > 0) return;
    this.schedule(period);
  }

  private set(value: boolean): void {
    this.result = value;
    this.onChange(this);
  }
}
