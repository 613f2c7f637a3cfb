// HttpsClient against a real `k8ts server` process (verbs, selectors,
// subresources, watches), plus a scripted HTTPS endpoint for what a healthy
// server rarely does: ERROR events, silence, a split event line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { RESOURCES, isGone, isNotFound, isConflict } from '../../src/client/api-client.js';
import { HttpsClient } from '../../src/client/https-client.js';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import { UnreachableError, ApiStatusError } from '../../src/client/rest-client.js';
import { ensurePki } from '../../src/apiserver/security/pki.js';
import { startServer, tempDir, removeDir, waitFor, type ServerProcess } from '../e2e/harness.js';

let server: ServerProcess;
let client: HttpsClient;

before(async () => {
  server = await startServer({ extraArgs: ['--store', 'memory'] });
  client = new HttpsClient({ ...loadKubeconfig(server.kubeconfig), timeoutMs: 5000 });
});

after(async () => {
  client?.close();
  await server?.stop();
  if (server) removeDir(server.dataDir);
});

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data }) as KubeObject;

test('get, list (with selectors and kinds on items), create, update, patch, delete', async () => {
  const created = await client.create(RESOURCES.configmaps, 'default', cm('one', { app: 'a' }, { k: 'v' }));
  assert.ok(created.metadata.uid);
  await client.create(RESOURCES.configmaps, 'default', cm('two', { app: 'b' }));
  const got = await client.get(RESOURCES.configmaps, 'default', 'one');
  assert.deepEqual((got as any).data, { k: 'v' });

  const listed = await client.list(RESOURCES.configmaps, 'default', { labelSelector: 'app=a' });
  assert.deepEqual(listed.items.map((i) => i.metadata.name), ['one']);
  assert.equal(listed.items[0]!.kind, 'ConfigMap');
  assert.equal(listed.items[0]!.apiVersion, 'v1');
  assert.match(listed.resourceVersion, /^\d+$/);
  const page = await client.list(RESOURCES.configmaps, 'default', { labelSelector: 'app', limit: 1 });
  assert.equal(page.items.length, 1);
  assert.ok(page.continueToken, 'a continue token for the second page');
  const rest = await client.list(RESOURCES.configmaps, 'default', { labelSelector: 'app', limit: 1, continueToken: page.continueToken });
  assert.notEqual(rest.items[0]!.metadata.name, page.items[0]!.metadata.name);

  const updated = await client.update(RESOURCES.configmaps, 'default', { ...got, data: { k: 'w' } } as KubeObject);
  assert.deepEqual((updated as any).data, { k: 'w' });
  await assert.rejects(client.update(RESOURCES.configmaps, 'default', { ...got, data: { k: 'x' } } as KubeObject), (e) => isConflict(e));

  const merged = await client.patch(RESOURCES.configmaps, 'default', 'one', 'application/merge-patch+json', { data: { extra: '1' } });
  assert.deepEqual((merged as any).data, { k: 'w', extra: '1' });
  const jsonPatched = await client.patch(RESOURCES.configmaps, 'default', 'one', 'application/json-patch+json', [{ op: 'remove', path: '/data/k' }]);
  assert.deepEqual((jsonPatched as any).data, { extra: '1' });

  await client.delete(RESOURCES.configmaps, 'default', 'one', { preconditions: { uid: created.metadata.uid } });
  await assert.rejects(client.get(RESOURCES.configmaps, 'default', 'one'), (e) => isNotFound(e) && e instanceof ApiStatusError && e.reason === 'NotFound');
  await assert.rejects(client.delete(RESOURCES.configmaps, 'default', 'two', { preconditions: { uid: 'not-its-uid' } }), (e) => isConflict(e));
});

test('status subresource and bindPod', async () => {
  const pod = await client.create(RESOURCES.pods, 'default', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'busybox' }] },
  } as KubeObject);
  const fresh = await client.get(RESOURCES.pods, 'default', 'p');
  assert.equal(fresh.metadata.uid, pod.metadata.uid);
  const withStatus = await client.update(RESOURCES.pods, 'default', { ...fresh, status: { phase: 'Running' } } as KubeObject, 'status');
  assert.equal((withStatus as any).status.phase, 'Running');
  const patched = await client.patch(RESOURCES.pods, 'default', 'p', 'application/strategic-merge-patch+json', { status: { message: 'hi' } }, 'status');
  assert.equal((patched as any).status.message, 'hi');
  await client.bindPod('default', 'p', 'node-x');
  assert.equal(((await client.get(RESOURCES.pods, 'default', 'p')) as any).spec.nodeName, 'node-x');
  await assert.rejects(client.bindPod('default', 'p', 'node-y'), (e) => isConflict(e));
  await client.delete(RESOURCES.pods, 'default', 'p', { gracePeriodSeconds: 0 });
  // finalizeNamespace is not exercised here: the server's request parser reads
  // /api/v1/namespaces/{name}/finalize as a namespaced resource "finalize" (404).
});

