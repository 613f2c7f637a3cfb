// The generic registry over the in-memory store, with a small fake kind
// behaviour (validation that rejects one field) standing in for the real
// per-kind modules.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { BUILTIN_RESOURCES } from '../../src/api/resources.js';
import { makeStrategy } from '../../src/api/kinds.js';
import type { KindBehaviour } from '../../src/api/strategy.js';
import type { KubeObject } from '../../src/api/types.js';
import { ResourceStore } from '../../src/apiserver/registry/resource-store.js';
import { resourcePrefix } from '../../src/apiserver/registry/keys.js';
import { WatchCache } from '../../src/apiserver/watch-cache.js';
import { ApiError } from '../../src/apiserver/errors.js';
import { parseLabelSelector } from '../../src/apiserver/selectors/label-selector.js';
import { parseFieldSelector } from '../../src/apiserver/selectors/field-selector.js';

const behaviour: KindBehaviour = {
  defaultObject(_group, kind, obj) {
    if (kind === 'Deployment') (obj.spec as Record<string, unknown>).replicas ??= 1;
  },
  validateCreate(_group, _kind, obj) {
    return (obj.metadata.labels?.invalid ? [{ type: 'FieldValueInvalid', field: 'metadata.labels', value: 'x', detail: 'not allowed' }] : []);
  },
  validateUpdate(group, kind, obj) {
    return this.validateCreate(group, kind, obj);
  },
  tablePrinterFor: () => ({ columns: [], cells: () => [] }),
};

const FIXED_NOW = Date.parse('2026-01-02T03:04:05Z');

async function registryFor(store: Store, kind: string): Promise<ResourceStore> {
  const info = BUILTIN_RESOURCES.find((r) => r.kind === kind)!;
  const cache = new WatchCache(store, resourcePrefix(info));
  await cache.start();
  return new ResourceStore(makeStrategy(info, behaviour), {
    store,
    nowMs: () => FIXED_NOW,
    formatInvalid: (k, _g, name, errs) => ({ message: `${k} "${name}" is invalid`, causes: errs.map((e) => ({ reason: e.type, field: e.field })) }),
    checkNamespaceForCreate: (ns) => {
      if (ns === 'missing') throw new ApiError(404, 'NotFound', 'namespaces "missing" not found');
    },
  }, cache);
}

async function rejects(p: Promise<unknown>, code: number, reason?: string): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, code, err.message);
    if (reason) assert.equal(err.reason, reason);
    return err;
  }
  assert.fail(`expected a ${code}`);
}

const deployment = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels: { app: name } },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  status: { replicas: 99 },
  ...extra,
});

