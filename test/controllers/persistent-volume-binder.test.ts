// The PersistentVolume binder, driven by the real kubectl: two claims racing
// for one volume (exactly one wins), a volume pre-bound to a claim, a claim
// naming its volume, a label selector, and Released once the claim goes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PersistentVolumeBinder } from '../../src/controllers/volume/persistent-volume-binder.js';
import { waitFor } from '../e2e/harness.js';
import type { ControlPlane } from './harness.js';
import { startControlPlaneWith } from './selected-controllers.js';

let cp: ControlPlane;

before(async () => {
  cp = await startControlPlaneWith([(ctx) => new PersistentVolumeBinder(ctx)]);
});

after(async () => {
  await cp?.close();
});

function pv(name: string, storage: string, extra: { labels?: Record<string, string>; claimRef?: Record<string, string> } = {}) {
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels: extra.labels ?? {} },
    spec: { capacity: { storage }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: `/tmp/${name}` }, ...(extra.claimRef ? { claimRef: extra.claimRef } : {}) } };
}

function pvc(name: string, storage: string, extra: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage } }, ...extra } };
}

async function apply(...objs: object[]): Promise<void> {
  await cp.kubectl.ok(['apply', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });
}

async function phaseOf(kind: 'pv' | 'pvc', name: string): Promise<string> {
  return (await cp.kubectl.json(['get', kind, name])).status?.phase ?? '';
}

async function bound(name: string): Promise<any> {
  return waitFor(`${name} Bound`, async () => {
    const c = await cp.kubectl.json(['get', 'pvc', name]);
    return c.status?.phase === 'Bound' ? c : undefined;
  }, 20_000, 100);
}

describe('PersistentVolume binder', () => {
  it('gives one volume to exactly one of two claims created together', async () => {
    await apply(pv('only', '1Gi'));
    await waitFor('only Available', async () => (await phaseOf('pv', 'only')) === 'Available');
    await apply(pvc('first', '1Gi'), pvc('second', '1Gi'));
    const winner = await waitFor('a winner', async () => {
      const phases = await Promise.all(['first', 'second'].map((n) => phaseOf('pvc', n)));
      return phases.includes('Bound') ? (phases[0] === 'Bound' ? 'first' : 'second') : undefined;
    }, 20_000, 100);
    const loser = winner === 'first' ? 'second' : 'first';
    const volume = await cp.kubectl.json(['get', 'pv', 'only']);
    assert.equal(volume.spec.claimRef.name, winner);
    assert.equal(volume.spec.claimRef.uid, (await cp.kubectl.json(['get', 'pvc', winner])).metadata.uid);
    await waitFor('only Bound', async () => (await phaseOf('pv', 'only')) === 'Bound');
    assert.equal(await phaseOf('pvc', loser), 'Pending');
    assert.equal((await cp.kubectl.json(['get', 'pvc', loser])).spec.volumeName, undefined);
    // A volume for the loser arrives later.
    await apply(pv('second-chance', '5Gi'));
    assert.equal((await bound(loser)).spec.volumeName, 'second-chance');
  });

  it('honours a volume pre-bound to a claim, a claim naming its volume, and label selectors', async () => {
    await apply(pv('small-free', '1Gi'), pv('reserved', '3Gi', { claimRef: { namespace: 'default', name: 'wants-reserved' } }), pv('named', '4Gi'), pv('fast', '6Gi', { labels: { tier: 'fast' } }));
    // Available once the binder has seen them: the claims then choose among all four.
    for (const name of ['small-free', 'reserved', 'named', 'fast']) await waitFor(`${name} Available`, async () => (await phaseOf('pv', name)) === 'Available');
    await apply(pvc('wants-reserved', '1Gi'), pvc('names-it', '1Gi', { volumeName: 'named' }), pvc('selects', '1Gi', { selector: { matchLabels: { tier: 'fast' } } }));
    assert.equal((await bound('wants-reserved')).spec.volumeName, 'reserved');
    assert.equal((await bound('names-it')).spec.volumeName, 'named');
    const selects = await bound('selects');
    assert.equal(selects.spec.volumeName, 'fast');
    assert.deepEqual(selects.status.capacity, { storage: '6Gi' });
    assert.equal(await phaseOf('pv', 'small-free'), 'Available');
  });

  it('releases a volume whose claim is deleted', async () => {
    await apply(pv('to-release', '1Gi', { labels: { for: 'release' } }), pvc('short-lived', '1Gi', { selector: { matchLabels: { for: 'release' } } }));
    await bound('short-lived');
    await cp.kubectl.ok(['delete', 'pvc', 'short-lived', '--wait=true']);
    await waitFor('Released', async () => (await phaseOf('pv', 'to-release')) === 'Released', 20_000, 100);
  });
});