test('watch delivers filtered events in order, and cancel stops it without closed()', async () => {
  const start = await client.list(RESOURCES.configmaps, 'default');
  const events: string[] = [];
  let closedCalls = 0;
  const cancel = await client.watch(RESOURCES.configmaps, 'default', start.resourceVersion, { labelSelector: 'watch=me' }, {
    event: (type, obj) => events.push(`${type} ${obj.metadata.name} ${(obj as any).data?.v ?? ''}`.trim()),
    closed: () => closedCalls++,
  });
  await client.create(RESOURCES.configmaps, 'default', cm('w1', { watch: 'me' }, { v: '1' }));
  await client.create(RESOURCES.configmaps, 'default', cm('ignored', { watch: 'not-me' }));
  await client.patch(RESOURCES.configmaps, 'default', 'w1', 'application/merge-patch+json', { data: { v: '2' } });
  await client.delete(RESOURCES.configmaps, 'default', 'w1');
  await waitFor('three events', () => events.filter((e) => !e.startsWith('BOOKMARK')).length >= 3, 10_000);
  assert.deepEqual(events.filter((e) => !e.startsWith('BOOKMARK')), ['ADDED w1 1', 'MODIFIED w1 2', 'DELETED w1 2']);
  cancel();
  await client.create(RESOURCES.configmaps, 'default', cm('w2', { watch: 'me' }));
  // A write after cancel must not arrive; give the server a round trip to prove it.
  await client.get(RESOURCES.configmaps, 'default', 'w2');
  assert.equal(events.some((e) => e.includes('w2')), false);
  assert.equal(closedCalls, 0);
});

test('a watch the server ends (timeoutSeconds) reports closed with a 410', async () => {
  const short = new HttpsClient({ ...loadKubeconfig(server.kubeconfig), watchTimeoutSeconds: 1 });
  try {
    const rv = (await short.list(RESOURCES.configmaps, 'default')).resourceVersion;
    const closed = new Promise<Error | undefined>((resolve) => {
      void short.watch(RESOURCES.configmaps, 'default', rv, {}, { event: () => undefined, closed: resolve });
    });
    const err = await closed;
    assert.ok(isGone(err), `got ${String(err)}`);
  } finally {
    short.close();
  }
});

test('errors: a bad watch request rejects with the Status; unknown resources are 404; a wrong CA fails', async () => {
  await assert.rejects(client.watch(RESOURCES.configmaps, 'default', 'abc', {}, { event: () => undefined, closed: () => undefined }), (e) => (e as ApiStatusError).code === 400);
  await assert.rejects(client.get({ group: 'nope.example.com', version: 'v1', resource: 'things' }, undefined, 'x'), (e) => isNotFound(e));
  const access = loadKubeconfig(server.kubeconfig);
  const untrusting = new HttpsClient({ server: access.server, token: access.token });
  await assert.rejects(untrusting.get(RESOURCES.namespaces, undefined, 'default'), (e) => !(e instanceof ApiStatusError) && /certificate/i.test((e as Error).message));
  untrusting.close();
  const insecure = new HttpsClient({ server: access.server, token: access.token, insecureSkipTlsVerify: true });
  assert.equal((await insecure.get(RESOURCES.namespaces, undefined, 'default')).metadata.name, 'default');
  insecure.close();
  const noToken = new HttpsClient({ server: access.server, caPem: access.caPem });
  await assert.rejects(noToken.get(RESOURCES.namespaces, undefined, 'default'), (e) => (e as ApiStatusError).code === 401);
  noToken.close();
});

test('scripted server: split lines, ERROR events become closed(410), silence times out on the wheel', async () => {
  const dir = tempDir('k8ts-https-client-');
  const pki = await ensurePki(join(dir, 'pki'), ['127.0.0.1']);
  let mode: 'error' | 'silent' = 'error';
  const fake: Server = createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => {
    if (mode === 'silent') return; // never answers
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const added = JSON.stringify({ type: 'ADDED', object: cm('split') }) + '\n';
    res.write(added.slice(0, 10));
    setImmediate(() => {
      res.write(added.slice(10));
      res.write(JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' } }) + '\n');
    });
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
  const fakeClient = new HttpsClient({ server: `https://127.0.0.1:${(fake.address() as { port: number }).port}`, caPem: pki.caPem, timeoutMs: 300 });
  try {
    const names: string[] = [];
    const closed = new Promise<Error | undefined>((resolve) => {
      void fakeClient.watch(RESOURCES.configmaps, 'default', '1', {}, { event: (_t, o) => names.push(o.metadata.name!), closed: resolve });
    });
    const err = await closed;
    assert.deepEqual(names, ['split']);
    assert.ok(isGone(err));
    assert.equal(err!.message, 'too old resource version: 1 (5)');
    mode = 'silent';
    const t0 = Date.now();
    await assert.rejects(fakeClient.get(RESOURCES.configmaps, 'default', 'x'), (e) => e instanceof UnreachableError && e.code === 'TIMEOUT');
    await assert.rejects(fakeClient.watch(RESOURCES.configmaps, 'default', '1', {}, { event: () => undefined, closed: () => undefined }), (e) => e instanceof UnreachableError && e.code === 'TIMEOUT');
    assert.ok(Date.now() - t0 < 3000);
  } finally {
    fakeClient.close();
    fake.closeAllConnections();
    await new Promise<void>((r) => fake.close(() => r()));
    removeDir(dir);
  }
});
