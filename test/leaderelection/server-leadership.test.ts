// `k8ts server` runs its controllers only while it holds the controller
// Lease. Observed from outside: the Lease names the server and is renewed;
// a graceful restart hands over at once (the Lease is released); after a
// SIGKILL the new process waits out the old holder's lease duration, and
// until then no controller acts (a deleted namespace stays Terminating).
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, describe, it } from 'node:test';
import { ApiStatusError, RestClient, resourcePath } from '../../src/client/rest-client.js';
import type { LeaseObject } from '../../src/leaderelection/lease-lock.js';
import { CONTROLLER_LEASE } from '../../src/server/controller-leadership.js';
import { removeDir, startServer, tempDir, waitFor, type ServerProcess } from '../e2e/harness.js';

const SHORT_ELECTION = ['--leader-elect-lease-duration', '2s', '--leader-elect-renew-deadline', '1500ms', '--leader-elect-retry-period', '300ms'];
const LEASE_PATH = `${resourcePath({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: CONTROLLER_LEASE.namespace })}/${CONTROLLER_LEASE.name}`;
const NAMESPACES = resourcePath({ group: '', version: 'v1', resource: 'namespaces' });

describe('k8ts server controller leadership', () => {
  const dataDir = tempDir();
  let server: ServerProcess | undefined;
  let client: RestClient | undefined;

  async function start(): Promise<RestClient> {
    client?.close();
    server = await startServer({ dataDir, extraArgs: SHORT_ELECTION });
    client = RestClient.fromKubeconfig(server.kubeconfig, { timeoutMs: 2_000 });
    return client;
  }

  after(async () => {
    client?.close();
    await server?.stop();
    removeDir(dataDir);
  });

  async function namespaceGone(api: RestClient, name: string): Promise<boolean> {
    try {
      await api.get(`${NAMESPACES}/${name}`);
      return false;
    } catch (error) {
      if (error instanceof ApiStatusError && error.code === 404) return true;
      throw error;
    }
  }

  it('holds and renews the Lease; hands over at once after SIGTERM, only after the lease duration after SIGKILL', async () => {
    let api = await start();
    const first = (await api.get<LeaseObject>(LEASE_PATH)).spec!;
    assert.ok(first.holderIdentity!.startsWith(`${hostname()}_`), `holder ${first.holderIdentity}`);
    assert.equal(first.leaseDurationSeconds, 2);
    await waitFor('a renewal', async () => (await api.get<LeaseObject>(LEASE_PATH)).spec!.renewTime !== first.renewTime, 5_000, 50);

    // Graceful restart: released on the way down, so the new process leads as soon as it is up.
    assert.equal(await server!.stop(), 0);
    api = await start();
    const second = (await api.get<LeaseObject>(LEASE_PATH)).spec!;
    assert.notEqual(second.holderIdentity, first.holderIdentity);
    assert.ok(second.leaseTransitions! > first.leaseTransitions!, `transitions ${first.leaseTransitions} → ${second.leaseTransitions}`);

    // Killed: the Lease still names the dead process, so the new one must wait it out.
    await server!.kill();
    api = await start();
    const startedAt = Date.now();
    const third = (await api.get<LeaseObject>(LEASE_PATH)).spec!;
    assert.equal(third.holderIdentity, second.holderIdentity, 'the dead holder still holds the Lease');
    await api.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await api.delete(`${NAMESPACES}/doomed`);
    assert.equal(await namespaceGone(api, 'doomed'), false, 'no controller finalizes the namespace while another replica holds the Lease');
    await waitFor('the namespace to be finalized', () => namespaceGone(api, 'doomed'), 10_000, 50);
    const waitedMs = Date.now() - startedAt;
    const fourth = (await api.get<LeaseObject>(LEASE_PATH)).spec!;
    assert.notEqual(fourth.holderIdentity, second.holderIdentity);
    assert.ok(fourth.leaseTransitions! > second.leaseTransitions!);
    assert.ok(waitedMs >= 1_000, `controllers ran after only ${waitedMs} ms`);
  });
});
