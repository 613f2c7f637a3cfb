// LeaseKeeper against a real `k8ts server` process, heartbeat style: renew
// moves a coordination.k8s.io Lease's renewTime. The test makes the server
// unreachable by stopping the process (SIGSTOP: connections hang, requests
// time out) and brings it back with SIGCONT.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { classifyApiFailure } from '../../src/client/failure-kind.js';
import { RestClient, UnreachableError, resourcePath } from '../../src/client/rest-client.js';
import { microTime } from '../../src/leaderelection/lease-lock.js';
import { realClock } from '../../src/time/clock.js';
import { LeaseKeeper, type HealthChange } from '../../src/time/lease-keeper.js';
import { TimingWheel } from '../../src/time/timing-wheel.js';
import { removeDir, startServer, waitFor, type ServerProcess } from '../e2e/harness.js';

const LEASES = resourcePath({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-node-lease' });

interface Lease {
  metadata: { name: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

describe('LeaseKeeper against a real server', () => {
  let server: ServerProcess;
  let client: RestClient;
  let wheel: TimingWheel;

  before(async () => {
    server = await startServer();
    wheel = new TimingWheel();
    // Short request deadline: a stopped server must show up as unreachable quickly.
    client = RestClient.fromKubeconfig(server.kubeconfig, { timeoutMs: 250, wheel });
  });

  after(async () => {
    server.child.kill('SIGCONT');
    client.close();
    wheel.close();
    await server.stop();
    removeDir(server.dataDir);
  });

  async function createLease(name: string): Promise<void> {
    await client.create(LEASES, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name },
      spec: { holderIdentity: name, leaseDurationSeconds: 3, renewTime: microTime(Date.now()) },
    });
  }

  function heartbeat(name: string, errors: unknown[]) {
    return async (signal: AbortSignal): Promise<void> => {
      try {
        await client.patch(`${LEASES}/${name}`, { spec: { renewTime: microTime(realClock.wallMs()) } }, 'merge', { signal });
      } catch (error) {
        errors.push(error);
        throw error;
      }
    };
  }

  it('goes Healthy → Degraded while the server is stopped, back to Healthy when it returns, and Failed past expiry', async () => {
    await createLease('node-a');
    const changes: HealthChange[] = [];
    const errors: unknown[] = [];
    const keeper = new LeaseKeeper({
      wheel,
      renew: heartbeat('node-a', errors),
      classify: classifyApiFailure,
      validForMs: 3_000,
      renewIntervalMs: 200,
      attemptTimeoutMs: 1_000,
      onHealthChange: (change) => changes.push(change),
    });
    keeper.start();
    try {
      const before = (await client.get<Lease>(`${LEASES}/node-a`)).spec.renewTime!;
      await waitFor('a renewal to land', async () => (await client.get<Lease>(`${LEASES}/node-a`)).spec.renewTime! > before, 5_000, 20);
      assert.equal(keeper.health, 'healthy');

      server.child.kill('SIGSTOP');
      await waitFor('degraded', () => keeper.health === 'degraded', 5_000, 10);
      assert.ok(keeper.isValid(), 'degraded, but the lease is still valid');
      assert.ok(errors.every((e) => e instanceof UnreachableError), `errors: ${errors.map(String)}`);

      server.child.kill('SIGCONT');
      await waitFor('healthy again', () => keeper.health === 'healthy', 5_000, 10);
      assert.deepEqual(changes.map((c) => `${c.health}:${c.cause}`), ['degraded:unreachable', 'healthy:undefined']);

      server.child.kill('SIGSTOP');
      const stoppedAt = performance.now();
      await waitFor('failed', () => keeper.health === 'failed', 8_000, 10);
      const failedAfter = performance.now() - stoppedAt;
      assert.deepEqual(changes.map((c) => `${c.health}:${c.cause}`).slice(2), ['degraded:unreachable', 'failed:expired']);
      // Valid for 3 s from the last renewal sent, which was at most one interval before the stop.
      assert.ok(failedAfter > 2_700 && failedAfter < 3_400, `failed ${failedAfter.toFixed(0)} ms after the stop`);
      assert.equal(keeper.isValid(), false);
    } finally {
      server.child.kill('SIGCONT');
      keeper.stop();
    }
  });

  it('fails at once when the server says the Lease is gone', async () => {
    await createLease('node-b');
    const changes: HealthChange[] = [];
    const keeper = new LeaseKeeper({
      wheel,
      renew: heartbeat('node-b', []),
      classify: classifyApiFailure,
      validForMs: 30_000,
      renewIntervalMs: 100,
      onHealthChange: (change) => changes.push(change),
    });
    keeper.start();
    try {
      await client.delete(`${LEASES}/node-b`);
      await waitFor('failed', () => keeper.health === 'failed', 5_000, 10);
      assert.deepEqual(changes.map((c) => `${c.health}:${c.cause}`), ['failed:gone']);
    } finally {
      keeper.stop();
    }
  });
});
