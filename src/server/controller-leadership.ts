// Controllers (and later the scheduler) run only in the replica that holds the
// controller Lease, so several `k8ts server` replicas on one store never act
// twice. The elector talks to the API over HTTPS like any other client, here
// the server's own loopback address.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClusterAccess } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest-client.js';
import { LeaderElector, type LeadershipTerm } from '../leaderelection/leader-elector.js';
import { LeaseLock } from '../leaderelection/lease-lock.js';
import type { TimingWheel } from '../time/timing-wheel.js';

export const CONTROLLER_LEASE = { namespace: 'kube-system', name: 'k8ts-controller-manager' };

/** Something that runs only while its replica leads; it is started afresh for every term. */
export interface LeaderOnlyWork {
  start(): Promise<void>;
  stop(): void;
}

export interface ControllerLeadership {
  readonly identity: string;
  readonly elector: LeaderElector;
  /** Settles once the first election attempt has, and the work it started (if it won) has started. */
  readonly firstAttempt: Promise<void>;
  /** Stops the work, then releases the Lease so another replica can take over at once. */
  stop(): Promise<void>;
}

export function runControllersWhileLeading(options: {
  access: ClusterAccess;
  wheel: TimingWheel;
  timings?: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Builds the work for one term; `term.checkFence` guards its writes. */
  work: (term: LeadershipTerm) => LeaderOnlyWork[];
  log: (line: string) => void;
}): ControllerLeadership {
  const identity = `${hostname()}_${randomBytes(4).toString('hex')}`;
  const client = new RestClient({ ...options.access, wheel: options.wheel, timeoutMs: 5_000 });
  const logFields = (fields: Record<string, unknown>) => options.log(JSON.stringify(fields));
  let running: LeaderOnlyWork[] = [];
  let starting: Promise<unknown> = Promise.resolve();
  const elector = new LeaderElector({
    lock: new LeaseLock(client, CONTROLLER_LEASE.namespace, CONTROLLER_LEASE.name),
    identity,
    wheel: options.wheel,
    ...options.timings,
    log: logFields,
    callbacks: {
      onStartedLeading: (term) => {
        running = options.work(term);
        starting = Promise.all(
          running.map((work) =>
            work.start().catch((error: unknown) => logFields({ level: 'error', msg: 'controller failed to start', error: String(error) })),
          ),
        );
      },
      onStoppedLeading: () => {
        for (const work of running) work.stop();
        running = [];
      },
    },
  });
  const firstAttempt = elector.start().then(() => starting).then(() => undefined);
  return {
    identity,
    elector,
    firstAttempt,
    async stop() {
      await elector.stop();
      client.close();
    },
  };
}