describe('generic registry', () => {
  let store: Store;
  let deployments: ResourceStore;
  let pods: ResourceStore;

  beforeEach(async () => {
    store = await openStore({ backend: 'memory' });
    deployments = await registryFor(store, 'Deployment');
    pods = await registryFor(store, 'Pod');
  });

  it('sets server fields on create, drops client status and applies defaults', async () => {
    const created = await deployments.create('ns', deployment('web'), { dryRun: false });
    assert.match(created.metadata.uid!, /^[0-9a-f-]{36}$/);
    assert.equal(created.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
    assert.equal(created.metadata.generation, 1);
    assert.equal(created.metadata.namespace, 'ns');
    assert.deepEqual(created.status, {});
    assert.equal((created.spec as { replicas: number }).replicas, 1);
    const fetched = await deployments.get('ns', 'web');
    assert.equal(fetched.metadata.resourceVersion, created.metadata.resourceVersion);
  });

  it('generates names, honours dryRun and rejects duplicates and invalid objects without writing', async () => {
    const generated = await deployments.create('ns', { ...deployment(''), metadata: { generateName: 'web-' } }, { dryRun: false });
    assert.match(generated.metadata.name!, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const revision = await store.currentRevision();
    await deployments.create('ns', deployment('dry'), { dryRun: true });
    await rejects(deployments.create('ns', { ...deployment('bad'), metadata: { name: 'bad', labels: { invalid: 'yes' } } }, { dryRun: false }), 422, 'Invalid');
    await rejects(deployments.create('ns', deployment(generated.metadata.name!), { dryRun: false }), 409, 'AlreadyExists');
    await rejects(deployments.create('missing', deployment('x'), { dryRun: false }), 404);
    await rejects(deployments.create('ns', { ...deployment('x'), apiVersion: 'apps/v2' }, { dryRun: false }), 400, 'BadRequest');
    assert.equal(await store.currentRevision(), revision, 'rejected or dry-run creates wrote to the store');
  });

  it('bumps generation on spec changes only, keeps status on updates and spec on status updates', async () => {
    const created = await deployments.create('ns', deployment('web'), { dryRun: false });
    const relabelled = await deployments.update('ns', 'web', (d) => ({ ...d, metadata: { ...d.metadata, labels: { app: 'web', x: 'y' } } }), { dryRun: false, subresource: '' });
    assert.equal(relabelled.metadata.generation, 1);
    const rescaled = await deployments.update('ns', 'web', (d) => ({ ...d, spec: { ...(d.spec as object), replicas: 3 }, status: { replicas: 42 } }), { dryRun: false, subresource: '' });
    assert.equal(rescaled.metadata.generation, 2);
    assert.deepEqual(rescaled.status, {}, 'the main resource must not change status');
    const statusUpdate = await deployments.update('ns', 'web', (d) => ({ ...d, spec: { ...(d.spec as object), replicas: 7 }, status: { replicas: 3 } }), { dryRun: false, subresource: 'status' });
    assert.deepEqual(statusUpdate.status, { replicas: 3 });
    assert.equal((statusUpdate.spec as { replicas: number }).replicas, 3, 'the status subresource must not change spec');
    assert.equal(statusUpdate.metadata.generation, 2);
    assert.equal(statusUpdate.metadata.uid, created.metadata.uid);
  });

  it('answers a stale resourceVersion with 409 and skips no-op writes', async () => {
    const created = await deployments.create('ns', deployment('web'), { dryRun: false });
    await deployments.update('ns', 'web', (d) => ({ ...d, metadata: { ...d.metadata, annotations: { a: 'b' } } }), { dryRun: false, subresource: '' });
    const err = await rejects(deployments.update('ns', 'web', () => ({ ...created, metadata: { ...created.metadata, annotations: { a: 'c' } } }), { dryRun: false, subresource: '' }), 409, 'Conflict');
    assert.match(err.message, /the object has been modified/);
    const revision = await store.currentRevision();
    const same = await deployments.update('ns', 'web', (d) => d, { dryRun: false, subresource: '' });
    assert.equal(await store.currentRevision(), revision);
    assert.equal(same.metadata.resourceVersion, String(revision));
  });

  it('retries concurrent patches that pin no resourceVersion instead of answering 409', async () => {
    await deployments.create('ns', deployment('web'), { dryRun: false });
    const patchLabel = (key: string) => deployments.update('ns', 'web', (d) => ({ ...d, metadata: { ...d.metadata, labels: { ...d.metadata.labels, [key]: 'yes' } } }), { dryRun: false, subresource: '' });
    await Promise.all([patchLabel('a'), patchLabel('b'), patchLabel('c')]);
    const labels = (await deployments.get('ns', 'web')).metadata.labels!;
    assert.deepEqual([labels.a, labels.b, labels.c], ['yes', 'yes', 'yes']);
  });

  it('records propagation policies as finalizers and deletes once they are gone', async () => {
    await deployments.create('ns', deployment('web'), { dryRun: false });
    const pending = await deployments.delete('ns', 'web', { dryRun: false, propagationPolicy: 'Foreground' });
    assert.deepEqual(pending.metadata.finalizers, ['foregroundDeletion']);
    assert.equal(pending.metadata.deletionTimestamp, '2026-01-02T03:04:05Z');
    await rejects(deployments.update('ns', 'web', (d) => ({ ...d, metadata: { ...d.metadata, finalizers: ['foregroundDeletion', 'new'] } }), { dryRun: false, subresource: '' }), 422);
    await deployments.update('ns', 'web', (d) => ({ ...d, metadata: { ...d.metadata, finalizers: [] } }), { dryRun: false, subresource: '' });
    await rejects(deployments.get('ns', 'web'), 404);

    await deployments.create('ns', deployment('orphaned'), { dryRun: false });
    assert.deepEqual((await deployments.delete('ns', 'orphaned', { dryRun: false, propagationPolicy: 'Orphan' })).metadata.finalizers, ['orphan']);
    await deployments.create('ns', deployment('gone'), { dryRun: false });
    await deployments.delete('ns', 'gone', { dryRun: false, propagationPolicy: 'Background' });
    await rejects(deployments.get('ns', 'gone'), 404);
  });

  it('checks delete preconditions', async () => {
    const created = await deployments.create('ns', deployment('web'), { dryRun: false });
    await rejects(deployments.delete('ns', 'web', { dryRun: false, preconditions: { uid: 'other' } }), 409, 'Conflict');
    await rejects(deployments.delete('ns', 'web', { dryRun: false, preconditions: { resourceVersion: '999999' } }), 409, 'Conflict');
    await deployments.delete('ns', 'web', { dryRun: false, preconditions: { uid: created.metadata.uid } });
  });

  it('deletes a pod on a node gracefully and an unscheduled one at once', async () => {
    const pod = (name: string, nodeName?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'i' }] } });
    await pods.create('ns', pod('bound', 'node-1'), { dryRun: false });
    await pods.create('ns', pod('pending'), { dryRun: false });
    const terminating = await pods.delete('ns', 'bound', { dryRun: false });
    assert.equal(terminating.metadata.deletionGracePeriodSeconds, 20);
    assert.equal(terminating.metadata.deletionTimestamp, '2026-01-02T03:04:25Z');
    // The kubelet's final delete with grace 0 removes the pod.
    await pods.delete('ns', 'bound', { dryRun: false, gracePeriodSeconds: 0 });
    await rejects(pods.get('ns', 'bound'), 404);
    await pods.delete('ns', 'pending', { dryRun: false });
    await rejects(pods.get('ns', 'pending'), 404);
  });

  it('lists with selectors, pages with continue tokens at one revision', async () => {
    for (let i = 0; i < 7; i++) {
      await deployments.create(i < 5 ? 'a' : 'b', deployment(`d${i}`, { metadata: { name: `d${i}`, labels: { app: `d${i}`, parity: i % 2 ? 'odd' : 'even' } } }), { dryRun: false });
    }
    const even = await deployments.list(undefined, { labelSelector: parseLabelSelector('parity=even'), fieldSelector: [] });
    assert.deepEqual(even.items.map((d) => d.metadata.name), ['d0', 'd2', 'd4', 'd6']);
    const inB = await deployments.list(undefined, { labelSelector: [], fieldSelector: parseFieldSelector('metadata.namespace=b') });
    assert.deepEqual(inB.items.map((d) => d.metadata.name), ['d5', 'd6']);

    const first = await deployments.list('a', { labelSelector: [], fieldSelector: [], limit: 2 });
    assert.deepEqual(first.items.map((d) => d.metadata.name), ['d0', 'd1']);
    assert.ok(first.continueToken);
    await deployments.create('a', deployment('d10'), { dryRun: false });
    const second = await deployments.list('a', { labelSelector: [], fieldSelector: [], limit: 2, continueToken: first.continueToken });
    assert.deepEqual(second.items.map((d) => d.metadata.name), ['d2', 'd3']);
    const third = await deployments.list('a', { labelSelector: [], fieldSelector: [], limit: 2, continueToken: second.continueToken });
    assert.deepEqual(third.items.map((d) => d.metadata.name), ['d4'], 'pages must come from the first page\'s revision');
    assert.equal(third.continueToken, undefined);
    assert.equal(third.resourceVersion, first.resourceVersion);

    const filteredPage = await deployments.list(undefined, { labelSelector: parseLabelSelector('parity=odd'), fieldSelector: [], limit: 2 });
    assert.deepEqual(filteredPage.items.map((d) => d.metadata.name), ['d1', 'd3']);
    const rest = await deployments.list(undefined, { labelSelector: parseLabelSelector('parity=odd'), fieldSelector: [], limit: 2, continueToken: filteredPage.continueToken });
    assert.deepEqual(rest.items.map((d) => d.metadata.name), ['d5']);
    await rejects(deployments.list(undefined, { labelSelector: [], fieldSelector: [], limit: 1, continueToken: 'garbage' }), 400);
  });

  it('watches from a revision with selector-aware event types', async () => {
    const start = await deployments.list('ns', { labelSelector: [], fieldSelector: [] });
    const events: string[] = [];
    const cancel = await deployments.watch('ns', Number(start.resourceVersion), { labelSelector: parseLabelSelector('watched=yes'), fieldSelector: [] }, {
      event: (type, obj) => events.push(`${type} ${obj.metadata.name}`),
      close: () => events.push('closed'),
    });
    await deployments.create('ns', deployment('a', { metadata: { name: 'a', labels: { watched: 'yes' } } }), { dryRun: false });
    await deployments.create('ns', deployment('b'), { dryRun: false });
    await deployments.create('other', deployment('c', { metadata: { name: 'c', labels: { watched: 'yes' } } }), { dryRun: false });
    await deployments.update('ns', 'b', (d) => ({ ...d, metadata: { ...d.metadata, labels: { watched: 'yes' } } }), { dryRun: false, subresource: '' });
    await deployments.update('ns', 'a', (d) => ({ ...d, metadata: { ...d.metadata, labels: { watched: 'no' } } }), { dryRun: false, subresource: '' });
    await deployments.delete('ns', 'b', { dryRun: false });
    // A consistent list waits until the cache (and so every watcher) has seen all of the above.
    await deployments.list('ns', { labelSelector: [], fieldSelector: [] });
    cancel();
    assert.deepEqual(events, ['ADDED a', 'ADDED b', 'DELETED a', 'DELETED b']);

    // Replaying from the first revision yields the same history.
    const replayed: string[] = [];
    const cancelReplay = await deployments.watch('ns', Number(start.resourceVersion), { labelSelector: [], fieldSelector: [] }, {
      event: (type, obj) => replayed.push(`${type} ${obj.metadata.name}`),
      close: () => {},
    });
    cancelReplay();
    assert.deepEqual(replayed, ['ADDED a', 'ADDED b', 'MODIFIED b', 'MODIFIED a', 'DELETED b']);
  });
});
