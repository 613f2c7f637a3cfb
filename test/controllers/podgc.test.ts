// Pod garbage collection on the manual clock: pods of a Node that is gone
// are marked Failed (DisruptionTarget) and force-deleted once the node has
// been missing for the quarantine period, pods on a live node stay, and the
// oldest terminated pods beyond the threshold go first.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES, isNotFound } from '../../src/client/api-client.js';
import { ORPHAN_QUARANTINE_MS, POD_GC_PERIOD_MS, PodGcController } from '../../src/controllers/podgc/pod-gc-controller.js';
import { ManualClock } from '../../src/time/manual-clock.js';
import type { InformerFactory } from '../../src/client/informer-factory.js';
import { waitFor } from '../e2e/harness.js';
import { startControlPlane, type ControlPlane } from './harness.js';

const clock = new ManualClock({ wallStartMs: Date.UTC(2024, 0, 1) });
let cp: ControlPlane;
/** The controller's own informers: a pass sees what they hold, so the test waits on them before moving the clock. */
let informers: InformerFactory;

before(async () => {
  cp = await startControlPlane({ clock, controllers: [(ctx) => {
    informers = ctx.informers;
    return new PodGcController(ctx, { terminatedPodThreshold: 2 });
  }] });
});

after(async () => {
  await cp?.close();
});

function pod(name: string, spec: Record<string, unknown> = {}, finalizers?: string[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(finalizers ? { finalizers } : {}) }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

/** Waits until the controller's cache holds these pods (and terminated ones as Succeeded). */
async function cacheHolds(names: string[]): Promise<void> {
  await waitFor(`the controller's cache to hold ${names.join(', ')}`, async () => {
    const cached = informers.informer(RESOURCES.pods).list();
    return names.every((n) => cached.some((p) => p.metadata.name === n && (!n.startsWith('done-') || (p.status as { phase?: string } | undefined)?.phase === 'Succeeded')));
  });
}

async function exists(name: string): Promise<boolean> {
  try {
    await cp.client.get(RESOURCES.pods, 'default', name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

async function terminated(name: string): Promise<void> {
  await cp.client.create(RESOURCES.pods, 'default', pod(name, { restartPolicy: 'Never' }));
  await cp.client.patch(RESOURCES.pods, 'default', name, 'application/merge-patch+json', { status: { phase: 'Succeeded' } }, 'status');
}

describe('pod garbage collector', () => {
  it('collects the pods of a vanished node after the quarantine, and the oldest terminated pods beyond the threshold', async () => {
    await cp.client.create(RESOURCES.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'alive' } });
    await cp.client.create(RESOURCES.pods, 'default', pod('on-alive', { nodeName: 'alive' }));
    // The finalizer keeps the orphan visible after its force delete, to show how it was left.
    await cp.client.create(RESOURCES.pods, 'default', pod('orphan', { nodeName: 'gone' }, ['example.com/hold']));
    for (const name of ['done-1', 'done-2', 'done-3']) {
      await terminated(name);
      clock.advanceBy(1_000);
    }
    await cacheHolds(['on-alive', 'orphan', 'done-1', 'done-2', 'done-3']);

    // Pass 1: three terminated pods over a threshold of two: the oldest goes. The orphan's node has only just been missed.
    clock.advanceBy(POD_GC_PERIOD_MS);
    await waitFor('done-1 collected', async () => !(await exists('done-1')));
    assert.ok(await exists('done-2'));
    assert.ok(await exists('done-3'));

    // Pass 2: still inside the quarantine. A new terminated pod makes this pass observable: orphans are handled first.
    await terminated('done-4');
    await cacheHolds(['done-4']);
    clock.advanceBy(POD_GC_PERIOD_MS);
    await waitFor('done-2 collected', async () => !(await exists('done-2')));
    let orphan = await cp.client.get(RESOURCES.pods, 'default', 'orphan');
    assert.equal(orphan.metadata.deletionTimestamp, undefined, 'orphan kept during the quarantine');

    // Pass 3: the node has been missing for the whole quarantine, and a fresh GET says it is gone.
    assert.ok(2 * POD_GC_PERIOD_MS >= ORPHAN_QUARANTINE_MS);
    clock.advanceBy(POD_GC_PERIOD_MS);
    orphan = await waitFor('the orphan deleted', async () => {
      const p = await cp.client.get(RESOURCES.pods, 'default', 'orphan');
      return p.metadata.deletionTimestamp ? p : undefined;
    });
    assert.equal(orphan.metadata.deletionGracePeriodSeconds, 0);
    const status = orphan.status as { phase: string; conditions: { type: string; status: string; reason: string; message: string }[] };
    assert.equal(status.phase, 'Failed');
    const disruption = status.conditions.find((c) => c.type === 'DisruptionTarget');
    assert.deepEqual({ status: disruption?.status, reason: disruption?.reason }, { status: 'True', reason: 'DeletionByPodGC' });
    assert.match(disruption!.message, /node gone no longer exists/);
    await cp.client.patch(RESOURCES.pods, 'default', 'orphan', 'application/merge-patch+json', { metadata: { finalizers: null } });
    await waitFor('the orphan gone once its finalizer is', async () => !(await exists('orphan')));

    // A pod on a node that exists is never touched, and two terminated pods are within the threshold.
    const survivor = await cp.client.get(RESOURCES.pods, 'default', 'on-alive');
    assert.equal(survivor.metadata.deletionTimestamp, undefined);
    assert.ok(await exists('done-3'));
    assert.ok(await exists('done-4'));
  });
});
